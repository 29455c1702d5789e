import type { Kysely } from 'kysely'
import type { CourtEntry } from '../../schemas/courts.js'
import { recordAudit, type AuditContext } from '../db/audit-repository.js'
import { casesOfDefendantsBorn } from '../db/case-repository.js'
import {
  filingRefsByCourtFilingIds,
  filingRefsInCounty,
  filingsOfCourtInStates,
  filingStates,
  newestFilingRefsOfCases,
  type FilingRef
} from '../db/filing-repository.js'
import {
  confirmOutcomesByReport,
  convictionsWithReportedOutcome,
  insertOutcomes,
  outcomesOfConvictions,
  saveOutcomeReport,
  type OutcomeConfirmation,
  type OutcomeRow,
  type RecordedOutcome
} from '../db/outcome-repository.js'
import { filedCountsOf } from './filed-counts.js'
import { groupBy } from '../group-by.js'
import { appendEvents, type NewEvent } from '../webhooks/events.js'
import { transition, type FilingState } from '../filing/filing-state.js'
import { newId } from '../db/ids.js'
import { yieldToEventLoop } from '../event-loop.js'
import type { Database } from '../db/schema.js'
import { parseCodeSection, sectionMatches } from '../eligibility/code-section.js'
import type { ParsedReport, ReportLine, Ruling } from './outcome-report.js'

/** How many report lines are matched and recorded together: a few statements a slice, not a few a line. */
const LINES_PER_SLICE = 500

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

type Found = { filing: FilingRef; by: MatchedBy; caseId?: string } | { reason: string }

/**
 * Each line's filing, in a few statements for all of them: by our filing id,
 * then the court's filing id, then case number with date of birth and a name
 * that shares a word with the one on file (noting a name spelled differently);
 * or why none is.
 */
async function findFilings(
  trx: Kysely<Database>,
  where: { county: string; courtId: string },
  lines: readonly ReportLine[],
  notes: Reconciliation['notes']
): Promise<Found[]> {
  const { county, courtId } = where
  const unique = (values: Array<string | null>) => [...new Set(values.filter((v): v is string => v !== null))]
  const byId = await filingRefsInCounty(trx, county, unique(lines.map((l) => l.filingId)))
  const byCourtId = await filingRefsByCourtFilingIds(
    trx,
    county,
    courtId,
    unique(lines.map((l) => (l.filingId && byId.has(l.filingId) ? null : l.courtFilingId)))
  )
  const unfound = (l: ReportLine) =>
    !(l.filingId && byId.has(l.filingId)) && !(l.courtFilingId && byCourtId.has(l.courtFilingId))
  const casesByDob = groupBy(
    await casesOfDefendantsBorn(trx, county, unique(lines.map((l) => (unfound(l) && l.caseNumber ? l.dob : null)))),
    (k) => k.dob ?? ''
  )

  // The case each line names, where it names one, before asking for the cases' filings.
  const byCase: Array<{ caseId: string; caseNumber: string } | { reason: string } | null> = lines.map((line) => {
    if (!unfound(line)) return null
    if (!line.caseNumber) return { reason: `no filing ${line.filingId ?? line.courtFilingId} with ${courtId}` }
    if (!line.dob)
      return {
        reason: `case ${line.caseNumber}: a case number is matched with the defendant's date of birth, and the line has none`
      }
    const cases = (casesByDob.get(line.dob) ?? []).filter((k) => caseKey(k.case_number) === caseKey(line.caseNumber!))
    if (cases.length === 0)
      return { reason: `no case ${line.caseNumber} of a defendant with that date of birth in ${county}` }
    const reported = nameTokens(line.name ?? '')
    const namesOf = (k: (typeof cases)[number]) => [k.name, ...(JSON.parse(k.aliases) as string[])]
    const kase = cases.find((k) => namesOf(k).some((n) => [...nameTokens(n)].some((w) => reported.has(w))))
    if (!kase) return { reason: `case ${line.caseNumber}: the name does not match the defendant on file` }
    if (line.name && !namesOf(kase).some((n) => n.toUpperCase() === line.name!.toUpperCase()))
      notes.push({
        line: line.line,
        note: 'matched by case number and date of birth; the name is spelled differently on file'
      })
    return { caseId: kase.id, caseNumber: line.caseNumber }
  })
  const newest = await newestFilingRefsOfCases(
    trx,
    unique(byCase.map((c) => (c && 'caseId' in c ? c.caseId : null))),
    courtId,
    ['failed', 'cancelled']
  )

  return lines.map((line, i) => {
    const named = byCase[i]
    if (named === null || named === undefined) {
      const f = line.filingId ? byId.get(line.filingId) : undefined
      if (f)
        return f.court_id === courtId
          ? { filing: f, by: 'filing_id' }
          : { reason: `filing ${line.filingId} was filed with ${f.court_id}, not ${courtId}` }
      return { filing: byCourtId.get(line.courtFilingId!)!, by: 'court_filing_id' }
    }
    if ('reason' in named) return named
    const f = newest.get(named.caseId)
    return f
      ? { filing: f, by: 'case_name_dob', caseId: named.caseId }
      : { reason: `case ${named.caseNumber} has no filing with ${courtId}` }
  })
}

/**
 * Reconciles a court's outcome report against what was filed with that court,
 * a slice of lines to a transaction. Each line is matched to a filing — by our filing id, then
 * the court's filing id, then case number with date of birth and a name that
 * shares a word with the one on file — and to its counts (all of them, or the
 * one its code section names). A new ruling is recorded as the count's outcome
 * (source `report`), and the filing moves to its ruling; the same ruling again
 * is "already recorded" (a re-upload changes nothing); a different one is a
 * conflict, listed and never written over. Filings the court has accepted and
 * that no report has ruled on, and that this report omits, are listed too.
 * Each slice's outcomes, moves, events and audit rows commit together, and the
 * report with its reconciliation once every slice has: on SQLite a 40,000-line
 * report in one transaction kept every other request from the database until it
 * ended. A reconciliation that stopped partway (the process killed, the
 * database gone) is run again whole: the lines it had recorded count as matched
 * again, nothing is recorded twice.
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
  // What this reconciliation has recorded so far, by conviction: a later line sees an earlier one's ruling.
  const recorded = new Map<string, RecordedOutcome>()

  for (let from = 0; from < parsed.lines.length; from += LINES_PER_SLICE) {
    // Between slices the database is free for other work.
    await yieldToEventLoop()
    await db.transaction().execute(async (trx) => {
      const touched = new Set<string>()
      const events: NewEvent[] = []
      const lines = parsed.lines.slice(from, from + LINES_PER_SLICE)
      const found = await findFilings(trx, { county, courtId: court.id }, lines, result.notes)
      const countsOf = await filedCountsOf(trx, [
        ...new Set(
          found.flatMap((f) => ('filing' in f && !NO_RULING_POSSIBLE.has(f.filing.state) ? [f.filing.id] : []))
        )
      ])
      const unread = [...countsOf.values()]
        .flat()
        .flatMap((c) => (recorded.has(c.convictionId) ? [] : [c.convictionId]))
      for (const [id, o] of await outcomesOfConvictions(trx, unread)) recorded.set(id, o)
      const fresh: OutcomeRow[] = []
      const confirmations: OutcomeConfirmation[] = []

      for (const [i, line] of lines.entries()) {
        const match = found[i]!
        if ('reason' in match) {
          result.unmatched.push({ line: line.line, reason: match.reason })
          continue
        }
        const filing = match.filing
        if (NO_RULING_POSSIBLE.has(filing.state)) {
          const why = NOT_SENT.has(filing.state) ? 'it has not reached the court' : 'the court cannot have ruled on it'
          result.unmatched.push({ line: line.line, reason: `filing ${filing.id} is ${filing.state}: ${why}` })
          continue
        }
        let counts = countsOf.get(filing.id) ?? []
        if (match.caseId) counts = counts.filter((c) => c.caseId === match.caseId)
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
              reason: `filing ${filing.id} asked no relief on a count of ${line.codeSection}`
            })
            continue
          }
        }
        if (counts.length === 0) {
          result.unmatched.push({ line: line.line, reason: `filing ${filing.id} has no count with relief asked` })
          continue
        }
        for (const c of counts) {
          const entry: ReconciledCount = {
            line: line.line,
            filingId: filing.id,
            convictionId: c.convictionId,
            caseNumber: c.caseNumber,
            countOrder: c.countOrder,
            ruling: line.ruling,
            matchedBy: match.by
          }
          const before = recorded.get(c.convictionId)
          if (!before) {
            const row: OutcomeRow = {
              id: newId(),
              conviction_id: c.convictionId,
              filing_id: filing.id,
              county,
              result: line.ruling,
              order_date: line.orderDate,
              docket_id: line.docketId,
              source: 'report',
              created_at: at,
              report_id: reportId,
              report_line: line.line
            }
            fresh.push(row)
            recorded.set(c.convictionId, row)
            result.matched.push(entry)
            events.push({
              county,
              type: 'outcome.recorded',
              recordType: 'filing',
              recordId: filing.id,
              payload: {
                filingId: filing.id,
                convictionId: c.convictionId,
                ruling: line.ruling,
                orderDate: line.orderDate,
                source: 'report',
                reportId
              },
              at
            })
            touched.add(filing.id)
          } else if (before.report_id === reportId && before.report_line === line.line) {
            // This very line, recorded by this report's reconciliation before it stopped partway: matched, once.
            result.matched.push(before.source === 'report' ? entry : { ...entry, confirmed: true })
          } else if (before.result !== line.ruling) {
            result.conflicts.push({
              ...entry,
              recorded: { ruling: before.result, source: before.source, reportId: before.report_id }
            })
            events.push({
              county,
              type: 'outcome.conflict',
              recordType: 'filing',
              recordId: filing.id,
              payload: {
                filingId: filing.id,
                convictionId: c.convictionId,
                recorded: before.result,
                reported: line.ruling,
                reportId
              },
              at
            })
          } else if (before.report_id === null) {
            // The court's status said so first; the clerk's report confirms it.
            confirmations.push({
              id: before.id,
              report_line: line.line,
              order_date: line.orderDate,
              docket_id: line.docketId
            })
            recorded.set(c.convictionId, { ...before, report_id: reportId, report_line: line.line })
            result.matched.push({ ...entry, confirmed: true })
            touched.add(filing.id)
          } else {
            result.alreadyRecorded.push(entry)
          }
        }
      }
      await insertOutcomes(trx, fresh)
      await confirmOutcomesByReport(trx, reportId, confirmations)
      await moveRuledFilings(trx, touched, recorded, { at, reportId })
      await appendEvents(trx, events)
      await recordAudit(
        trx,
        ctx,
        [...touched].map((id) => ({
          action: 'outcome.record',
          recordType: 'filing',
          recordId: id,
          county,
          detail: { reportId }
        }))
      )
    })
  }

  return db.transaction().execute(async (trx) => {
    // What the court should have ruled on: accepted filings with counts no report has ruled on, absent from this one.
    const seen = new Set([...result.matched, ...result.alreadyRecorded, ...result.conflicts].map((m) => m.filingId))
    const awaiting = (
      await filingsOfCourtInStates(trx, {
        county,
        courtId: court.id,
        states: AWAITING_RULING,
        createdAtOrBefore: at
      })
    ).filter((f) => !seen.has(f.id))
    for (let from = 0; from < awaiting.length; from += LINES_PER_SLICE) {
      await yieldToEventLoop()
      const slice = awaiting.slice(from, from + LINES_PER_SLICE)
      const countsOf = await filedCountsOf(
        trx,
        slice.map((f) => f.id)
      )
      const byReport = await convictionsWithReportedOutcome(
        trx,
        [...countsOf.values()].flat().map((c) => c.convictionId)
      )
      for (const f of slice) {
        const counts = countsOf.get(f.id) ?? []
        if (counts.length > 0 && counts.some((c) => !byReport.has(c.convictionId)))
          result.omitted.push({
            filingId: f.id,
            state: f.state,
            courtFilingId: f.court_filing_id,
            caseNumbers: [...new Set(counts.map((c) => c.caseNumber))]
          })
      }
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
      }
    ])
    return result
  })
}

/** Each filing a ruling was recorded for moves to the ruling its counts now add up to, once every count has one. */
async function moveRuledFilings(
  trx: Kysely<Database>,
  touched: ReadonlySet<string>,
  recorded: ReadonlyMap<string, RecordedOutcome>,
  when: { at: string; reportId: string }
): Promise<void> {
  const touchedCounts = await filedCountsOf(trx, [...touched])
  const states = await filingStates(trx, [...touched])
  for (const [filingId, counts] of touchedCounts) {
    const state = states.get(filingId)
    if (state !== 'submitted' && state !== 'accepted' && state !== 'partially_accepted') continue
    const outcomes = counts.map((c) => recorded.get(c.convictionId)?.result)
    if (outcomes.some((o) => o === undefined || o === 'withdrawn')) continue
    const results = new Set(outcomes)
    const ruling = results.size === 1 ? FILING_RULING[outcomes[0] as Exclude<Ruling, 'withdrawn'>] : 'partially_granted'
    const detail = { reportId: when.reportId }
    await transition(trx, filingId, ['submitted'], 'accepted', { source: 'report', at: when.at, detail })
    await transition(trx, filingId, ['accepted', 'partially_accepted'], ruling, {
      source: 'report',
      at: when.at,
      detail
    })
  }
}
