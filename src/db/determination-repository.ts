import { type Kysely, type RawBuilder, type Selectable, type SqlBool, sql } from 'kysely'
import { insertRows } from './insert-rows.js'
import {
  afterCursor,
  type KeysetCursor,
  type PageRequest,
  opposite,
  orderByKey,
  type SortDirection,
  type SortKey,
  sortExpression
} from './keyset.js'
import { isIdShaped, nameHoldsWords, nameWords, noRows, searchRecords, type SearchedRecords } from './record-search.js'
import { chunksOf } from './chunks.js'
import type { DETERMINATION_SORTS, DeterminationView } from '../../schemas/api/determinations.js'
import type { Database, DeterminationsTable, OutcomeValue } from './schema.js'

export type DeterminationRow = Selectable<DeterminationsTable>

export async function insertDeterminations(db: Kysely<Database>, rows: DeterminationRow[]): Promise<void> {
  await insertRows(db, [{ table: 'determinations', rows }])
}

/** The newest determination of each conviction. */
export async function latestDeterminations(
  db: Kysely<Database>,
  convictionIds: readonly string[]
): Promise<Map<string, DeterminationRow>> {
  const out = new Map<string, DeterminationRow>()
  if (convictionIds.length === 0) return out
  // Ids are time-ordered (UUIDv7), so the last row of each conviction is its newest.
  for (const ids of chunksOf(convictionIds, 1)) {
    const rows = await db
      .selectFrom('determinations')
      .selectAll()
      .where('conviction_id', 'in', ids)
      .orderBy('id')
      .execute()
    for (const r of rows) out.set(r.conviction_id, r)
  }
  return out
}

export type DeterminationSort = (typeof DETERMINATION_SORTS)[number]

const DETERMINATION_SORT_COLUMNS: Record<DeterminationSort, string> = {
  created: 'd.id',
  convictionDate: 'c.conviction_date',
  caseNumber: 'k.case_number',
  name: 'p.name'
}

export interface DeterminationQuery {
  county: string | null
  outcome?: OutcomeValue | undefined
  reviewRunId?: string | undefined
  /** Only determinations still waiting for a deputy DA's decision. */
  undecided?: boolean | undefined
  /** What the search box named (see searchRecords and searchDeterminations). */
  search?: SearchedRecords | undefined
  court?: string | undefined
  /** Words the engine's reason contains (any case). */
  reason?: string | undefined
  /** Convicted on or after / on or before (YYYY-MM-DD). */
  convictedFrom?: string | undefined
  convictedTo?: string | undefined
  sort?: DeterminationSort | undefined
  direction?: SortDirection | undefined
}

function determinationKey(q: DeterminationQuery): SortKey {
  const sort = q.sort ?? 'created'
  // Ids are never missing: sorted as they are, the primary key's index serves the order.
  const expression =
    sort === 'created' ? sql<string>`${sql.ref('d.id')}` : sortExpression(DETERMINATION_SORT_COLUMNS[sort])
  return { expression, id: 'd.id' }
}

/** The conditions on the determination itself (its county, outcome, review, decision, reason). */
function ownConditions(q: DeterminationQuery): RawBuilder<SqlBool>[] {
  const out: RawBuilder<SqlBool>[] = []
  if (q.county !== null) out.push(sql<SqlBool>`d.county = ${q.county}`)
  if (q.outcome) out.push(sql<SqlBool>`d.outcome = ${q.outcome}`)
  if (q.reviewRunId) out.push(sql<SqlBool>`d.review_run_id = ${q.reviewRunId}`)
  if (q.undecided) out.push(sql<SqlBool>`d.decided_outcome is null`)
  for (const word of nameWords(q.reason ?? '')) out.push(sql<SqlBool>`lower(d.reason) like ${`%${word}%`}`)
  return out
}

/** True when the query asks nothing of the conviction, case or person, so the determinations alone answer it. */
const ownOnly = (q: DeterminationQuery) => !q.court && !q.convictedFrom && !q.convictedTo && !q.search

function matchingDeterminations(db: Kysely<Database>, q: DeterminationQuery) {
  let query = db
    .selectFrom('determinations as d')
    .innerJoin('convictions as c', 'c.id', 'd.conviction_id')
    .innerJoin('court_cases as k', 'k.id', 'c.case_id')
    .innerJoin('people as p', 'p.id', 'c.person_id')
  for (const condition of ownConditions(q)) query = query.where(condition)
  if (q.court) query = query.where('k.court_id', '=', q.court)
  if (q.convictedFrom) query = query.where('c.conviction_date', '>=', q.convictedFrom)
  if (q.convictedTo) query = query.where('c.conviction_date', '<=', q.convictedTo)
  const search = q.search
  if (search?.by === 'ids') query = query.where('d.id', 'in', search.ids)
  else if (search?.by === 'cases') query = query.where('c.case_id', 'in', search.caseIds)
  else if (search?.by === 'name')
    query = query.where(nameHoldsWords(search.words, { name: 'p.name', aliases: 'p.aliases' }))
  else if (search?.by === 'nothing') query = query.where(noRows)
  return query
}

/** What a review-queue search names: a determination or conviction id, else cases, else words of a name. */
export function searchDeterminations(db: Kysely<Database>, county: string | null, text: string | undefined) {
  return searchRecords(db, county, text, async (q) => {
    if (!isIdShaped(q)) return []
    const id = q.toLowerCase()
    let query = db
      .selectFrom('determinations')
      .select('id')
      .where((eb) => eb.or([eb('id', '=', id), eb('conviction_id', '=', id)]))
    if (county !== null) query = query.where('county', '=', county)
    return (await query.limit(1000).execute()).map((r) => r.id)
  })
}

/**
 * How many determinations match, whatever the page. Every determination has its conviction, case and person, so
 * when nothing is asked of them the count skips the joins (an index count, not a join over the county).
 */
export async function countDeterminations(db: Kysely<Database>, q: DeterminationQuery): Promise<number> {
  const query = ownOnly(q)
    ? ownConditions(q).reduce((acc, c) => acc.where(c), db.selectFrom('determinations as d'))
    : matchingDeterminations(db, q)
  const row = await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** The cursor naming a listed determination, in the listing's sort. */
export function determinationCursor(
  q: DeterminationQuery,
  r: { id: string; conviction_date: string | null; case_number: string; person_name: string }
): KeysetCursor {
  const value = {
    created: r.id,
    convictionDate: r.conviction_date ?? '',
    caseNumber: r.case_number,
    name: r.person_name
  }
  return { value: value[q.sort ?? 'created'], id: r.id }
}

/** A page of determinations with their case and person (`limit` rows at most, in the query's order). */
export async function listDeterminations(db: Kysely<Database>, q: DeterminationQuery & PageRequest) {
  const key = determinationKey(q)
  const direction = q.direction ?? 'asc'
  const reading = q.backward ? opposite(direction) : direction
  let query = matchingDeterminations(db, q).select([
    'd.id',
    'd.conviction_id',
    'd.review_run_id',
    'd.county',
    'd.outcome',
    'd.remedy',
    'd.section',
    'd.reason',
    'd.citations',
    'd.decided_outcome',
    'd.decided_by',
    'd.decision_reason',
    'd.decided_at',
    'd.created_at',
    'c.code_section_raw',
    'c.severity',
    'c.conviction_date',
    'c.count_order',
    'k.id as case_id',
    'k.case_number',
    'k.court_id',
    'p.id as person_id',
    'p.name as person_name',
    'p.dob as person_dob'
  ])
  if (q.cursor) query = query.where(afterCursor(key, q.cursor, reading))
  return query.orderBy(orderByKey(key, reading)).limit(q.limit).execute()
}

export async function findDetermination(
  db: Kysely<Database>,
  id: string,
  county: string | null
): Promise<DeterminationRow | undefined> {
  let query = db.selectFrom('determinations').selectAll().where('id', '=', id)
  if (county !== null) query = query.where('county', '=', county)
  return query.executeTakeFirst()
}

/** Of `ids`, the determinations in the county (all counties for null), in no particular order. */
export async function findDeterminations(
  db: Kysely<Database>,
  ids: readonly string[],
  county: string | null
): Promise<DeterminationRow[]> {
  const out: DeterminationRow[] = []
  for (const chunk of chunksOf(ids, 1)) {
    let query = db.selectFrom('determinations').selectAll().where('id', 'in', chunk)
    if (county !== null) query = query.where('county', '=', county)
    out.push(...(await query.execute()))
  }
  return out
}

/** One deputy DA's decision, with its reason, on each of `ids`. */
export async function recordDecision(
  db: Kysely<Database>,
  ids: readonly string[],
  decision: { outcome: OutcomeValue; reason: string; by: string; at: string }
): Promise<void> {
  for (const chunk of chunksOf(ids, 1))
    await db
      .updateTable('determinations')
      .set({
        decided_outcome: decision.outcome,
        decision_reason: decision.reason,
        decided_by: decision.by,
        decided_at: decision.at
      })
      .where('id', 'in', chunk)
      .execute()
}

export function toDecision(
  row: Pick<DeterminationRow, 'decided_outcome' | 'decision_reason' | 'decided_by' | 'decided_at'>
): DeterminationView['decision'] {
  return row.decided_outcome
    ? {
        outcome: row.decided_outcome,
        reason: row.decision_reason ?? '',
        decidedBy: row.decided_by ?? '',
        decidedAt: row.decided_at ?? ''
      }
    : null
}

export const splitCitations = (text: string | null) => (text ? text.split('; ') : [])

export function toDeterminationView(row: DeterminationRow): DeterminationView {
  return {
    id: row.id,
    convictionId: row.conviction_id,
    reviewId: row.review_run_id,
    section: row.section,
    outcome: row.outcome,
    remedy: row.remedy,
    reason: row.reason,
    citations: splitCitations(row.citations),
    decision: toDecision(row),
    explanation: JSON.parse(row.explanation),
    createdAt: row.created_at
  }
}

/** Removes every determination a review run made (a retried run starts over). */
export async function deleteDeterminationsOfRun(db: Kysely<Database>, reviewRunId: string): Promise<void> {
  await db.deleteFrom('determinations').where('review_run_id', '=', reviewRunId).execute()
}

/** Removes a review run's determinations of these convictions (the run decides them again). */
export async function deleteRunDeterminationsOf(
  db: Kysely<Database>,
  reviewRunId: string,
  convictionIds: readonly string[]
): Promise<void> {
  for (const ids of chunksOf(convictionIds, 1))
    await db
      .deleteFrom('determinations')
      .where('review_run_id', '=', reviewRunId)
      .where('conviction_id', 'in', ids)
      .execute()
}

/** The cases (ids, in order, once each) with a count a review run determined. */
export async function caseIdsDeterminedByRun(db: Kysely<Database>, reviewRunId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('determinations as d')
    .innerJoin('convictions as c', 'c.id', 'd.conviction_id')
    .select('c.case_id')
    .distinct()
    .where('d.review_run_id', '=', reviewRunId)
    .orderBy('c.case_id')
    .execute()
  return rows.map((r) => r.case_id)
}
