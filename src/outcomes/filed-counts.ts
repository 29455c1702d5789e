import type { Kysely } from 'kysely'
import { latestDeterminations } from '../db/determination-repository.js'
import { countsOfFilings } from '../db/filing-repository.js'
import { convictionsWithOutcome, insertOutcomes } from '../db/outcome-repository.js'
import { appendEvents } from '../webhooks/events.js'
import { newId } from '../db/ids.js'
import type { Database } from '../db/schema.js'
import { effectiveOutcome, isGrantable } from '../eligibility/relief-grounds.js'

export interface FiledCount {
  convictionId: string
  caseId: string
  caseNumber: string
  countOrder: string
  section: string | null
}

/** The counts a filing asked relief for: its cases' counts whose newest determination grants some. */
export async function filedCounts(db: Kysely<Database>, filingId: string): Promise<FiledCount[]> {
  return (await filedCountsOf(db, [filingId])).get(filingId) ?? []
}

/** The counts each of these filings asked relief for, by filing id (every id present, perhaps with none). */
export async function filedCountsOf(
  db: Kysely<Database>,
  filingIds: readonly string[]
): Promise<Map<string, FiledCount[]>> {
  const out = new Map<string, FiledCount[]>(filingIds.map((id) => [id, []]))
  const rows = await countsOfFilings(db, filingIds)
  const latest = await latestDeterminations(
    db,
    rows.map((r) => r.id)
  )
  for (const r of rows) {
    const d = latest.get(r.id)
    if (!d || !isGrantable(effectiveOutcome(d))) continue
    out.get(r.filing_id)?.push({
      convictionId: r.id,
      caseId: r.case_id,
      caseNumber: r.case_number,
      countOrder: r.count_order,
      section: d.section ?? r.code_section ?? r.code_section_raw
    })
  }
  return out
}

/**
 * Records a ruling the court's status reported for a whole filing (granted or
 * denied) on each count it asked relief for that has no outcome yet, with its
 * events, in the caller's transaction. The clerk's report later confirms or
 * contradicts these (a partial grant waits for the report: it does not say
 * which counts).
 */
export async function recordCourtRuling(
  trx: Kysely<Database>,
  filing: { id: string; county: string },
  ruling: 'granted' | 'denied',
  at: string
): Promise<number> {
  return recordCourtRulings(trx, [{ filing, ruling }], at)
}

/** `recordCourtRuling` for many filings at once, in a few statements for any number; returns the outcomes recorded. */
export async function recordCourtRulings(
  trx: Kysely<Database>,
  rulings: ReadonlyArray<{ filing: { id: string; county: string }; ruling: 'granted' | 'denied' }>,
  at: string
): Promise<number> {
  if (rulings.length === 0) return 0
  const countsOf = await filedCountsOf(
    trx,
    rulings.map((r) => r.filing.id)
  )
  const have = new Set(
    (
      await convictionsWithOutcome(
        trx,
        [...countsOf.values()].flat().map((c) => c.convictionId)
      )
    ).map((o) => o.conviction_id)
  )
  // A conviction gets one outcome: the first ruling on it in the batch, as when they were recorded one by one (the
  // batch's insert would otherwise break the unique index and fail every filing in it).
  const fresh: Array<{ filing: { id: string; county: string }; ruling: 'granted' | 'denied'; c: FiledCount }> = []
  for (const { filing, ruling } of rulings)
    for (const c of countsOf.get(filing.id) ?? []) {
      if (have.has(c.convictionId)) continue
      have.add(c.convictionId)
      fresh.push({ filing, ruling, c })
    }
  if (fresh.length === 0) return 0
  await insertOutcomes(
    trx,
    fresh.map(({ filing, ruling, c }) => ({
      id: newId(),
      conviction_id: c.convictionId,
      filing_id: filing.id,
      county: filing.county,
      result: ruling,
      order_date: at.slice(0, 10),
      docket_id: null,
      source: 'court_status',
      created_at: at,
      report_id: null,
      report_line: null
    }))
  )
  await appendEvents(
    trx,
    fresh.map(({ filing, ruling, c }) => ({
      county: filing.county,
      type: 'outcome.recorded' as const,
      recordType: 'filing',
      recordId: filing.id,
      at,
      payload: { filingId: filing.id, convictionId: c.convictionId, ruling, source: 'court_status' }
    }))
  )
  return fresh.length
}
