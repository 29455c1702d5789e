import { type Insertable, type Kysely, type Selectable, sql } from 'kysely'
import { insertRows } from './insert-rows.js'
import {
  afterCursor,
  type KeysetCursor,
  opposite,
  orderByKey,
  type PageRequest,
  type SortDirection,
  type SortKey
} from './keyset.js'
import { nameHoldsWords, noRows, searchRecords, type SearchedRecords } from './record-search.js'
import { chunksOf } from './chunks.js'
import type { CaseRow, ConvictionRow } from './case-repository.js'
import { groupBy } from '../group-by.js'
import type {
  AuditEventsTable,
  Database,
  FilingCasesTable,
  FilingDocumentsTable,
  FilingEventsTable,
  FilingStateValue,
  FilingsTable
} from './schema.js'

/** The states in which a filing may be at the court without our knowing its court filing id: sending, or unknown. */
export const UNSETTLED_STATES: readonly FilingState[] = ['submitting', 'unknown']

export type FilingRow = Selectable<FilingsTable>
export type FilingDocumentRow = Selectable<FilingDocumentsTable>
export type FilingCaseRow = Selectable<FilingCasesTable>
export type FilingState = FilingStateValue
export type EventSource = FilingEventsTable['source']

/**
 * Moves a filing's row from one of `from` to `to` if it is still in the state
 * it was read in (another worker may have moved it): the state it left, its
 * county and its court filing id after the move, or undefined when it did not
 * move. The state machine's rules are the filing
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
  if (from.length === 1) {
    // One state it may leave: one statement.
    const moved = await trx
      .updateTable('filings')
      .set({ state: to, updated_at: at, ...changes })
      .where('id', '=', filingId)
      .where('state', '=', from[0]!)
      .returning(['county', 'court_filing_id'])
      .executeTakeFirst()
    return moved && { from: from[0]!, county: moved.county, courtFilingId: moved.court_filing_id }
  }
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
  const courtFilingId = changes.court_filing_id !== undefined ? changes.court_filing_id : current.court_filing_id
  return { from: current.state, county: current.county, courtFilingId }
}

/**
 * Moves filings from `from` to `to` where they still are in `from`, in one statement per thousand (`moveFiling` for
 * many): each row may carry its court's filing id; `countAttempt` adds one to each one's attempts. Returns those
 * moved, with their county and court filing id after the move.
 */
export async function moveFilings(
  trx: Kysely<Database>,
  rows: ReadonlyArray<{ id: string; courtFilingId?: string }>,
  from: FilingState,
  to: FilingState,
  at: string,
  changes: { countAttempt?: boolean; last_error?: string | null } = {}
): Promise<Array<{ id: string; county: string; courtFilingId: string | null }>> {
  const moved: Array<{ id: string; county: string; courtFilingId: string | null }> = []
  for (const slice of chunksOf(rows, 3)) {
    const withIds = slice.filter((r) => r.courtFilingId !== undefined)
    const updated = await trx
      .updateTable('filings')
      .set((eb) => ({
        state: to,
        updated_at: at,
        ...(changes.last_error !== undefined ? { last_error: changes.last_error } : {}),
        ...(changes.countAttempt ? { attempts: eb('attempts', '+', 1) } : {}),
        // Each row's own court filing id, by a CASE on its id (the rest keep theirs).
        ...(withIds.length > 0
          ? {
              court_filing_id: sql<string | null>`case id ${sql.join(
                withIds.map((r) => sql`when ${r.id} then cast(${r.courtFilingId} as text)`),
                sql` `
              )} else court_filing_id end`
            }
          : {})
      }))
      .where(
        'id',
        'in',
        slice.map((r) => r.id)
      )
      .where('state', '=', from)
      .returning(['id', 'county', 'court_filing_id'])
      .execute()
    for (const r of updated) moved.push({ id: r.id, county: r.county, courtFilingId: r.court_filing_id })
  }
  return moved
}

/** A row of a filing's timeline (a move, or a hint that moved nothing: from = to). */
export interface NewFilingEvent {
  filingId: string
  from: FilingState
  to: FilingState
  at: string
  source: EventSource
  detail?: Record<string, unknown> | undefined
}

/** One row of a filing's timeline. */
export async function insertFilingEvent(trx: Kysely<Database>, e: NewFilingEvent): Promise<void> {
  await insertFilingEvents(trx, [e])
}

/** Rows of filings' timelines, any number. */
export async function insertFilingEvents(trx: Kysely<Database>, events: readonly NewFilingEvent[]): Promise<void> {
  for (const chunk of chunksOf(events, 6))
    await trx
      .insertInto('filing_events')
      .values(
        chunk.map((e) => ({
          filing_id: e.filingId,
          from_state: e.from,
          to_state: e.to,
          at: e.at,
          source: e.source,
          detail: e.detail ? JSON.stringify(e.detail) : null
        }))
      )
      .execute()
}

/** The LIKE pattern that finds a hint's digest in a stored detail; a digest that is not 64 hex digits is refused. */
function digestPattern(digest: string): string {
  if (!/^[0-9a-f]{64}$/.test(digest)) throw new Error('a hint digest is 64 hex digits')
  return `%"digest":"${digest}"%`
}

/**
 * Puts a hint (a callback, an unread status text) on a filing's timeline unless one from the same source with the
 * same digest is there already (a replay, or a text raised before): true when it was put. One statement: the check is
 * part of the insert. The digest is 64 hex digits, found as the `"digest":"…"` member of a detail as stored (JSON
 * escapes every quote a text holds, so no text can hold that member).
 */
export async function insertHintOnce(
  trx: Kysely<Database>,
  e: Omit<NewFilingEvent, 'detail'> & { detail: { digest: string } & Record<string, unknown> }
): Promise<boolean> {
  const pattern = digestPattern(e.detail.digest)
  const inserted = await trx
    .insertInto('filing_events')
    .columns(['filing_id', 'from_state', 'to_state', 'at', 'source', 'detail'])
    .expression(
      trx
        .selectNoFrom((eb) => [
          eb.val(e.filingId).as('filing_id'),
          eb.val(e.from).as('from_state'),
          eb.val(e.to).as('to_state'),
          eb.val(e.at).as('at'),
          eb.val(e.source).as('source'),
          eb.val(JSON.stringify(e.detail)).as('detail')
        ])
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('filing_events')
                .select('id')
                .where('filing_id', '=', e.filingId)
                .where('source', '=', e.source)
                .where('detail', 'like', pattern)
            )
          )
        )
    )
    .returning('id')
    .executeTakeFirst()
  return inserted !== undefined
}

/** What a court's callback reads of the filing it names. */
export type CalledBackFiling = Pick<FilingRow, 'id' | 'state' | 'county' | 'court_id' | 'court_filing_id'>

/**
 * PostgreSQL, one statement for a court's callback about our filing `filingId` at one of `courtIds`: the filing is
 * read and — unless the callback's court id `settlingId` would settle it (it is `submitting` or `unknown` with no
 * court id of its own: that takes a transaction) — its hint is put once (`insertHintOnce`), its waiting job
 * `pollKey` run at the hint's time when the hint was put, and the audit row written under the filing's county
 * (`audit.row`, its action `audit.replayAction` for a replay). All or nothing. Returns the filing as read and what
 * was done (`recorded` false: nothing, it is to be settled), or undefined when there is no such filing. A callback
 * took a look-up and this record's six statements (with `begin` and `commit`); it is one round trip now.
 */
export async function recordHintOfFilingAtOnce(
  db: Kysely<Database>,
  named: { filingId: string; courtIds: readonly string[]; settlingId: string | undefined },
  e: { at: string; source: EventSource; detail: { digest: string } & Record<string, unknown> },
  pollKey: string,
  audit: { row: Insertable<AuditEventsTable>; replayAction: string }
): Promise<{ filing: CalledBackFiling; recorded: boolean; put: boolean; brought: boolean } | undefined> {
  if (named.courtIds.length === 0) return undefined
  const pattern = digestPattern(e.detail.digest)
  const a = audit.row
  const settles =
    named.settlingId === undefined
      ? sql`false`
      : sql`state in (${sql.join(UNSETTLED_STATES)}) and court_filing_id is null`
  const { rows } = await sql<CalledBackFiling & { recorded: boolean; put: boolean; brought: boolean }>`
    with f as (
      select id, state, county, court_id, court_filing_id from filings
      where id = ${named.filingId} and court_id in (${sql.join(named.courtIds)})
    ), one as (
      select id, state, county from f where not (${settles})
    ), hint as (
      insert into filing_events (filing_id, from_state, to_state, at, source, detail)
      select id, state, state, ${e.at}, ${e.source}, ${JSON.stringify(e.detail)} from one
      where not exists (
        select 1 from filing_events
        where filing_id = ${named.filingId} and source = ${e.source} and detail like ${pattern}
      )
      returning id
    ), poll as (
      update jobs set run_at = ${e.at}
      where dedupe_key = ${pollKey} and done_at is null and exists (select 1 from hint)
      returning id
    ), audit as (
      insert into audit_events (at, actor_id, actor_role, county, action, record_type, record_id, request_id, detail)
      select ${a.at}, ${a.actor_id}, ${a.actor_role}, one.county,
        case when exists (select 1 from hint) then ${a.action} else ${audit.replayAction} end,
        ${a.record_type}, one.id, ${a.request_id ?? null}, ${a.detail ?? null}
      from one
    )
    select f.*, exists (select 1 from one) as recorded, exists (select 1 from hint) as put,
      exists (select 1 from poll) as brought
    from f`.execute(db)
  const r = rows[0]
  if (!r) return undefined
  const { recorded, put, brought, ...filing } = r
  return { filing, recorded, put, brought }
}

/**
 * The filing of one of these courts a court names: by our filing id, else by the court's own ids; undefined when
 * none, or when the court's ids name filings of two courts (courts that share an e-filing manager may number
 * alike: which one is meant cannot be told).
 */
export async function findFilingOfCourt(
  db: Kysely<Database>,
  courtIds: readonly string[],
  ids: { ours: string | undefined; courtIds: readonly string[] }
) {
  let q = db
    .selectFrom('filings')
    .select(['id', 'state', 'county', 'court_id', 'court_filing_id'])
    .where('court_id', 'in', [...courtIds])
  q = ids.ours
    ? q.where('id', '=', ids.ours)
    : q.where('court_filing_id', 'in', ids.courtIds.length > 0 ? [...ids.courtIds] : [''])
  const rows = await q.limit(2).execute()
  return rows.length === 1 ? rows[0] : undefined
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
/** Orders of a filings listing: when made, when last moved. */
export type FilingSort = 'created' | 'updated'

export interface FilingListQuery {
  county: string | null
  state?: FilingState | undefined
  court?: string | undefined
  /** Made on or after / on or before (YYYY-MM-DD, UTC). */
  createdFrom?: string | undefined
  createdTo?: string | undefined
  /** What the search box named (see searchFilings). */
  search?: SearchedRecords | undefined
  sort?: FilingSort | undefined
  direction?: SortDirection | undefined
}

function filingKey(q: FilingListQuery): SortKey {
  return q.sort === 'updated'
    ? { expression: sql<string>`${sql.ref('f.updated_at')}`, id: 'f.id' }
    : { expression: sql<string>`${sql.ref('f.id')}`, id: 'f.id', isId: true }
}

function matchingFilings(db: Kysely<Database>, q: FilingListQuery) {
  let query = db.selectFrom('filings as f')
  if (q.county !== null) query = query.where('f.county', '=', q.county)
  if (q.state) query = query.where('f.state', '=', q.state)
  if (q.court) query = query.where('f.court_id', '=', q.court)
  if (q.createdFrom) query = query.where('f.created_at', '>=', q.createdFrom)
  // Timestamps are ISO text: every instant of the last day sorts before the day after it.
  if (q.createdTo) query = query.where('f.created_at', '<', nextDay(q.createdTo))
  const search = q.search
  if (search?.by === 'ids') query = query.where('f.id', 'in', search.ids)
  else if (search?.by === 'cases')
    query = query.where('f.id', 'in', (eb) =>
      eb.selectFrom('filing_cases as fc').select('fc.filing_id').where('fc.case_id', 'in', search.caseIds)
    )
  else if (search?.by === 'name')
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('filing_cases as fc')
          .innerJoin('court_cases as k', 'k.id', 'fc.case_id')
          .innerJoin('people as p', 'p.id', 'k.person_id')
          .select('fc.case_id')
          .whereRef('fc.filing_id', '=', 'f.id')
          .where(nameHoldsWords(search.words, { name: 'p.name', aliases: 'p.aliases' }))
      )
    )
  else if (search?.by === 'nothing') query = query.where(noRows)
  return query
}

/** What a filings search names: a filing id or the court's filing id, else cases, else words of a name. */
export function searchFilings(db: Kysely<Database>, county: string | null, text: string | undefined) {
  return searchRecords(db, county, text, async (q) => {
    let query = db
      .selectFrom('filings')
      .select('id')
      .where((eb) => eb.or([eb('id', '=', q.toLowerCase()), eb('court_filing_id', '=', q)]))
    if (county !== null) query = query.where('county', '=', county)
    return (await query.limit(1000).execute()).map((r) => r.id)
  })
}

const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)

/** Filings of a county, a page at a time, in the query's order. */
export async function listFilings(db: Kysely<Database>, q: FilingListQuery & PageRequest): Promise<FilingRow[]> {
  return filingPage(db, q).execute()
}

function filingPage(db: Kysely<Database>, q: FilingListQuery & PageRequest) {
  const { key, reading } = pageOrder(q)
  let query = matchingFilings(db, q).selectAll('f')
  if (q.cursor) query = query.where(afterCursor(key, q.cursor, reading))
  return query.orderBy(orderByKey(key, reading)).limit(q.limit)
}

function pageOrder(q: FilingListQuery & PageRequest) {
  const direction = q.direction ?? 'asc'
  return { key: filingKey(q), reading: q.backward ? opposite(direction) : direction }
}

/** A listed filing: whom it is for (every case of a filing is one person's) and its case numbers, in order. */
export type ListedFiling = FilingRow & { defendant: { id: string; name: string } | null; caseNumbers: string[] }

/**
 * A page of filings (as `listFilings`) with whom each is for, in one statement: a page and its people read apart
 * were two waits for the database, and under load each wait is the long part of a deputy's listing.
 */
export async function listFilingsWithDefendants(
  db: Kysely<Database>,
  q: FilingListQuery & PageRequest
): Promise<ListedFiling[]> {
  const { key, reading } = pageOrder(q)
  const rows = await db
    .selectFrom(filingPage(db, q).as('f'))
    .leftJoin('filing_cases as fc', 'fc.filing_id', 'f.id')
    .leftJoin('court_cases as k', 'k.id', 'fc.case_id')
    .leftJoin('people as p', 'p.id', 'k.person_id')
    .selectAll('f')
    .select(['k.case_number as listed_case_number', 'p.id as listed_person_id', 'p.name as listed_person_name'])
    .orderBy(orderByKey(key, reading))
    .orderBy('k.case_number')
    .execute()
  const listed = new Map<string, ListedFiling>()
  for (const { listed_case_number: caseNumber, listed_person_id: personId, listed_person_name: name, ...f } of rows) {
    let entry = listed.get(f.id)
    if (!entry) listed.set(f.id, (entry = { ...f, defendant: null, caseNumbers: [] }))
    if (caseNumber !== null) entry.caseNumbers.push(caseNumber)
    if (personId !== null && name !== null) entry.defendant ??= { id: personId, name }
  }
  return [...listed.values()]
}

/** How many filings match, whatever the page. */
export async function countFilings(db: Kysely<Database>, q: FilingListQuery): Promise<number> {
  const row = await matchingFilings(db, q)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** The cursor naming a listed filing, in the listing's sort. */
export function filingCursor(q: FilingListQuery, f: FilingRow): KeysetCursor {
  return { value: q.sort === 'updated' ? f.updated_at : f.id, id: f.id }
}

/** New filings with their cases and documents, any number (in statements that fit each database). */
export async function insertFilings(
  db: Kysely<Database>,
  filings: readonly FilingRow[],
  cases: readonly FilingCaseRow[],
  documents: readonly FilingDocumentRow[]
): Promise<void> {
  await insertRows(db, [
    { table: 'filings', rows: filings },
    { table: 'filing_cases', rows: cases },
    { table: 'filing_documents', rows: documents }
  ])
}

/** When a filing was first sent (its first move to `submitting`), or undefined when it never was. */
export async function firstSendAt(db: Kysely<Database>, filingId: string): Promise<Date | undefined> {
  const row = await db
    .selectFrom('filing_events')
    .select((eb) => eb.fn.min('at').as('at'))
    .where('filing_id', '=', filingId)
    .where('to_state', '=', 'submitting')
    .executeTakeFirst()
  return row?.at ? new Date(row.at) : undefined
}

/** A filing by id; throws when there is none. */
export async function filingById(db: Kysely<Database>, id: string): Promise<FilingRow> {
  return db.selectFrom('filings').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

/** These filings (those there are), by id. */
export async function filingsByIds(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, FilingRow>> {
  const out = new Map<string, FilingRow>()
  for (const slice of chunksOf(ids, 1))
    for (const row of await db.selectFrom('filings').selectAll().where('id', 'in', slice).execute())
      out.set(row.id, row)
  return out
}

/** A filing's state now; throws when there is no such filing. */
export async function filingState(db: Kysely<Database>, id: string): Promise<Pick<FilingRow, 'state'>> {
  return db.selectFrom('filings').select('state').where('id', '=', id).executeTakeFirstOrThrow()
}

/** Of `caseIds`, those in a filing whose state is none of `exceptStates` (a case once per such filing). */
export async function caseIdsInFilings(
  db: Kysely<Database>,
  caseIds: readonly string[],
  exceptStates: readonly FilingState[]
): Promise<string[]> {
  const out: string[] = []
  for (const ids of chunksOf(caseIds, 1)) {
    const rows = await db
      .selectFrom('filing_cases as fc')
      .innerJoin('filings as f', 'f.id', 'fc.filing_id')
      .select('fc.case_id')
      .where('fc.case_id', 'in', ids)
      .where('f.state', 'not in', exceptStates)
      .execute()
    for (const r of rows) out.push(r.case_id)
  }
  return out
}

/** The cases of each of these filings, each filing's sorted by id (a filing with none is absent): one statement a slice. */
export async function caseIdsOfFilings(
  db: Kysely<Database>,
  filingIds: readonly string[]
): Promise<Map<string, string[]>> {
  const rows: Array<{ filing_id: string; case_id: string }> = []
  for (const ids of chunksOf(filingIds, 1))
    rows.push(
      ...(await db
        .selectFrom('filing_cases')
        .select(['filing_id', 'case_id'])
        .where('filing_id', 'in', ids)
        .orderBy('filing_id')
        .orderBy('case_id')
        .execute())
    )
  return new Map([...groupBy(rows, (r) => r.filing_id)].map(([id, cases]) => [id, cases.map((c) => c.case_id)]))
}

/** Every count of these filings' cases, with its filing and case number; by filing, case number, then count order. */
export async function countsOfFilings(
  db: Kysely<Database>,
  filingIds: readonly string[]
): Promise<
  Array<
    Pick<ConvictionRow, 'id' | 'case_id' | 'count_order' | 'code_section' | 'code_section_raw'> &
      Pick<CaseRow, 'case_number'> & { filing_id: string }
  >
> {
  const out = []
  for (const ids of chunksOf(filingIds, 1)) {
    out.push(
      ...(await db
        .selectFrom('filing_cases as fc')
        .innerJoin('court_cases as k', 'k.id', 'fc.case_id')
        .innerJoin('convictions as c', 'c.case_id', 'k.id')
        .select([
          'fc.filing_id',
          'c.id',
          'c.case_id',
          'k.case_number',
          'c.count_order',
          'c.code_section',
          'c.code_section_raw'
        ])
        .where('fc.filing_id', 'in', ids)
        .orderBy('fc.filing_id')
        .orderBy('k.case_number')
        .orderBy('c.count_order')
        .execute())
    )
  }
  return out
}

export type FilingRef = Pick<FilingRow, 'id' | 'state' | 'court_id' | 'court_filing_id'>

/** A county's filings by our ids (those there are), by id. */
export async function filingRefsInCounty(
  db: Kysely<Database>,
  county: string,
  ids: readonly string[]
): Promise<Map<string, FilingRef>> {
  const out = new Map<string, FilingRef>()
  for (const slice of chunksOf(ids, 1)) {
    const rows = await db
      .selectFrom('filings')
      .select(['id', 'state', 'court_id', 'court_filing_id'])
      .where('county', '=', county)
      .where('id', 'in', slice)
      .execute()
    for (const r of rows) out.set(r.id, r)
  }
  return out
}

/** A county's filings with a court by the court's filing ids (those there are), by court filing id. */
export async function filingRefsByCourtFilingIds(
  db: Kysely<Database>,
  county: string,
  courtId: string,
  courtFilingIds: readonly string[]
): Promise<Map<string, FilingRef>> {
  const out = new Map<string, FilingRef>()
  for (const slice of chunksOf(courtFilingIds, 1)) {
    const rows = await db
      .selectFrom('filings')
      .select(['id', 'state', 'court_id', 'court_filing_id'])
      .where('county', '=', county)
      .where('court_id', '=', courtId)
      .where('court_filing_id', 'in', slice)
      .orderBy('id')
      .execute()
    for (const r of rows) if (!out.has(r.court_filing_id!)) out.set(r.court_filing_id!, r)
  }
  return out
}

/** Each case's newest filing with a court whose state is none of `exceptStates` (cases with one), by case id. */
export async function newestFilingRefsOfCases(
  db: Kysely<Database>,
  caseIds: readonly string[],
  courtId: string,
  exceptStates: readonly FilingState[]
): Promise<Map<string, FilingRef>> {
  const out = new Map<string, FilingRef>()
  for (const slice of chunksOf(caseIds, 1)) {
    const rows = await db
      .selectFrom('filings as f')
      .innerJoin('filing_cases as fc', 'fc.filing_id', 'f.id')
      .select(['fc.case_id', 'f.id', 'f.state', 'f.court_id', 'f.court_filing_id'])
      .where('fc.case_id', 'in', slice)
      .where('f.court_id', '=', courtId)
      .where('f.state', 'not in', exceptStates)
      .orderBy('f.id', 'desc')
      .execute()
    for (const { case_id, ...ref } of rows) if (!out.has(case_id)) out.set(case_id, ref)
  }
  return out
}

/** The states of these filings now (those there are), by id. */
export async function filingStates(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, FilingState>> {
  const out = new Map<string, FilingState>()
  for (const slice of chunksOf(ids, 1)) {
    const rows = await db.selectFrom('filings').select(['id', 'state']).where('id', 'in', slice).execute()
    for (const r of rows) out.set(r.id, r.state)
  }
  return out
}

/** A county's filings with a court in one of `states`, made at or before `createdAtOrBefore`, in id order. */
export async function filingsOfCourtInStates(
  db: Kysely<Database>,
  q: { county: string; courtId: string; states: readonly FilingState[]; createdAtOrBefore: string }
): Promise<Array<Pick<FilingRow, 'id' | 'state' | 'court_filing_id'>>> {
  return db
    .selectFrom('filings')
    .select(['id', 'state', 'court_filing_id'])
    .where('county', '=', q.county)
    .where('court_id', '=', q.courtId)
    .where('state', 'in', q.states)
    .where('created_at', '<=', q.createdAtOrBefore)
    .orderBy('id')
    .execute()
}

/** When the oldest filing a court holds and has not finished with was made (null when there is none). */
export async function oldestOpenFilingAtCourt(db: Kysely<Database>, courtId: string): Promise<string | null> {
  const row = await db
    .selectFrom('filings')
    .select((eb) => eb.fn.min('created_at').as('oldest'))
    .where('state', 'in', ['submitted', 'accepted', 'partially_accepted'])
    .where('court_id', '=', courtId)
    .executeTakeFirst()
  return row?.oldest ?? null
}

/** A filing's cases as the court knows them: their case numbers, in order, and the court's own ids where known. */
export async function casesAtCourtOfFiling(
  db: Kysely<Database>,
  filingId: string
): Promise<{ caseNumbers: string[]; courtCaseIds: string[] }> {
  const rows = await db
    .selectFrom('filing_cases as fc')
    .innerJoin('court_cases as k', 'k.id', 'fc.case_id')
    .select(['k.case_number', 'k.court_case_id'])
    .where('fc.filing_id', '=', filingId)
    .orderBy('k.case_number')
    .execute()
  return {
    caseNumbers: rows.map((r) => r.case_number),
    courtCaseIds: rows.flatMap((r) => (r.court_case_id ? [r.court_case_id] : []))
  }
}

/** Of `courtFilingIds`, those a court gave our filings other than `exceptFilingId`. */
export async function courtFilingIdsTaken(
  db: Kysely<Database>,
  courtId: string,
  courtFilingIds: readonly string[],
  exceptFilingId: string
): Promise<Set<string>> {
  const taken = new Set<string>()
  for (const ids of chunksOf(courtFilingIds, 1)) {
    const rows = await db
      .selectFrom('filings')
      .select('court_filing_id')
      .where('court_id', '=', courtId)
      .where('court_filing_id', 'in', ids)
      .where('id', '!=', exceptFilingId)
      .execute()
    for (const r of rows) if (r.court_filing_id) taken.add(r.court_filing_id)
  }
  return taken
}

/**
 * Our other filings with the same court in any of this filing's cases whose send may have reached the court without
 * our learning its filing id (sending, or unknown).
 */
export async function unsettledFilingsInSameCases(db: Kysely<Database>, filingId: string): Promise<number> {
  const row = await db
    .selectFrom('filings as f')
    .innerJoin('filing_cases as fc', 'fc.filing_id', 'f.id')
    .select((eb) => eb.fn.count<number | string>('f.id').distinct().as('n'))
    .where('f.id', '!=', filingId)
    .where('f.court_id', '=', (eb) => eb.selectFrom('filings').select('court_id').where('id', '=', filingId))
    .where('f.court_filing_id', 'is', null)
    .where('f.state', 'in', UNSETTLED_STATES)
    .where('fc.case_id', 'in', (eb) =>
      eb.selectFrom('filing_cases').select('case_id').where('filing_id', '=', filingId)
    )
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * The one filing with one of these courts, not yet knowing its court filing id, that sent a document with one of
 * these SHA-256 digests (a court's callback names the documents it reviewed by their hash); undefined when none or
 * several did.
 */
export async function unsettledFilingByDocumentHashes(
  db: Kysely<Database>,
  courtIds: readonly string[],
  sha256s: readonly string[]
) {
  if (sha256s.length === 0) return undefined
  const rows = await db
    .selectFrom('filings as f')
    .innerJoin('filing_documents as fd', 'fd.filing_id', 'f.id')
    .innerJoin('documents as d', 'd.id', 'fd.document_id')
    .select(['f.id', 'f.state', 'f.county', 'f.court_id', 'f.court_filing_id'])
    .distinct()
    .where('f.court_id', 'in', [...courtIds])
    .where('f.court_filing_id', 'is', null)
    .where('f.state', 'in', UNSETTLED_STATES)
    .where(
      'd.sha256',
      'in',
      sha256s.slice(0, 100).map((h) => h.toLowerCase())
    )
    .limit(2)
    .execute()
  return rows.length === 1 ? rows[0] : undefined
}
