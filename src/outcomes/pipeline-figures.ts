import type { Kysely } from 'kysely'
import type { CourtEntry } from '../../schemas/courts.js'
import {
  filingCountsByCourtAndState,
  filingMovesByDay,
  motionsPrepared,
  newestOutcomeCounts
} from '../db/figures-repository.js'
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

  for (const r of await newestOutcomeCounts(db, county)) {
    const f = figures(courtOf(r.court_id, r.county))
    const n = r.n
    if (r.outcome === 'needs_review') f.needsReview += n
    else if (r.outcome === 'not_eligible') f.notEligible += n
    else f.eligible += n
  }

  // A motion covering several cases is counted once, in its first case's court.
  const prepared = await motionsPrepared(db, county)
  for (const m of prepared) figures(courtOf(m.court_id, m.county)).motionsPrepared++

  for (const r of await filingCountsByCourtAndState(db, county)) {
    const f = figures(r.court_id)
    const n = r.n
    f.submitted += r.at_court
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
  for (const m of prepared) week(m.created_at.slice(0, 10)).prepared++
  // Filings reaching the court, and granted in whole or part, by the day they moved there.
  for (const r of await filingMovesByDay(db, county, ['submitted', 'granted', 'partially_granted'])) {
    const w = week(r.day)
    if (r.to_state === 'submitted') w.submitted += r.n
    else w.granted += r.n
  }
  return {
    county,
    overall,
    courts: [...byCourt].sort(([a], [b]) => a.localeCompare(b)).map(([court, f]) => ({ court, ...f })),
    weekly: [...weeks].sort(([a], [b]) => a.localeCompare(b)).map(([w, x]) => ({ week: w, ...x }))
  }
}
