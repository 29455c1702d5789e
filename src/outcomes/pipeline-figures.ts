import { sql, type Kysely } from 'kysely'
import type { CourtEntry } from '../../schemas/courts.js'
import type { Database } from '../db/schema.js'

/** The pipeline at a glance, for one court or all: the dashboard's figures and GET /v1/metrics/pipeline. */
export interface Figures {
  eligible: number
  needsReview: number
  notEligible: number
  motionsPrepared: number
  submitted: number
  accepted: number
  rejected: number
  granted: number
  partiallyGranted: number
  denied: number
  failed: number
  open: number
}

export interface PipelineFigures {
  county: string | null
  overall: Figures
  courts: Array<{ court: string } & Figures>
  /** Per ISO week (its Monday): motions prepared, filings that reached the court, filings granted (in whole or part). */
  weekly: Array<{ week: string; prepared: number; submitted: number; granted: number }>
}

const zero = (): Figures => ({
  eligible: 0,
  needsReview: 0,
  notEligible: 0,
  motionsPrepared: 0,
  submitted: 0,
  accepted: 0,
  rejected: 0,
  granted: 0,
  partiallyGranted: 0,
  denied: 0,
  failed: 0,
  open: 0
})

/** The Monday of a date's ISO week. */
function weekOf(day: string): string {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7))
  return d.toISOString().slice(0, 10)
}

/**
 * Counts the pipeline from the records themselves: each conviction's newest
 * determination (a deputy's decision over the engine's outcome), the motions
 * prepared, and the filings by state; per court (a case's court as the courts
 * file maps it) and overall, and week by week.
 */
export async function pipelineFigures(
  db: Kysely<Database>,
  county: string | null,
  courts: ReadonlyMap<string, CourtEntry>
): Promise<PipelineFigures> {
  const byCourt = new Map<string, Figures>()
  const courtOf = (caseCourt: string, caseCounty: string) => {
    if (courts.has(caseCourt)) return caseCourt
    const inCounty = [...courts.values()].filter((c) => c.county === caseCounty)
    return inCounty.length === 1 ? inCounty[0]!.id : caseCourt
  }
  const figures = (court: string) => {
    let f = byCourt.get(court)
    if (!f) byCourt.set(court, (f = zero()))
    return f
  }

  const newest = db
    .selectFrom('determinations')
    .select((eb) => [eb.fn.max('id').as('id')])
    .groupBy('conviction_id')
  // effectiveOutcome (src/eligibility/relief-grounds.ts) in SQL: a deputy's decision, else the engine's outcome.
  let determinations = db
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
  if (county) determinations = determinations.where('k.county', '=', county)
  for (const r of await determinations.execute()) {
    const f = figures(courtOf(r.court_id, r.county))
    const n = Number(r.n)
    if (r.outcome === 'needs_review') f.needsReview += n
    else if (r.outcome === 'not_eligible') f.notEligible += n
    else f.eligible += n
  }

  // A motion covering several cases is counted once, in its first case's court.
  let motions = db
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
  if (county) motions = motions.where('d.county', '=', county)
  const prepared = await motions.execute()
  for (const m of prepared) figures(courtOf(String(m.court_id), String(m.county))).motionsPrepared++

  let filings = db
    .selectFrom('filings')
    .select((eb) => ['court_id', 'state', eb.fn.countAll().as('n'), eb.fn.count('court_filing_id').as('at_court')])
    .groupBy(['court_id', 'state'])
  if (county) filings = filings.where('county', '=', county)
  for (const r of await filings.execute()) {
    const f = figures(r.court_id)
    const n = Number(r.n)
    f.submitted += Number(r.at_court)
    if (['accepted', 'partially_accepted', 'granted', 'partially_granted', 'denied'].includes(r.state)) f.accepted += n
    if (r.state === 'rejected') f.rejected += n
    if (r.state === 'granted') f.granted += n
    if (r.state === 'partially_granted') f.partiallyGranted += n
    if (r.state === 'denied') f.denied += n
    if (r.state === 'failed') f.failed += n
    if (['queued', 'submitting', 'unknown', 'submitted', 'accepted', 'partially_accepted'].includes(r.state))
      f.open += n
  }

  const overall = zero()
  for (const f of byCourt.values()) for (const k of Object.keys(overall) as Array<keyof Figures>) overall[k] += f[k]

  const weeks = new Map<string, { prepared: number; submitted: number; granted: number }>()
  const week = (day: string) => {
    const w = weekOf(day)
    let x = weeks.get(w)
    if (!x) weeks.set(w, (x = { prepared: 0, submitted: 0, granted: 0 }))
    return x
  }
  for (const m of prepared) week(String(m.created_at).slice(0, 10)).prepared++
  // The day as literal SQL (no bound parameters), so PostgreSQL sees the same expression in SELECT and GROUP BY.
  const day = sql<string>`substr(e.at, 1, 10)`
  let moves = db
    .selectFrom('filing_events as e')
    .innerJoin('filings as f', 'f.id', 'e.filing_id')
    .select((eb) => [day.as('day'), 'e.to_state', eb.fn.countAll().as('n')])
    .where('e.to_state', 'in', ['submitted', 'granted', 'partially_granted'])
    .where((eb) => eb('e.from_state', 'is', null).or('e.from_state', '!=', eb.ref('e.to_state')))
    .groupBy([day, 'e.to_state'])
  if (county) moves = moves.where('f.county', '=', county)
  for (const r of await moves.execute()) {
    const w = week(String(r.day))
    if (r.to_state === 'submitted') w.submitted += Number(r.n)
    else w.granted += Number(r.n)
  }
  return {
    county,
    overall,
    courts: [...byCourt].sort(([a], [b]) => a.localeCompare(b)).map(([court, f]) => ({ court, ...f })),
    weekly: [...weeks].sort(([a], [b]) => a.localeCompare(b)).map(([w, x]) => ({ week: w, ...x }))
  }
}
