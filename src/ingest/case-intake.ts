import type { Kysely } from 'kysely'
import type { CaseInput, CaseView } from '../../schemas/api/cases.js'
import { normalizeCounty } from '../db/api-client-repository.js'
import { auditRows, recordAudit, type AuditContext, type AuditEntry } from '../db/audit-repository.js'
import { activeWebhooks, eventRows, type NewEvent } from '../db/event-repository.js'
import { insertSlices, type TableRows } from '../db/insert-rows.js'
import { chunksOf } from '../db/chunks.js'
import { bringDeliveriesForward } from '../webhooks/events.js'
import { activePolicy } from './county-policy.js'
import type { Database } from '../db/schema.js'
import { parseCodeSection } from '../eligibility/code-section.js'
import { ClearfileError, type ProblemDetail } from '../errors.js'
import {
  decideNewPeople,
  newCaseRows,
  newPersonRow,
  peopleNotOnFile,
  redeterminePerson,
  storeCase,
  upsertPerson,
  type CaseFacts
} from './person-records.js'
import { toCaseView, type CaseRow, type ConvictionRow, type PersonRow } from '../db/case-repository.js'
import { isTimedPart, sentenceEndDate } from './sentence.js'
import { groupBy } from '../group-by.js'

/**
 * New people decided and written at a time: deciding a slice (JavaScript) overlaps PostgreSQL writing the one before.
 * A batch of 1,000 took 0.42–0.47 s in eight slices against 0.50 s whole, PostgreSQL then the bound (2026-12-03).
 */
const FRESH_PER_SLICE = 125

export interface StoredCase {
  id: string
  personId: string
  caseNumber: string
  /**
   * The case as `getCaseView` would read it back, built from the rows just
   * written, where the person was met for the first time (nothing else on
   * file could have changed it); absent otherwise.
   */
  view?: () => CaseView
}

/**
 * Checks what a JSON schema cannot: dates in order, a conviction date on every
 * conviction, lengths on timed sentence parts, distinct count numbers, and that
 * the key may write to the case's county. `at` prefixes each path (`/cases/3`).
 */
export function checkCaseInput(input: CaseInput, ctx: AuditContext, at: string, today: string): ProblemDetail[] {
  const problems: ProblemDetail[] = []
  const county = normalizeCounty(input.case.county)
  if (ctx.principal.county !== null && county !== ctx.principal.county) {
    throw new ClearfileError('CLEARFILE_ERR_COUNTY_SCOPE', undefined, [
      { path: `${at}/case/county`, message: 'is not the county of this API key' }
    ])
  }
  if (input.person.dob > today) problems.push({ path: `${at}/person/dob`, message: 'is in the future' })
  const seenNumbers = new Set<number>()
  input.counts.forEach((count, i) => {
    const here = `${at}/counts/${i}`
    if (count.disposition === 'convicted' && !count.convictionDate) {
      problems.push({ path: `${here}/convictionDate`, message: 'is required when disposition is convicted' })
    }
    for (const field of ['convictionDate', 'offenseDate'] as const) {
      const date = count[field]
      if (!date) continue
      if (date < input.person.dob) problems.push({ path: `${here}/${field}`, message: 'is before the date of birth' })
      if (date > today) problems.push({ path: `${here}/${field}`, message: 'is in the future' })
    }
    if (count.offenseDate && count.convictionDate && count.offenseDate > count.convictionDate) {
      problems.push({ path: `${here}/offenseDate`, message: 'is after the conviction date' })
    }
    if (count.countNumber !== undefined) {
      if (seenNumbers.has(count.countNumber))
        problems.push({ path: `${here}/countNumber`, message: 'repeats another count number of this case' })
      seenNumbers.add(count.countNumber)
    }
    count.sentence?.forEach((part, j) => {
      if (isTimedPart(part) && (part.length === undefined || part.unit === undefined)) {
        problems.push({ path: `${here}/sentence/${j}`, message: `a ${part.kind} part needs length and unit` })
      }
    })
  })
  return problems
}

/**
 * Stores court cases from a DA system: person (matched within the county by DOJ
 * subject id, then CII), the case and its counts, and an audit row for each,
 * then re-decides the person's Prop 64 convictions from their whole stored
 * record (a DOJ review may have stored other counties' convictions and
 * registrations). Run it inside one transaction: either every case is stored
 * or none is. `pathOf(i)` names the i-th case in error details (`''` for a
 * single case).
 */
export async function storeCases(
  trx: Kysely<Database>,
  inputs: readonly CaseInput[],
  ctx: AuditContext,
  pathOf: (i: number) => string
): Promise<StoredCase[]> {
  const now = ctx.now.toISOString()
  const today = now.slice(0, 10)
  const problems = inputs.flatMap((input, i) => checkCaseInput(input, ctx, pathOf(i), today))
  if (problems.length > 0) throw new ClearfileError('CLEARFILE_ERR_VALIDATION', undefined, problems)

  const stored: StoredCase[] = new Array(inputs.length)
  const byCounty = groupBy(
    inputs.map((_, i) => i),
    (i) => normalizeCounty(inputs[i]!.case.county)
  )
  for (const [county, indices] of byCounty) {
    // Decide the people's Prop 64 convictions with the county's active policy, as of today.
    const { policy } = await activePolicy(trx, county)
    const isNew = await peopleNotOnFile(
      trx,
      county,
      indices.map((i) => inputs[i]!.person)
    )
    const fresh = indices.filter((_, k) => isNew[k])
    // People met for the first time, once each in the request: stored and decided together, a slice at a time, in a
    // few statements each (one, for a single case on PostgreSQL).
    const events: NewEvent[] = []
    const rowsOf = (slice: readonly number[]): TableRows[] => {
      const audit: AuditEntry[] = []
      const people: PersonRow[] = []
      const cases: CaseRow[] = []
      const convictions: ConvictionRow[] = []
      const convictionsOf = new Map<string, ConvictionRow[]>()
      for (const i of slice) {
        const input = inputs[i]!
        const person = newPersonRow(input.person, { county, now, audit })
        const { kase, convictions: counts } = newCaseRows(person.id, county, caseFacts(input, ctx), now)
        people.push(person)
        cases.push(kase)
        convictions.push(...counts)
        convictionsOf.set(kase.id, counts)
        audit.push(caseAudit(kase.id, county, counts.length))
      }
      const decided = decideNewPeople({ people, cases, convictions }, { county, policy, asOf: today, now })
      events.push(...decided.events)
      slice.forEach((i, k) => {
        const person = people[k]!
        const kase = cases[k]!
        const written = decided.answers.get(person.id)?.written ?? []
        audit.push(...determinationAudit(person.id, county, written))
        stored[i] = {
          id: kase.id,
          personId: person.id,
          caseNumber: kase.case_number,
          view: () =>
            toCaseView(
              kase,
              person,
              [...convictionsOf.get(kase.id)!].sort((a, b) => (a.count_order < b.count_order ? -1 : 1)),
              new Map(written.map((d) => [d.conviction_id, d]))
            )
        }
      })
      return [
        { table: 'people', rows: people },
        { table: 'court_cases', rows: cases },
        { table: 'convictions', rows: convictions },
        { table: 'determinations', rows: decided.rows },
        { table: 'events', rows: eventRows(decided.events) },
        { table: 'audit_events', rows: auditRows(ctx, audit) }
      ]
    }
    // The county's subscriptions are read with the first slice's rows: a webhook check's round trip saved.
    const hooks = await insertSlices(trx, chunksOf(fresh, 1, FRESH_PER_SLICE), rowsOf, activeWebhooks(trx, [county]))
    await bringDeliveriesForward(
      trx,
      events,
      hooks.map((h) => h.id)
    )

    // The rest — people on file, or named more than once here — one by one, in order, as each may meet the last.
    const freshSet = new Set(fresh)
    for (const i of indices) {
      if (freshSet.has(i)) continue
      const input = inputs[i]!
      const at = pathOf(i)
      const audit: AuditEntry[] = []
      const { person } = await upsertPerson(trx, input.person, { county, now, mode: 'strict', at, audit })
      const { caseId, countIds } = await storeCase(trx, person.id, county, caseFacts(input, ctx), now, 'reject', at)
      audit.push(caseAudit(caseId, county, countIds.size))
      const { written } = await redeterminePerson(trx, person.id, { county, policy, asOf: today, now })
      audit.push(...determinationAudit(person.id, county, written))
      await recordAudit(trx, ctx, audit)
      stored[i] = { id: caseId, personId: person.id, caseNumber: input.case.caseNumber.trim() }
    }
  }
  return stored
}

/** A case as the rules engine's store takes it, from the intake contract. */
function caseFacts(input: CaseInput, ctx: AuditContext): CaseFacts {
  return {
    courtId: input.case.court.trim(),
    caseNumber: input.case.caseNumber.trim(),
    courtCaseId: input.case.courtCaseId?.trim() || null,
    cycle: null,
    source: 'api',
    createdBy: ctx.principal.clientId,
    counts: input.counts.map((count, j) => ({
      countOrder: String(count.countNumber ?? j + 1).padStart(3, '0'),
      codeSectionRaw: count.codeSection.trim(),
      section: parseCodeSection(count.codeSection),
      description: count.description ?? null,
      severity: count.severity,
      disposition: count.disposition,
      convictionDate: count.convictionDate ?? null,
      offenseDate: count.offenseDate ?? null,
      offenseDateBasis: count.offenseDate ? 'offense' : null,
      sentence: count.sentence ?? [],
      // No sentence given: its end is unknown, never "completed on the conviction date".
      sentenceEndDate: count.sentence === undefined ? null : sentenceEndDate(count.convictionDate, count.sentence),
      courtCounty: null
    }))
  }
}

const caseAudit = (caseId: string, county: string, counts: number): AuditEntry => ({
  action: 'case.create',
  recordType: 'court_case',
  recordId: caseId,
  county,
  detail: { counts }
})

const determinationAudit = (personId: string, county: string, written: readonly unknown[] | undefined): AuditEntry[] =>
  written && written.length > 0
    ? [
        {
          action: 'determination.create',
          recordType: 'person',
          recordId: personId,
          county,
          detail: { determinations: written.length }
        }
      ]
    : []
