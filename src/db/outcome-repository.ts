import { type Kysely, type Selectable, sql } from 'kysely'
import { insertRows } from './insert-rows.js'
import { chunksOf } from './chunks.js'
import type { Database, OutcomeReportsTable, OutcomesTable } from './schema.js'

type Db = Kysely<Database>
export type OutcomeRow = Selectable<OutcomesTable>
export type OutcomeReportRow = Selectable<OutcomeReportsTable>

export async function insertOutcomes(db: Db, rows: readonly OutcomeRow[]): Promise<void> {
  await insertRows(db, [{ table: 'outcomes', rows }])
}

export type RecordedOutcome = Pick<
  OutcomeRow,
  'id' | 'conviction_id' | 'result' | 'source' | 'report_id' | 'report_line'
>

/** The outcome recorded for each of these convictions (those with one), by conviction id. */
export async function outcomesOfConvictions(
  db: Db,
  convictionIds: readonly string[]
): Promise<Map<string, RecordedOutcome>> {
  const out = new Map<string, RecordedOutcome>()
  for (const ids of chunksOf(convictionIds, 1)) {
    const rows = await db
      .selectFrom('outcomes')
      .select(['id', 'conviction_id', 'result', 'source', 'report_id', 'report_line'])
      .where('conviction_id', 'in', ids)
      .orderBy('id')
      .execute()
    for (const r of rows) if (!out.has(r.conviction_id)) out.set(r.conviction_id, r)
  }
  return out
}

/** The convictions of `convictionIds` that have an outcome recorded (a row per outcome). */
export async function convictionsWithOutcome(
  db: Db,
  convictionIds: readonly string[]
): Promise<Array<Pick<OutcomeRow, 'conviction_id'>>> {
  const out: Array<Pick<OutcomeRow, 'conviction_id'>> = []
  for (const ids of chunksOf(convictionIds, 1))
    out.push(...(await db.selectFrom('outcomes').select('conviction_id').where('conviction_id', 'in', ids).execute()))
  return out
}

/** The convictions of `convictionIds` whose outcome a clerk's report recorded or confirmed. */
export async function convictionsWithReportedOutcome(db: Db, convictionIds: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>()
  for (const ids of chunksOf(convictionIds, 1)) {
    const rows = await db
      .selectFrom('outcomes')
      .select('conviction_id')
      .where('conviction_id', 'in', ids)
      .where('report_id', 'is not', null)
      .execute()
    for (const r of rows) out.add(r.conviction_id)
  }
  return out
}

/** A report's confirmation of an outcome the court's status recorded first: the line, the order's date and docket. */
export type OutcomeConfirmation = Pick<OutcomeRow, 'id' | 'report_line' | 'order_date' | 'docket_id'>

/**
 * Ties outcomes to the report (and line) that confirms each, with the order's
 * date and docket: one statement per slice, each row its own values.
 */
export async function confirmOutcomesByReport(
  db: Db,
  reportId: string,
  confirmations: readonly OutcomeConfirmation[]
): Promise<void> {
  for (const slice of chunksOf(confirmations, 4)) {
    // A VALUES list carries each row's own line, date and docket; casts type it the same on both databases.
    const values = sql.join(
      slice.map(
        (c) =>
          sql`(${c.id}, cast(${c.report_line} as integer), cast(${c.order_date} as text), cast(${c.docket_id} as text))`
      )
    )
    // Joined (UPDATE … FROM, on both databases), not a subquery per column: PostgreSQL ran each of those as a scan of
    // the list for every row updated, 125–132 ms a slice of 600 (auto_explain, bench:statewide --scale 0.3).
    await sql`with v (id, report_line, order_date, docket_id) as (values ${values})
      update outcomes set report_id = ${reportId}, report_line = v.report_line, order_date = v.order_date,
        docket_id = v.docket_id
      from v where v.id = outcomes.id`.execute(db)
  }
}

/** Stores a reconciled report: a new row, or the queued row of a report uploaded earlier, now done. */
export async function saveOutcomeReport(
  db: Db,
  row: Omit<OutcomeReportRow, 'state' | 'error' | 'upload_path' | 'finished_at'>,
  finishedAt: string
): Promise<void> {
  const done = { result: row.result, lines: row.lines, state: 'done' as const, error: null, upload_path: null }
  await db
    .insertInto('outcome_reports')
    .values({ ...row, ...done, finished_at: finishedAt })
    .onConflict((oc) => oc.column('id').doUpdateSet({ ...done, finished_at: finishedAt }))
    .execute()
}

/** Stores a report taken to disk, to be reconciled in the background (state `queued`). */
export async function insertQueuedOutcomeReport(
  db: Db,
  row: Omit<OutcomeReportRow, 'state' | 'error' | 'finished_at'>
): Promise<void> {
  await db
    .insertInto('outcome_reports')
    .values({ ...row, state: 'queued', error: null, finished_at: null })
    .execute()
}

/** Marks a queued report failed, with the reason its uploader is shown. */
export async function failOutcomeReport(db: Db, id: string, reason: string, at: string): Promise<void> {
  await db
    .updateTable('outcome_reports')
    .set({ state: 'failed', error: reason, upload_path: null, finished_at: at })
    .where('id', '=', id)
    .where('state', '=', 'queued')
    .execute()
}

/** The county's granted convictions since a time, with what the DOJ needs to update its record, by case and count. */
export async function grantedSince(db: Db, county: string, since: string) {
  return db
    .selectFrom('outcomes as o')
    .innerJoin('convictions as c', 'c.id', 'o.conviction_id')
    .innerJoin('court_cases as k', 'k.id', 'c.case_id')
    .innerJoin('people as p', 'p.id', 'c.person_id')
    .leftJoin('filings as f', 'f.id', 'o.filing_id')
    .select([
      'o.conviction_id',
      'o.order_date',
      'o.docket_id',
      'o.source',
      'o.created_at',
      'p.cii',
      'p.doj_subject_id',
      'k.county',
      'k.case_number',
      'f.court_id',
      'c.count_order',
      'c.code_section',
      'c.code_section_raw',
      'c.severity'
    ])
    .where('o.county', '=', county)
    .where('o.result', '=', 'granted')
    .where('o.created_at', '>=', since)
    .orderBy('k.case_number')
    .orderBy('c.count_order')
    .execute()
}

/** An outcome report the key may see (its county's, or any for admin keys); undefined otherwise. */
export async function findOutcomeReport(
  db: Db,
  id: string,
  county: string | null
): Promise<OutcomeReportRow | undefined> {
  let q = db.selectFrom('outcome_reports').selectAll().where('id', '=', id)
  if (county !== null) q = q.where('county', '=', county)
  return q.executeTakeFirst()
}
