import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { AuditEntry } from '../db/audit-repository.js'
import {
  convictedCountsOfPeople,
  countOrdersOfCase,
  findCaseByNaturalKey,
  findPersonByIdentity,
  insertCases,
  insertConvictions,
  insertPeople,
  insertRegistrations,
  factsOfPeople,
  registrationKeysOfPerson,
  registrationsOfPeople,
  updatePerson,
  identitiesOnFile,
  type CaseRow,
  type ConvictionRow,
  type RegistrationRow,
  type PersonRow
} from '../db/case-repository.js'
import {
  deleteRunDeterminationsOf,
  latestDeterminations,
  type DeterminationRow
} from '../db/determination-repository.js'
import { newId } from '../db/ids.js'
import { bringDeliveriesForward, type NewEvent } from '../webhooks/events.js'
import { eventRows } from '../db/event-repository.js'
import { insertRows } from '../db/insert-rows.js'
import { parseJsonColumn } from '../db/json.js'
import type { Database } from '../db/schema.js'
import {
  findCodeSectionInText,
  formatCodeSection,
  mayConcernCannabis,
  parseCodeSection,
  readOffenseText,
  type CodeSection
} from '../eligibility/code-section.js'
import { determineRecord, type Determination, type Policy } from '../eligibility/policy.js'
import type { PersonRecord } from '../eligibility/record.js'
import { ClearfileError, type ProblemDetail } from '../errors.js'

/*
 * The one writer of people, cases, convictions, registrations and
 * determinations, for the DOJ review and for REST intake alike. A person is
 * one county's view of a DOJ subject; their whole record (convictions in every
 * county, registrations) is kept under that county, and every determination
 * is computed from that whole record, whichever path brought the newest fact.
 */

type Db = Kysely<Database>

/** A person as a source gives them. */
export interface PersonInput {
  name: string
  aliases?: readonly string[]
  dob: string | null
  cii?: string | null | undefined
  dojSubjectId?: string | null | undefined
  deceased?: boolean
}

export interface PersonWriteOptions {
  county: string
  now: string
  /**
   * `strict` (REST): a different date of birth or CII for the same identifier is
   * a 409, never a merge. `doj`: the DOJ subject id is the identity; a person
   * matched only by CII with another birth date is another person.
   */
  mode: 'strict' | 'doj'
  /** Names the input in error details (`/cases/3`). */
  at?: string
  audit: AuditEntry[]
}

/** A person not on file, as a row to store (and its audit entry). */
export function newPersonRow(p: PersonInput, o: Pick<PersonWriteOptions, 'county' | 'now' | 'audit'>): PersonRow {
  const name = p.name.trim()
  const person: PersonRow = {
    id: randomUUID(),
    county: o.county,
    doj_subject_id: p.dojSubjectId ?? null,
    cii: p.cii || null,
    name: name || '(no name on record)',
    aliases: JSON.stringify(uniqueNames(p.aliases ?? [], [name])),
    dob: p.dob,
    deceased: p.deceased ? 1 : 0,
    created_at: o.now,
    updated_at: o.now
  }
  o.audit.push({ action: 'person.create', recordType: 'person', recordId: person.id, county: o.county })
  return person
}

/** Finds the person in the county (DOJ subject id, then CII) or creates them; fills what the record lacked. */
export async function upsertPerson(
  trx: Db,
  p: PersonInput,
  o: PersonWriteOptions
): Promise<{ person: PersonRow; created: boolean }> {
  const name = p.name.trim()
  let found = await findPersonByIdentity(trx, o.county, {
    dojSubjectId: p.dojSubjectId ?? undefined,
    cii: p.cii ?? undefined
  })
  // Matched by CII alone, a DOJ subject is the same person only if the record has no other subject and the same birth date.
  if (
    found &&
    o.mode === 'doj' &&
    found.doj_subject_id !== (p.dojSubjectId ?? null) &&
    (found.doj_subject_id !== null || found.dob !== p.dob)
  )
    found = undefined
  if (!found) {
    const person = newPersonRow(p, o)
    await insertPeople(trx, [person])
    return { person, created: true }
  }
  if (o.mode === 'strict') {
    // The same identifier with a different birth date is a different human or a data error: never merge.
    const at = o.at ?? ''
    const mismatch: ProblemDetail[] = []
    if (found.dob !== null && found.dob !== p.dob)
      mismatch.push({
        path: `${at}/person/dob`,
        message: `differs from the date of birth on file for person ${found.id}`
      })
    if (p.cii && found.cii !== null && found.cii !== p.cii)
      mismatch.push({ path: `${at}/person/cii`, message: `differs from the CII on file for person ${found.id}` })
    if (mismatch.length > 0) throw new ClearfileError('CLEARFILE_ERR_PERSON_MISMATCH', undefined, mismatch)
  }
  const aliases = parseJsonColumn<string[]>(found.aliases, [])
  const merged = name === '' ? aliases : uniqueNames([...aliases, name, ...(p.aliases ?? [])], [found.name])
  const changes: Parameters<typeof updatePerson>[2] = {}
  if (merged.length !== aliases.length) changes.aliases = JSON.stringify(merged)
  if (found.cii === null && p.cii) changes.cii = p.cii
  if (found.doj_subject_id === null && p.dojSubjectId) changes.doj_subject_id = p.dojSubjectId
  if (p.deceased && found.deceased === 0) changes.deceased = 1
  if (Object.keys(changes).length > 0) {
    changes.updated_at = o.now
    await updatePerson(trx, found.id, changes)
    o.audit.push({
      action: 'person.update',
      recordType: 'person',
      recordId: found.id,
      county: o.county,
      detail: { fields: Object.keys(changes).filter((k) => k !== 'updated_at') }
    })
    return { person: { ...found, ...changes }, created: false }
  }
  return { person: found, created: false }
}

/** Names once each (compared case- and space-insensitively), leaving out the `exclude` ones. */
function uniqueNames(names: readonly string[], exclude: readonly string[]): string[] {
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

/** One count of a case as a source gives it. */
export interface CountFacts {
  countOrder: string
  codeSectionRaw: string
  section: CodeSection | null
  description: string | null
  severity: 'F' | 'M' | 'I' | null
  disposition: string
  convictionDate: string | null
  offenseDate: string | null
  offenseDateBasis: 'offense' | 'arrest' | null
  sentence: unknown[]
  sentenceEndDate: string | null
  /** The county whose court convicted, when it is not the county that holds the record. */
  courtCounty: string | null
}

export interface CaseFacts {
  courtId: string
  caseNumber: string
  /** The court's own id for the case (nc:CaseTrackingID), where known. */
  courtCaseId?: string | null
  cycle: string | null
  source: 'api' | 'doj'
  createdBy: string | null
  counts: CountFacts[]
}

function convictionRow(caseId: string, personId: string, county: string, c: CountFacts, now: string): ConvictionRow {
  return {
    id: randomUUID(),
    case_id: caseId,
    person_id: personId,
    county,
    count_order: c.countOrder,
    code_section_raw: c.codeSectionRaw,
    code_section: c.section ? formatCodeSection(c.section) : null,
    description: c.description,
    severity: c.severity,
    disposition: c.disposition,
    conviction_date: c.convictionDate,
    sentence: JSON.stringify(c.sentence),
    sentence_end_date: c.sentenceEndDate,
    created_at: now,
    court_county: c.courtCounty,
    offense_date: c.offenseDate,
    offense_date_basis: c.offenseDateBasis
  }
}

/** A case not on file and its counts, as rows to store. */
export function newCaseRows(
  personId: string,
  county: string,
  facts: CaseFacts,
  now: string
): { kase: CaseRow; convictions: ConvictionRow[] } {
  const id = randomUUID()
  return {
    kase: {
      id,
      person_id: personId,
      county,
      court_id: facts.courtId,
      case_number: facts.caseNumber,
      court_case_id: facts.courtCaseId ?? null,
      cycle: facts.cycle,
      source: facts.source,
      created_by: facts.createdBy,
      created_at: now,
      updated_at: now
    },
    convictions: facts.counts.map((c) => convictionRow(id, personId, county, c, now))
  }
}

/**
 * Stores a case and its counts, matching what is already stored: the case by
 * (county, court, case number, person), a count by its order within the case.
 * `onExisting: 'reject'` (REST) refuses a case already on file. Returns the
 * stored id of each count by its order.
 */
export async function storeCase(
  trx: Db,
  personId: string,
  county: string,
  facts: CaseFacts,
  now: string,
  onExisting: 'match' | 'reject',
  at = ''
): Promise<{ caseId: string; created: boolean; countIds: Map<string, string> }> {
  const existing = await findCaseByNaturalKey(trx, {
    county,
    courtId: facts.courtId,
    caseNumber: facts.caseNumber,
    personId
  })
  if (existing && onExisting === 'reject') {
    throw new ClearfileError('CLEARFILE_ERR_CASE_EXISTS', `This court case is already on file as ${existing.id}`, [
      { path: `${at}/case/caseNumber`, message: `is already on file for this person as case ${existing.id}` }
    ])
  }
  if (!existing) {
    const rows = newCaseRows(personId, county, facts, now)
    await insertCases(trx, [rows.kase], rows.convictions)
    return {
      caseId: rows.kase.id,
      created: true,
      countIds: new Map(rows.convictions.map((r) => [r.count_order, r.id]))
    }
  }
  const caseId = existing.id
  const countIds = new Map<string, string>()
  const stored = await countOrdersOfCase(trx, caseId)
  for (const s of stored) countIds.set(s.count_order, s.id)
  const fresh = facts.counts
    .filter((c) => !countIds.has(c.countOrder))
    .map((c) => convictionRow(caseId, personId, county, c, now))
  await insertConvictions(trx, fresh)
  for (const r of fresh) countIds.set(r.count_order, r.id)
  return { caseId, created: false, countIds }
}

/** Stores PC 290 registrations once each (by where they came from in their source). */
export async function storeRegistrations(
  trx: Db,
  personId: string,
  county: string,
  source: 'doj' | 'api',
  registrations: ReadonlyArray<{ date: string | null; county?: string | null; key: string; offenseText: string }>,
  now: string
): Promise<number> {
  if (registrations.length === 0) return 0
  const known = new Set((await registrationKeysOfPerson(trx, personId, source)).map((r) => r.source_key))
  const fresh = registrations.filter((r) => !known.has(r.key))
  if (fresh.length === 0) return 0
  await insertRegistrations(trx, registrationRows(personId, county, source, fresh, now))
  return fresh.length
}

/** PC 290 registrations as rows to store. */
export function registrationRows(
  personId: string,
  county: string,
  source: 'doj' | 'api',
  registrations: ReadonlyArray<{ date: string | null; county?: string | null; key: string; offenseText: string }>,
  now: string
): RegistrationRow[] {
  return registrations.map((r) => ({
    id: randomUUID(),
    person_id: personId,
    county,
    registration_date: r.date,
    registration_county: r.county ?? null,
    offense_text: r.offenseText,
    source,
    source_key: r.key,
    created_at: now
  }))
}

/**
 * Which of these people (one county's, as a request or a DOJ batch names
 * them) are met for the first time: no person on file holds their DOJ subject
 * id or CII, and no other of them names either. Such a person can be stored
 * without a lookup, together with the others like them.
 */
export async function peopleNotOnFile(
  trx: Db,
  county: string,
  people: ReadonlyArray<{ dojSubjectId?: string | null | undefined; cii?: string | null | undefined }>
): Promise<boolean[]> {
  const dojOf = (i: number) => people[i]!.dojSubjectId || null
  const ciiOf = (i: number) => people[i]!.cii || null
  const times = new Map<string, number>()
  for (let i = 0; i < people.length; i++)
    for (const key of [`doj:${dojOf(i)}`, `cii:${ciiOf(i)}`]) times.set(key, (times.get(key) ?? 0) + 1)
  const onFile = await identitiesOnFile(trx, county, {
    dojSubjectIds: [...new Set(people.map((_, i) => dojOf(i)).filter((v) => v !== null))],
    ciis: [...new Set(people.map((_, i) => ciiOf(i)).filter((v) => v !== null))]
  })
  return people.map((_, i) => {
    const doj = dojOf(i)
    const cii = ciiOf(i)
    return (
      (doj === null || (!onFile.dojSubjectIds.has(doj) && times.get(`doj:${doj}`) === 1)) &&
      (cii === null || (!onFile.ciis.has(cii) && times.get(`cii:${cii}`) === 1))
    )
  })
}

/** A determination of the engine as a row to store, against the stored conviction it decides. */
export function determinationRow(
  d: Determination,
  convictionId: string,
  county: string,
  reviewRunId: string | null,
  now: string
): DeterminationRow {
  return {
    id: newId(),
    conviction_id: convictionId,
    review_run_id: reviewRunId,
    county,
    outcome: d.outcome,
    remedy: d.remedy,
    explanation: JSON.stringify(d.explanation),
    decided_outcome: null,
    decided_by: null,
    decision_reason: null,
    decided_at: null,
    created_at: now,
    section: d.section,
    reason: d.reason,
    citations: d.citations.join('; '),
    law_facts: JSON.stringify(d.lawFacts)
  }
}

/** A stored count's section: read from the text as the source wrote it, or from its canonical form. */
function storedSection(raw: string, canonical: string | null): { section: CodeSection | null; refused?: string } {
  const read = readOffenseText(raw)
  const fromRaw = read.section ?? findCodeSectionInText(raw)
  if (fromRaw && (canonical === null || formatCodeSection(fromRaw) === canonical)) return { section: fromRaw }
  const fromCanonical = canonical ? parseCodeSection(canonical) : null
  if (fromCanonical) return { section: fromCanonical }
  return fromRaw ? { section: fromRaw } : { section: null, refused: read.refused ?? 'not a code section' }
}

type PersonFacts = Pick<PersonRow, 'id' | 'doj_subject_id' | 'dob' | 'deceased'>
type ConvictedCount = Awaited<ReturnType<typeof convictedCountsOfPeople>>[number]
type RegistrationFacts = Awaited<ReturnType<typeof registrationsOfPeople>>[number]

/** Records as the rules engine reads them, from people's stored facts, convicted counts (oldest first) and registrations. */
function personRecords(
  people: readonly PersonFacts[],
  counts: readonly ConvictedCount[],
  registrations: readonly RegistrationFacts[]
): Map<string, PersonRecord> {
  const records = new Map<string, PersonRecord>()
  for (const person of people)
    records.set(person.id, {
      subjectId: person.doj_subject_id ?? person.id,
      dob: person.dob,
      deceased: person.deceased === 1,
      convictions: [],
      registrations: []
    })
  for (const r of counts) {
    const { section, refused } = storedSection(r.code_section_raw, r.code_section)
    records.get(r.person_id)?.convictions.push({
      id: r.id,
      section,
      sectionText: r.code_section_raw,
      ...(refused ? { sectionRefused: refused } : {}),
      ...(section === null && mayConcernCannabis(r.code_section_raw) ? { mayConcernCannabis: true } : {}),
      severity: r.severity,
      date: r.conviction_date,
      ...(r.offense_date ? { offenseDate: r.offense_date, offenseDateBasis: r.offense_date_basis ?? 'offense' } : {}),
      sentenceEnd: r.sentence_end_date,
      county: r.court_county ?? r.county,
      caseNumber: r.case_number
    })
  }
  for (const r of registrations)
    records.get(r.person_id)?.registrations.push({ date: r.registration_date, county: r.registration_county })
  return records
}

/**
 * Stored people's whole records as the rules engine reads them: convictions in
 * every county (each with the county whose court convicted) and registrations,
 * by person id (people not stored are absent). A few queries for any number.
 */
export async function loadPersonRecords(db: Db, personIds: readonly string[]): Promise<Map<string, PersonRecord>> {
  const people = await factsOfPeople(db, personIds)
  if (people.length === 0) return new Map()
  const ids = people.map((p) => p.id)
  const [counts, registrations] = await Promise.all([convictedCountsOfPeople(db, ids), registrationsOfPeople(db, ids)])
  return personRecords(people, counts, registrations)
}

/**
 * People stored in this transaction for the first time, with everything they
 * hold: the cases and counts stored with them, and no registration.
 */
export interface NewPeopleRows {
  people: readonly PersonRow[]
  cases: readonly CaseRow[]
  convictions: readonly ConvictionRow[]
}

/**
 * The records of people just stored, built from the rows written, as
 * `loadPersonRecords` would read them back: convicted counts, oldest first
 * (then by id), each with its case number.
 */
export function recordsOfNewPeople(rows: NewPeopleRows): Map<string, PersonRecord> {
  const caseNumbers = new Map(rows.cases.map((k) => [k.id, k.case_number]))
  const counts = rows.convictions
    .filter((c) => c.disposition === 'convicted')
    .map((c) => ({ ...c, case_number: caseNumbers.get(c.case_id)! }))
    .sort((a, b) => compareNullsLast(a.conviction_date, b.conviction_date) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return personRecords(rows.people, counts, [])
}

/** Ascending, a missing value after every present one (PostgreSQL's order; intake never stores a conviction without a date). */
function compareNullsLast(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  return a < b ? -1 : 1
}

/** A stored person's whole record as the rules engine reads it, if the person exists. */
export async function loadPersonRecord(db: Db, personId: string): Promise<PersonRecord | undefined> {
  return (await loadPersonRecords(db, [personId])).get(personId)
}

export interface RedetermineOptions {
  county: string
  policy: Policy
  asOf: string
  now: string
  /** The review run deciding, and the stored ids of the counts its file holds: those get a row of the run each. */
  run?: { id: string; convictionIds: ReadonlySet<string> }
}

/**
 * (Re)decides every Prop 64 conviction of a stored person in the county from
 * their whole stored record. A new fact (a case by REST, another county's
 * conviction from a DOJ file) can change any earlier decision, so all are
 * computed. Counts of the deciding review run get one row of the run each
 * (replacing the run's earlier row, so reading a file again never duplicates);
 * every other count gets a row only where its outcome or reason changed, and
 * an event says so. Returns the determinations and the rows written.
 */
export async function redeterminePerson(trx: Db, personId: string, o: RedetermineOptions): Promise<Decided> {
  return (await redeterminePeople(trx, [personId], o)).get(personId) ?? { determinations: [], written: [] }
}

/** `redeterminePerson` for many people of one county at once, in a few statements; the answers by person id. */
async function redeterminePeople(
  trx: Db,
  personIds: readonly string[],
  o: RedetermineOptions
): Promise<Map<string, Decided>> {
  const decided = decideRecords(await loadPersonRecords(trx, personIds), o)
  const latest = await latestDeterminations(
    trx,
    decided.flatMap((p) => p.others.map((d) => d.convictionId))
  )
  const { answers, runRows, rows, events } = decisionRows(decided, o, latest)
  if (o.run && runRows.length > 0) {
    await deleteRunDeterminationsOf(
      trx,
      o.run.id,
      runRows.map((r) => r.conviction_id)
    )
  }
  await insertRows(trx, [
    { table: 'determinations', rows },
    { table: 'events', rows: eventRows(events) }
  ])
  await bringDeliveriesForward(trx, events)
  return answers
}

/** What deciding a person gave: every determination, and the rows written for them. */
export interface Decided {
  determinations: Determination[]
  written: DeterminationRow[]
}

/**
 * `redeterminePeople` for people first stored in this transaction, from the
 * rows just written: nothing is read, and none of their counts has an earlier
 * determination, so every determination is a row to write and an event. The
 * caller writes them with the people (`insertRows`, then
 * `bringDeliveriesForward`).
 */
export function decideNewPeople(
  rows: NewPeopleRows,
  o: Omit<RedetermineOptions, 'run'>
): { answers: Map<string, Decided>; rows: DeterminationRow[]; events: NewEvent[] } {
  return decisionRows(decideRecords(recordsOfNewPeople(rows), o), o, new Map())
}

/** The rules engine's determinations of each record; a deciding review run's counts apart from the others. */
function decideRecords(records: Map<string, PersonRecord>, o: RedetermineOptions) {
  return [...records].map(([personId, record]) => {
    const determinations = determineRecord(record, { asOf: o.asOf, policy: o.policy, county: o.county })
    return {
      personId,
      determinations,
      ofRun: o.run ? determinations.filter((d) => o.run!.convictionIds.has(d.convictionId)) : [],
      others: o.run ? determinations.filter((d) => !o.run!.convictionIds.has(d.convictionId)) : determinations
    }
  })
}

/**
 * The rows to write for decided records: one per count of the deciding run, and one per other count whose outcome
 * or reason differs from `latest` (its newest stored determination), each of those with an event.
 */
function decisionRows(
  decided: ReturnType<typeof decideRecords>,
  o: RedetermineOptions,
  latest: Map<string, DeterminationRow>
) {
  const answers = new Map<string, Decided>()
  const runRows: DeterminationRow[] = []
  const changedRows: Array<{ personId: string; row: DeterminationRow }> = []
  for (const p of decided) {
    const ofRun = p.ofRun.map((d) => determinationRow(d, d.convictionId, o.county, o.run!.id, o.now))
    const changed = p.others
      .filter((d) => {
        const prev = latest.get(d.convictionId)
        return !prev || prev.outcome !== d.outcome || prev.reason !== d.reason
      })
      .map((d) => determinationRow(d, d.convictionId, o.county, null, o.now))
    runRows.push(...ofRun)
    changedRows.push(...changed.map((row) => ({ personId: p.personId, row })))
    answers.set(p.personId, { determinations: p.determinations, written: [...ofRun, ...changed] })
  }
  const events: NewEvent[] = changedRows.map(({ personId, row: r }) => ({
    county: o.county,
    type: 'determination.made' as const,
    recordType: 'determination',
    recordId: r.id,
    at: o.now,
    payload: {
      determinationId: r.id,
      convictionId: r.conviction_id,
      personId,
      outcome: r.outcome,
      remedy: r.remedy,
      reason: r.reason,
      citations: r.citations ? r.citations.split('; ') : [],
      by: 'engine'
    }
  }))
  return { answers, runRows, rows: [...runRows, ...changedRows.map((c) => c.row)], events }
}
