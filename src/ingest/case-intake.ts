import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { CaseInput } from '../../schemas/api/cases.js'
import { normalizeCounty } from '../db/api-client-repository.js'
import { recordAudit, type AuditContext, type AuditEntry } from '../db/audit-repository.js'
import {
  findCaseByNaturalKey, findPersonByIdentity, insertCase, insertPerson, updatePerson,
  type ConvictionRow, type PersonRow
} from '../db/case-repository.js'
import { parseJsonColumn } from '../db/json.js'
import { activePolicy } from '../db/policy-repository.js'
import type { Database } from '../db/schema.js'
import { normalizeCodeSection } from '../eligibility/code-section.js'
import type { Policy } from '../eligibility/policy.js'
import { redetermineStoredPerson } from '../eligibility/stored-records.js'
import { ClearfileError, type ProblemDetail } from '../errors.js'
import { isTimedPart, sentenceEndDate } from './sentence.js'

export interface StoredCase {
  id: string
  personId: string
  caseNumber: string
}

/**
 * Checks what a JSON schema cannot: dates in order, a conviction date on every
 * conviction, lengths on timed sentence parts, distinct count numbers, and that
 * the key may write to the case's county. `at` prefixes each path (`/cases/3`).
 */
export function checkCaseInput (input: CaseInput, ctx: AuditContext, at: string, today: string): ProblemDetail[] {
  const problems: ProblemDetail[] = []
  const county = normalizeCounty(input.case.county)
  if (ctx.principal.county !== null && county !== ctx.principal.county) {
    throw new ClearfileError('CLEARFILE_ERR_COUNTY_SCOPE', undefined, [{ path: `${at}/case/county`, message: 'is not the county of this API key' }])
  }
  if (input.person.dob > today) problems.push({ path: `${at}/person/dob`, message: 'is in the future' })
  const seenNumbers = new Set<number>()
  input.counts.forEach((count, i) => {
    const here = `${at}/counts/${i}`
    if (count.disposition === 'convicted' && !count.convictionDate) {
      problems.push({ path: `${here}/convictionDate`, message: 'is required when disposition is convicted' })
    }
    if (count.convictionDate) {
      if (count.convictionDate < input.person.dob) problems.push({ path: `${here}/convictionDate`, message: 'is before the date of birth' })
      if (count.convictionDate > today) problems.push({ path: `${here}/convictionDate`, message: 'is in the future' })
    }
    if (count.countNumber !== undefined) {
      if (seenNumbers.has(count.countNumber)) problems.push({ path: `${here}/countNumber`, message: 'repeats another count number of this case' })
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
 * subject id, then CII), the case and its counts, and an audit row for each.
 * Run it inside one transaction: either every case is stored or none is.
 * `pathOf(i)` names the i-th case in error details (`''` for a single case).
 */
export async function storeCases (
  trx: Kysely<Database>, inputs: readonly CaseInput[], ctx: AuditContext, pathOf: (i: number) => string
): Promise<StoredCase[]> {
  const now = ctx.now.toISOString()
  const today = now.slice(0, 10)
  const problems = inputs.flatMap((input, i) => checkCaseInput(input, ctx, pathOf(i), today))
  if (problems.length > 0) throw new ClearfileError('CLEARFILE_ERR_VALIDATION', undefined, problems)

  const stored: StoredCase[] = []
  const policies = new Map<string, Policy>()
  for (const [i, input] of inputs.entries()) {
    const at = pathOf(i)
    const county = normalizeCounty(input.case.county)
    const audit: AuditEntry[] = []
    const person = await upsertPerson(trx, input, county, now, at, audit)

    const courtId = input.case.court.trim()
    const caseNumber = input.case.caseNumber.trim()
    const existing = await findCaseByNaturalKey(trx, { county, courtId, caseNumber, personId: person.id })
    if (existing) {
      throw new ClearfileError('CLEARFILE_ERR_CASE_EXISTS', `This court case is already on file as ${existing.id}`,
        [{ path: `${at}/case/caseNumber`, message: `is already on file for this person as case ${existing.id}` }])
    }
    const caseId = randomUUID()
    const convictions: ConvictionRow[] = input.counts.map((count, j) => {
      const sentence = count.sentence ?? []
      return {
        id: randomUUID(),
        case_id: caseId,
        person_id: person.id,
        county,
        count_order: String(count.countNumber ?? j + 1).padStart(3, '0'),
        code_section_raw: count.codeSection.trim(),
        code_section: normalizeCodeSection(count.codeSection),
        description: count.description ?? null,
        severity: count.severity,
        disposition: count.disposition,
        conviction_date: count.convictionDate ?? null,
        sentence: JSON.stringify(sentence),
        sentence_end_date: sentenceEndDate(count.convictionDate, sentence),
        created_at: now
      }
    })
    await insertCase(trx, {
      id: caseId,
      person_id: person.id,
      county,
      court_id: courtId,
      case_number: caseNumber,
      cycle: null,
      source: 'api',
      created_by: ctx.principal.clientId,
      created_at: now,
      updated_at: now
    }, convictions)
    audit.push({ action: 'case.create', recordType: 'court_case', recordId: caseId, county, detail: { counts: convictions.length } })
    // Decide the person's Prop 64 convictions with the county's active policy, as of today.
    let policy = policies.get(county)
    if (!policy) policies.set(county, policy = (await activePolicy(trx, county)).policy)
    const decided = await redetermineStoredPerson(trx, person.id, county, policy, today, now)
    if (decided > 0) audit.push({ action: 'determination.create', recordType: 'person', recordId: person.id, county, detail: { determinations: decided } })
    await recordAudit(trx, ctx, audit)
    stored.push({ id: caseId, personId: person.id, caseNumber })
  }
  return stored
}

async function upsertPerson (
  trx: Kysely<Database>, input: CaseInput, county: string, now: string, at: string, audit: AuditEntry[]
): Promise<PersonRow> {
  const p = input.person
  const name = p.name.trim()
  const found = await findPersonByIdentity(trx, county, { dojSubjectId: p.dojSubjectId, cii: p.cii })
  if (!found) {
    const person: PersonRow = {
      id: randomUUID(),
      county,
      doj_subject_id: p.dojSubjectId ?? null,
      cii: p.cii ?? null,
      name,
      aliases: JSON.stringify(uniqueNames(p.aliases ?? [], [name])),
      dob: p.dob,
      deceased: p.deceased ? 1 : 0,
      created_at: now,
      updated_at: now
    }
    await insertPerson(trx, person)
    audit.push({ action: 'person.create', recordType: 'person', recordId: person.id, county })
    return person
  }
  // The same identifier with a different birth date is a different human or a data error: never merge.
  const mismatch: ProblemDetail[] = []
  if (found.dob !== null && found.dob !== p.dob) mismatch.push({ path: `${at}/person/dob`, message: `differs from the date of birth on file for person ${found.id}` })
  if (p.cii && found.cii !== null && found.cii !== p.cii) mismatch.push({ path: `${at}/person/cii`, message: `differs from the CII on file for person ${found.id}` })
  if (mismatch.length > 0) throw new ClearfileError('CLEARFILE_ERR_PERSON_MISMATCH', undefined, mismatch)

  const aliases = parseJsonColumn<string[]>(found.aliases, [])
  const merged = uniqueNames([...aliases, name, ...(p.aliases ?? [])], [found.name])
  const changes: Parameters<typeof updatePerson>[2] = {}
  if (merged.length !== aliases.length) changes.aliases = JSON.stringify(merged)
  if (found.cii === null && p.cii) changes.cii = p.cii
  if (found.doj_subject_id === null && p.dojSubjectId) changes.doj_subject_id = p.dojSubjectId
  if (p.deceased && found.deceased === 0) changes.deceased = 1
  if (Object.keys(changes).length > 0) {
    changes.updated_at = now
    await updatePerson(trx, found.id, changes)
    audit.push({ action: 'person.update', recordType: 'person', recordId: found.id, county, detail: { fields: Object.keys(changes).filter((k) => k !== 'updated_at') } })
    return { ...found, ...changes }
  }
  return found
}

/** Names once each (compared case- and space-insensitively), leaving out the `exclude` ones. */
function uniqueNames (names: readonly string[], exclude: readonly string[]): string[] {
  const key = (n: string) => n.trim().replace(/\s+/g, ' ').toUpperCase()
  const seen = new Set(exclude.map(key))
  const out: string[] = []
  for (const n of names) {
    const k = key(n)
    if (k === '' || seen.has(k)) continue
    seen.add(k)
    out.push(n.trim())
  }
  return out
}
