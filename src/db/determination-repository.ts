import type { Kysely, Selectable } from 'kysely'
import { chunksOf, rowChunks } from './chunks.js'
import type { DeterminationView } from '../../schemas/api/determinations.js'
import type { Database, DeterminationsTable, OutcomeValue } from './schema.js'

export type DeterminationRow = Selectable<DeterminationsTable>

export async function insertDeterminations(db: Kysely<Database>, rows: DeterminationRow[]): Promise<void> {
  for (const chunk of rowChunks(rows)) await db.insertInto('determinations').values(chunk).execute()
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

export interface DeterminationQuery {
  county: string | null
  outcome?: OutcomeValue | undefined
  reviewRunId?: string | undefined
  /** Only determinations still waiting for a deputy DA's decision. */
  undecided?: boolean | undefined
  limit: number
  /** Cursor: the id of the last item of the previous page. */
  after?: string | undefined
}

/** A page of determinations with their case and person, newest conviction data first by id order. */
export async function listDeterminations(db: Kysely<Database>, q: DeterminationQuery) {
  let query = db
    .selectFrom('determinations as d')
    .innerJoin('convictions as c', 'c.id', 'd.conviction_id')
    .innerJoin('court_cases as k', 'k.id', 'c.case_id')
    .innerJoin('people as p', 'p.id', 'c.person_id')
    .select([
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
  if (q.county !== null) query = query.where('d.county', '=', q.county)
  if (q.outcome) query = query.where('d.outcome', '=', q.outcome)
  if (q.reviewRunId) query = query.where('d.review_run_id', '=', q.reviewRunId)
  if (q.undecided) query = query.where('d.decided_outcome', 'is', null)
  if (q.after) query = query.where('d.id', '>', q.after)
  return query.orderBy('d.id').limit(q.limit).execute()
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

export async function recordDecision(
  db: Kysely<Database>,
  id: string,
  decision: { outcome: OutcomeValue; reason: string; by: string; at: string }
): Promise<void> {
  await db
    .updateTable('determinations')
    .set({
      decided_outcome: decision.outcome,
      decision_reason: decision.reason,
      decided_by: decision.by,
      decided_at: decision.at
    })
    .where('id', '=', id)
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
