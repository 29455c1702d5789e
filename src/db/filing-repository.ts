import type { Kysely, Selectable } from 'kysely'
import type { Database, FilingEventsTable, FilingStateValue, FilingsTable } from './schema.js'

export type FilingRow = Selectable<FilingsTable>
export type FilingState = FilingStateValue
export type EventSource = FilingEventsTable['source']

/**
 * Moves a filing's row from one of `from` to `to` if it is still in the state
 * it was read in (another worker may have moved it): the state it left, or
 * undefined when it did not move. The state machine's rules are the filing
 * feature's (src/filing/filing-state.ts).
 */
export async function moveFiling(
  trx: Kysely<Database>,
  filingId: string,
  from: readonly FilingState[],
  to: FilingState,
  at: string,
  changes: Partial<Pick<FilingRow, 'court_filing_id' | 'attempts' | 'last_error'>>
): Promise<{ from: FilingState; county: string; courtFilingId: string | null } | undefined> {
  const current = await trx
    .selectFrom('filings')
    .select(['state', 'county', 'court_filing_id'])
    .where('id', '=', filingId)
    .executeTakeFirst()
  if (!current || !from.includes(current.state)) return undefined
  const result = await trx
    .updateTable('filings')
    .set({ state: to, updated_at: at, ...changes })
    .where('id', '=', filingId)
    .where('state', '=', current.state)
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) !== 1) return undefined
  return { from: current.state, county: current.county, courtFilingId: current.court_filing_id }
}

/** One row of a filing's timeline (a move, or a hint that moved nothing: from = to). */
export async function insertFilingEvent(
  trx: Kysely<Database>,
  e: {
    filingId: string
    from: FilingState
    to: FilingState
    at: string
    source: EventSource
    detail?: Record<string, unknown> | undefined
  }
): Promise<void> {
  await trx
    .insertInto('filing_events')
    .values({
      filing_id: e.filingId,
      from_state: e.from,
      to_state: e.to,
      at: e.at,
      source: e.source,
      detail: e.detail ? JSON.stringify(e.detail) : null
    })
    .execute()
}

/** A court's filing, by our filing id when given, else by the court's filing ids. */
export async function findFilingOfCourt(
  db: Kysely<Database>,
  courtId: string,
  ids: { ours: string | undefined; courtIds: readonly string[] }
) {
  let q = db.selectFrom('filings').select(['id', 'state', 'county', 'court_filing_id']).where('court_id', '=', courtId)
  q = ids.ours
    ? q.where('id', '=', ids.ours)
    : q.where('court_filing_id', 'in', ids.courtIds.length > 0 ? [...ids.courtIds] : [''])
  return q.executeTakeFirst()
}

export async function findFiling(
  db: Kysely<Database>,
  id: string,
  county: string | null
): Promise<FilingRow | undefined> {
  let q = db.selectFrom('filings').selectAll().where('id', '=', id)
  if (county !== null) q = q.where('county', '=', county)
  return q.executeTakeFirst()
}

export async function filingEvents(db: Kysely<Database>, id: string) {
  return db.selectFrom('filing_events').selectAll().where('filing_id', '=', id).orderBy('id').execute()
}

/** A filing's cases and documents (the motion first), by id. */
export async function filingParts(
  db: Kysely<Database>,
  id: string
): Promise<{ caseIds: string[]; documentIds: string[] }> {
  const [cases, documents] = await Promise.all([
    db.selectFrom('filing_cases').select('case_id').where('filing_id', '=', id).execute(),
    db
      .selectFrom('filing_documents')
      .select('document_id')
      .where('filing_id', '=', id)
      .orderBy('role', 'desc')
      .execute()
  ])
  return { caseIds: cases.map((c) => c.case_id), documentIds: documents.map((d) => d.document_id) }
}

/** A page of a county's filings (all counties for null), optionally in one state, after a cursor id. */
export async function listFilings(
  db: Kysely<Database>,
  q: { county: string | null; state?: FilingState | undefined; after?: string | undefined; limit: number }
): Promise<FilingRow[]> {
  let query = db.selectFrom('filings').selectAll().orderBy('id').limit(q.limit)
  if (q.county !== null) query = query.where('county', '=', q.county)
  if (q.state) query = query.where('state', '=', q.state)
  if (q.after) query = query.where('id', '>', q.after)
  return query.execute()
}
