import type { Kysely } from 'kysely'
import type { CourtEntry } from '../../schemas/courts.js'
import { recordAudit, type AuditContext } from '../db/audit-repository.js'
import { casesOfDefendantsBorn } from '../db/case-repository.js'
import {
  filingRefByCourtFilingId,
  filingRefInCounty,
  filingsOfCourtInStates,
  newestFilingRefOfCase,
  type FilingRef
} from '../db/filing-repository.js'
import {
  confirmOutcomeByReport,
  convictionsWithReportedOutcome,
  insertOutcomes,
  outcomeOfConviction,
  outcomeResultsOf,
  saveOutcomeReport
} from '../db/outcome-repository.js'
import { filedCounts } from './filed-counts.js'
import { appendEvents, type NewEvent } from '../webhooks/events.js'
import { transition, type FilingState } from '../filing/filing-state.js'
import { newId } from '../db/ids.js'
import { yieldToEventLoop } from '../event-loop.js'
import type { Database } from '../db/schema.js'
import { parseCodeSection, sectionMatches } from '../eligibility/code-section.js'
import type { ParsedReport, ReportLine, Ruling } from './outcome-report.js'

/** How many report lines are reconciled between turns of the event loop. */
const YIELD_EVERY_LINES = 50

/** Filings the court never received: a report's ruling on one cannot be right. */
const NOT_SENT: ReadonlySet<FilingState> = new Set(['draft', 'queued', 'submitting'])
/** Filings no ruling can be recorded on: not sent, or ended without one. */
const NO_RULING_POSSIBLE: ReadonlySet<FilingState> = new Set([...NOT_SENT, 'rejected', 'failed', 'cancelled'])

export interface ReconciledCount {
  line: number
  filingId: string
  convictionId: string
  caseNumber: string
  countOrder: string
  ruling: Ruling
  matchedBy: MatchedBy
  confirmed?: boolean
}
export type MatchedBy = 'filing_id' | 'court_filing_id' | 'case_name_dob'

/** What a report did, line by line: the answer to a clerk's upload. */
export interface Reconciliation {
  matched: ReconciledCount[]
  alreadyRecorded: ReconciledCount[]
  conflicts: Array<ReconciledCount & { recorded: { ruling: string; source: string; reportId: string | null } }>
  unmatched: Array<{ line: number; reason: string }>
  omitted: Array<{ filingId: string; state: string; courtFilingId: string | null; caseNumbers: string[] }>
  malformed: Array<{ line: number; reason: string }>
  /** Lines where the name on file is spelled differently from the report's (matched by case number and DOB). */
  notes: Array<{ line: number; note: string }>
}

/** States of a filing the court has ruled on, or should have: a report that omits them is asked about. */
const AWAITING_RULING: FilingState[] = ['accepted', 'partially_accepted', 'granted', 'denied', 'partially_granted']
const FILING_RULING: Record<Exclude<Ruling, 'withdrawn'>, FilingState> = {
  granted: 'granted',
  denied: 'denied',
  partially_granted: 'partially_granted'
}

const caseKey = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '')
const nameTokens = (s: string) =>
  new Set(
    s
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toUpperCase()
      .split(/[^A-Z]+/)
      .filter((w) => w.length > 1)
  )

/**
 * Reconciles a court's outcome report against what was filed with that court,
 * in one transaction. Each line is matched to a filing — by our filing id, then
 * the court's filing id, then case number with date of birth and a name that
 * shares a word with the one on file — and to its counts (all of them, or the
 * one its code section names). A new ruling is recorded as the count's outcome
 * (source `report`), and the filing moves to its ruling; the same ruling again
 * is "already recorded" (a re-upload changes nothing); a different one is a
 * conflict, listed and never written over. Filings the court has accepted and
 * that no report has ruled on, and that this report omits, are listed too. The
 * report and its reconciliation are stored in the same transaction.
 */
export async function reconcileReport(
  db: Kysely<Database>,
  ctx: AuditContext,
  input: {
    reportId: string
    county: string
    court: CourtEntry
    parsed: ParsedReport
    format: 'csv' | 'xml'
    fileName: string | null
    sha256: string
  }
): Promise<Reconciliation> {
  const { county, court, reportId, parsed } = input
  const at = ctx.now.toISOString()
  const result: Reconciliation = {
    matched: [],
    alreadyRecorded: [],
    conflicts: [],
    unmatched: [],
    omitted: [],
    malformed: [...parsed.problems],
    notes: []
  }
  return db.transaction().execute(async (trx) => {
    const touched = new Set<string>()
    const events: NewEvent[] = []

    async function findFiling(
      line: ReportLine
    ): Promise<{ filing: FilingRef; by: MatchedBy; caseId?: string } | { reason: string }> {
      if (line.filingId) {
        const f = await filingRefInCounty(trx, county, line.filingId)
        if (f)
          return f.court_id === court.id
            ? { filing: f, by: 'filing_id' }
            : { reason: `filing ${line.filingId} was filed with ${f.court_id}, not ${court.id}` }
      }
      if (line.courtFilingId) {
        const f = await filingRefByCourtFilingId(trx, county, court.id, line.courtFilingId)
        if (f) return { filing: f, by: 'court_filing_id' }
      }
      if (!line.caseNumber) return { reason: `no filing ${line.filingId ?? line.courtFilingId} with ${court.id}` }
      if (!line.dob)
        return {
          reason: `case ${line.caseNumber}: a case number is matched with the defendant's date of birth, and the line has none`
        }
      const cases = (await casesOfDefendantsBorn(trx, county, line.dob)).filter(
        (k) => caseKey(k.case_number) === caseKey(line.caseNumber!)
      )
      if (cases.length === 0)
        return { reason: `no case ${line.caseNumber} of a defendant with that date of birth in ${county}` }
      const reported = nameTokens(line.name ?? '')
      const named = cases.filter((k) =>
        [k.name, ...(JSON.parse(k.aliases) as string[])].some((n) => [...nameTokens(n)].some((w) => reported.has(w)))
      )
      if (named.length === 0)
        return { reason: `case ${line.caseNumber}: the name does not match the defendant on file` }
      const kase = named[0]!
      if (
        line.name &&
        ![kase.name, ...(JSON.parse(kase.aliases) as string[])].some(
          (n) => n.toUpperCase() === line.name!.toUpperCase()
        )
      ) {
        result.notes.push({
          line: line.line,
          note: 'matched by case number and date of birth; the name is spelled differently on file'
        })
      }
      const f = await newestFilingRefOfCase(trx, kase.id, court.id, ['failed', 'cancelled'])
      return f
        ? { filing: f, by: 'case_name_dob', caseId: kase.id }
        : { reason: `case ${line.caseNumber} has no filing with ${court.id}` }
    }

    for (const [i, line] of parsed.lines.entries()) {
      if (i % YIELD_EVERY_LINES === YIELD_EVERY_LINES - 1) await yieldToEventLoop()
      const found = await findFiling(line)
      if ('reason' in found) {
        result.unmatched.push({ line: line.line, reason: found.reason })
        continue
      }
      if (NO_RULING_POSSIBLE.has(found.filing.state)) {
        const why = NOT_SENT.has(found.filing.state)
          ? 'it has not reached the court'
          : 'the court cannot have ruled on it'
        result.unmatched.push({ line: line.line, reason: `filing ${found.filing.id} is ${found.filing.state}: ${why}` })
        continue
      }
      let counts = await filedCounts(trx, found.filing.id)
      if (found.caseId) counts = counts.filter((c) => c.caseId === found.caseId)
      else if (line.caseNumber && counts.some((c) => caseKey(c.caseNumber) === caseKey(line.caseNumber!)))
        counts = counts.filter((c) => caseKey(c.caseNumber) === caseKey(line.caseNumber!))
      if (line.codeSection) {
        const wanted = parseCodeSection(line.codeSection)
        counts = counts.filter((c) => {
          const have = c.section ? parseCodeSection(c.section) : null
          return wanted && have && (sectionMatches(wanted, have) || sectionMatches(have, wanted))
        })
        if (counts.length === 0) {
          result.unmatched.push({
            line: line.line,
            reason: `filing ${found.filing.id} asked no relief on a count of ${line.codeSection}`
          })
          continue
        }
      }
      if (counts.length === 0) {
        result.unmatched.push({ line: line.line, reason: `filing ${found.filing.id} has no count with relief asked` })
        continue
      }
      for (const c of counts) {
        const entry: ReconciledCount = {
          line: line.line,
          filingId: found.filing.id,
          convictionId: c.convictionId,
          caseNumber: c.caseNumber,
          countOrder: c.countOrder,
          ruling: line.ruling,
          matchedBy: found.by
        }
        const recorded = await outcomeOfConviction(trx, c.convictionId)
        if (!recorded) {
          await insertOutcomes(trx, [
            {
              id: newId(),
              conviction_id: c.convictionId,
              filing_id: found.filing.id,
              county,
              result: line.ruling,
              order_date: line.orderDate,
              docket_id: line.docketId,
              source: 'report',
              created_at: at,
              report_id: reportId,
              report_line: line.line
            }
          ])
          result.matched.push(entry)
          events.push({
            county,
            type: 'outcome.recorded',
            recordType: 'filing',
            recordId: found.filing.id,
            payload: {
              filingId: found.filing.id,
              convictionId: c.convictionId,
              ruling: line.ruling,
              orderDate: line.orderDate,
              source: 'report',
              reportId
            },
            at
          })
          touched.add(found.filing.id)
        } else if (recorded.result !== line.ruling) {
          result.conflicts.push({
            ...entry,
            recorded: { ruling: recorded.result, source: recorded.source, reportId: recorded.report_id }
          })
          events.push({
            county,
            type: 'outcome.conflict',
            recordType: 'filing',
            recordId: found.filing.id,
            payload: {
              filingId: found.filing.id,
              convictionId: c.convictionId,
              recorded: recorded.result,
              reported: line.ruling,
              reportId
            },
            at
          })
        } else if (recorded.report_id === null) {
          // The court's status said so first; the clerk's report confirms it.
          await confirmOutcomeByReport(trx, recorded.id, {
            report_id: reportId,
            report_line: line.line,
            order_date: line.orderDate,
            docket_id: line.docketId
          })
          result.matched.push({ ...entry, confirmed: true })
          touched.add(found.filing.id)
        } else {
          result.alreadyRecorded.push(entry)
        }
      }
    }

    // Each filing a ruling was recorded for moves to the ruling its counts now add up to.
    for (const filingId of touched) {
      const counts = await filedCounts(trx, filingId)
      const outcomes = await outcomeResultsOf(
        trx,
        counts.map((c) => c.convictionId)
      )
      if (outcomes.length < counts.length || outcomes.some((o) => o.result === 'withdrawn')) continue
      const results = new Set(outcomes.map((o) => o.result))
      const ruling =
        results.size === 1 ? FILING_RULING[outcomes[0]!.result as Exclude<Ruling, 'withdrawn'>] : 'partially_granted'
      const detail = { reportId }
      await transition(trx, filingId, ['submitted'], 'accepted', { source: 'report', at, detail })
      await transition(trx, filingId, ['accepted', 'partially_accepted'], ruling, { source: 'report', at, detail })
    }

    // What the court should have ruled on: accepted filings with counts no report has ruled on, absent from this one.
    const seen = new Set([...result.matched, ...result.alreadyRecorded, ...result.conflicts].map((m) => m.filingId))
    const awaiting = await filingsOfCourtInStates(trx, {
      county,
      courtId: court.id,
      states: AWAITING_RULING,
      createdAtOrBefore: at
    })
    for (const f of awaiting) {
      if (seen.has(f.id)) continue
      const counts = await filedCounts(trx, f.id)
      if (counts.length === 0) continue
      const byReport = await convictionsWithReportedOutcome(
        trx,
        counts.map((c) => c.convictionId)
      )
      if (byReport.length < counts.length)
        result.omitted.push({
          filingId: f.id,
          state: f.state,
          courtFilingId: f.court_filing_id,
          caseNumbers: [...new Set(counts.map((c) => c.caseNumber))]
        })
    }

    await saveOutcomeReport(
      trx,
      {
        id: reportId,
        county,
        court_id: court.id,
        format: input.format,
        file_name: input.fileName,
        sha256: input.sha256,
        lines: parsed.total,
        result: JSON.stringify(result),
        uploaded_by: ctx.principal.clientId,
        created_at: at
      },
      at
    )
    await appendEvents(trx, events)
    await recordAudit(trx, ctx, [
      {
        action: 'outcome_report.reconcile',
        recordType: 'outcome_report',
        recordId: reportId,
        county,
        detail: {
          court: court.id,
          matched: result.matched.length,
          conflicts: result.conflicts.length,
          unmatched: result.unmatched.length
        }
      },
      ...[...touched].map((id) => ({
        action: 'outcome.record',
        recordType: 'filing',
        recordId: id,
        county,
        detail: { reportId }
      }))
    ])
    return result
  })
}
