import type { Kysely } from 'kysely'
import { determinationRow, insertDeterminations, latestDeterminations } from '../db/determination-repository.js'
import { appendEvents } from '../db/event-repository.js'
import type { Database } from '../db/schema.js'
import { parseCodeSection } from './code-section.js'
import { determineRecord, type Policy } from './policy.js'
import type { ConvictionFact, PersonRecord } from './record.js'

/** A stored person's convictions in one county, as the rules engine reads them. */
export async function loadPersonRecord (db: Kysely<Database>, personId: string, county: string): Promise<PersonRecord | undefined> {
  const person = await db.selectFrom('people').select(['id', 'doj_subject_id', 'dob', 'deceased']).where('id', '=', personId).executeTakeFirst()
  if (!person) return undefined
  const rows = await db.selectFrom('convictions as c')
    .innerJoin('court_cases as k', 'k.id', 'c.case_id')
    .select(['c.id', 'c.code_section_raw', 'c.severity', 'c.conviction_date', 'c.sentence_end_date', 'c.county', 'c.disposition', 'k.case_number'])
    .where('c.person_id', '=', personId).where('c.county', '=', county).where('c.disposition', '=', 'convicted')
    .orderBy('c.conviction_date').orderBy('c.id')
    .execute()
  const convictions: ConvictionFact[] = rows.map((r) => ({
    id: r.id,
    section: parseCodeSection(r.code_section_raw),
    sectionText: r.code_section_raw,
    severity: r.severity,
    date: r.conviction_date,
    sentenceEnd: r.sentence_end_date,
    county: r.county,
    caseNumber: r.case_number
  }))
  return { subjectId: person.doj_subject_id ?? person.id, dob: person.dob, deceased: person.deceased === 1, convictions, registrations: [] }
}

/**
 * (Re)decides every Prop 64 conviction of a stored person in a county. A new
 * case can add a prior that changes an earlier decision, so all are computed;
 * a row is added only where the outcome or its reason changed. Returns the
 * number of determinations written.
 */
export async function redetermineStoredPerson (
  db: Kysely<Database>, personId: string, county: string, policy: Policy, asOf: string, now: string
): Promise<number> {
  const record = await loadPersonRecord(db, personId, county)
  if (!record) return 0
  const determinations = determineRecord(record, { asOf, policy, county })
  const latest = await latestDeterminations(db, determinations.map((d) => d.convictionId))
  const changed = determinations.filter((d) => {
    const prev = latest.get(d.convictionId)
    return !prev || prev.outcome !== d.outcome || prev.reason !== d.reason
  })
  const rows = changed.map((d) => determinationRow(d, d.convictionId, county, null, now))
  await insertDeterminations(db, rows)
  await appendEvents(db, rows.map((r) => ({
    county, type: 'determination.made' as const, recordType: 'determination', recordId: r.id, at: now,
    payload: { determinationId: r.id, convictionId: r.conviction_id, personId, outcome: r.outcome, remedy: r.remedy, reason: r.reason, citations: r.citations ? r.citations.split('; ') : [], by: 'engine' }
  })))
  return changed.length
}
