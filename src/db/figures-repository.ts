import { sql, type Kysely } from 'kysely'
import type { Database, FilingStateValue, OutcomeValue } from './schema.js'

/*
 * The counting queries behind the pipeline's figures (src/outcomes/pipeline-figures.ts):
 * each for one county, or every county when it is null.
 */

type Db = Kysely<Database>

/**
 * How many convictions have each effective outcome — a deputy's decision, else
 * the engine's outcome, of their newest determination — per case court and county.
 */
export async function newestOutcomeCounts(
  db: Db,
  county: string | null
): Promise<Array<{ court_id: string; county: string; outcome: OutcomeValue; n: number }>> {
  const newest = db
    .selectFrom('determinations')
    .select((eb) => [eb.fn.max('id').as('id')])
    .groupBy('conviction_id')
  // effectiveOutcome (src/eligibility/relief-grounds.ts) in SQL: a deputy's decision, else the engine's outcome.
  let query = db
    .selectFrom('determinations as d')
    .innerJoin(newest.as('n'), 'n.id', 'd.id')
    .innerJoin('convictions as c', 'c.id', 'd.conviction_id')
    .innerJoin('court_cases as k', 'k.id', 'c.case_id')
    .select((eb) => [
      'k.court_id',
      'k.county',
      eb.fn.coalesce('d.decided_outcome', 'd.outcome').as('outcome'),
      eb.fn.countAll().as('n')
    ])
    .groupBy(['k.court_id', 'k.county', (eb) => eb.fn.coalesce('d.decided_outcome', 'd.outcome')])
  if (county) query = query.where('k.county', '=', county)
  return (await query.execute()).map((r) => ({ ...r, n: Number(r.n) }))
}

/** The motions prepared, each once: its first case's court and county (least by id), and when it was made. */
export async function motionsPrepared(
  db: Db,
  county: string | null
): Promise<Array<{ id: string; court_id: string; county: string; created_at: string }>> {
  let query = db
    .selectFrom('documents as d')
    .innerJoin('document_cases as dc', 'dc.document_id', 'd.id')
    .innerJoin('court_cases as k', 'k.id', 'dc.case_id')
    .select((eb) => [
      'd.id',
      eb.fn.min('k.court_id').as('court_id'),
      eb.fn.min('k.county').as('county'),
      eb.fn.min('d.created_at').as('created_at')
    ])
    .where('d.kind', 'in', ['motion'])
    .groupBy('d.id')
  if (county) query = query.where('d.county', '=', county)
  return (await query.execute()).map((m) => ({
    id: m.id,
    court_id: String(m.court_id),
    county: String(m.county),
    created_at: String(m.created_at)
  }))
}

/** How many filings are in each state per court, and how many of them have a court filing id (reached the court). */
export async function filingCountsByCourtAndState(
  db: Db,
  county: string | null
): Promise<Array<{ court_id: string; state: FilingStateValue; n: number; at_court: number }>> {
  let query = db
    .selectFrom('filings')
    .select((eb) => ['court_id', 'state', eb.fn.countAll().as('n'), eb.fn.count('court_filing_id').as('at_court')])
    .groupBy(['court_id', 'state'])
  if (county) query = query.where('county', '=', county)
  return (await query.execute()).map((r) => ({
    court_id: r.court_id,
    state: r.state,
    n: Number(r.n),
    at_court: Number(r.at_court)
  }))
}

/** How many filings moved into each of `toStates` (from another state, or first), per day (YYYY-MM-DD). */
export async function filingMovesByDay(
  db: Db,
  county: string | null,
  toStates: readonly FilingStateValue[]
): Promise<Array<{ day: string; to_state: FilingStateValue; n: number }>> {
  // The day as literal SQL (no bound parameters), so PostgreSQL sees the same expression in SELECT and GROUP BY.
  const day = sql<string>`substr(e.at, 1, 10)`
  let query = db
    .selectFrom('filing_events as e')
    .innerJoin('filings as f', 'f.id', 'e.filing_id')
    .select((eb) => [day.as('day'), 'e.to_state', eb.fn.countAll().as('n')])
    .where('e.to_state', 'in', toStates)
    .where((eb) => eb('e.from_state', 'is', null).or('e.from_state', '!=', eb.ref('e.to_state')))
    .groupBy([day, 'e.to_state'])
  if (county) query = query.where('f.county', '=', county)
  return (await query.execute()).map((r) => ({ day: String(r.day), to_state: r.to_state, n: Number(r.n) }))
}

/** Jobs waiting or running, by kind. */
export async function openJobsByKind(db: Db): Promise<Array<{ kind: string; n: number }>> {
  const rows = await db
    .selectFrom('jobs')
    .select((eb) => ['kind', eb.fn.countAll().as('n')])
    .where('done_at', 'is', null)
    .groupBy('kind')
    .execute()
  return rows.map((j) => ({ kind: j.kind, n: Number(j.n) }))
}

/** Filings by court and state. */
export async function filingsByCourtAndState(db: Db): Promise<Array<{ court: string; state: string; n: number }>> {
  const rows = await db
    .selectFrom('filings')
    .select((eb) => ['court_id', 'state', eb.fn.countAll().as('n')])
    .groupBy(['court_id', 'state'])
    .execute()
  return rows.map((f) => ({ court: f.court_id, state: f.state, n: Number(f.n) }))
}
