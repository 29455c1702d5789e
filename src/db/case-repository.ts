import type { Kysely, Selectable } from 'kysely'
import { insertRows } from './insert-rows.js'
import { chunksOf } from './chunks.js'
import type { CaseView } from '../../schemas/api/cases.js'
import { ClearfileError } from '../errors.js'
import { latestDeterminations, toDeterminationView, type DeterminationRow } from './determination-repository.js'
import { parseJsonColumn } from './json.js'
import type { ConvictionsTable, CourtCasesTable, Database, PeopleTable, RegistrationsTable } from './schema.js'
import { groupBy } from '../group-by.js'

type Db = Kysely<Database>
export type PersonRow = Selectable<PeopleTable>
export type CaseRow = Selectable<CourtCasesTable>
export type ConvictionRow = Selectable<ConvictionsTable>
export type RegistrationRow = Selectable<RegistrationsTable>

/** A person within one county is identified by DOJ subject id first, then CII. */
export async function findPersonByIdentity(
  db: Db,
  county: string,
  identity: { dojSubjectId?: string | undefined; cii?: string | undefined }
): Promise<PersonRow | undefined> {
  if (identity.dojSubjectId) {
    const bySubject = await db
      .selectFrom('people')
      .selectAll()
      .where('county', '=', county)
      .where('doj_subject_id', '=', identity.dojSubjectId)
      .executeTakeFirst()
    if (bySubject) return bySubject
  }
  if (identity.cii) {
    return db
      .selectFrom('people')
      .selectAll()
      .where('county', '=', county)
      .where('cii', '=', identity.cii)
      .orderBy('created_at')
      .limit(1)
      .executeTakeFirst()
  }
  return undefined
}

/** Stores new people, any number. */
export async function insertPeople(db: Db, people: readonly PersonRow[]): Promise<void> {
  await insertRows(db, [{ table: 'people', rows: people }])
}

/** The county's people holding any of these DOJ subject ids or CII numbers: their identifiers. */
export async function identitiesOnFile(
  db: Db,
  county: string,
  ids: { dojSubjectIds: readonly string[]; ciis: readonly string[] }
): Promise<{ dojSubjectIds: Set<string>; ciis: Set<string> }> {
  const found = { dojSubjectIds: new Set<string>(), ciis: new Set<string>() }
  const asked = { dojSubjectIds: new Set(ids.dojSubjectIds), ciis: new Set(ids.ciis) }
  // Both identifiers in one statement, a union so that each list uses its own index: one round trip for one case.
  // On PostgreSQL each list goes as one array parameter (`ArrayParametersPlugin`): looking up 1,000 ids among a
  // county's 40,000 people took 2–4 ms so, against 8–13 ms as an `in` list. Which index the planner takes depends on
  // the tables' statistics: REST intake keeps them current (`statisticsKeeper`).
  const size = 1000
  for (let i = 0; i < Math.max(ids.dojSubjectIds.length, ids.ciis.length); i += size) {
    const dojSubjectIds = ids.dojSubjectIds.slice(i, i + size)
    const ciis = ids.ciis.slice(i, i + size)
    const by = (column: 'doj_subject_id' | 'cii', values: string[]) =>
      db.selectFrom('people').select(['doj_subject_id', 'cii']).where('county', '=', county).where(column, 'in', values)
    const queries = [
      ...(dojSubjectIds.length > 0 ? [by('doj_subject_id', dojSubjectIds)] : []),
      ...(ciis.length > 0 ? [by('cii', ciis)] : [])
    ]
    const rows = await queries.reduce((union, q) => union.unionAll(q)).execute()
    for (const r of rows) {
      if (r.doj_subject_id !== null && asked.dojSubjectIds.has(r.doj_subject_id))
        found.dojSubjectIds.add(r.doj_subject_id)
      if (r.cii !== null && asked.ciis.has(r.cii)) found.ciis.add(r.cii)
    }
  }
  return found
}

export async function updatePerson(
  db: Db,
  id: string,
  changes: Partial<Pick<PersonRow, 'aliases' | 'cii' | 'doj_subject_id' | 'deceased' | 'updated_at'>>
): Promise<void> {
  await db.updateTable('people').set(changes).where('id', '=', id).execute()
}

export async function findCaseByNaturalKey(
  db: Db,
  key: { county: string; courtId: string; caseNumber: string; personId: string }
): Promise<Pick<CaseRow, 'id'> | undefined> {
  return db
    .selectFrom('court_cases')
    .select('id')
    .where('county', '=', key.county)
    .where('court_id', '=', key.courtId)
    .where('case_number', '=', key.caseNumber)
    .where('person_id', '=', key.personId)
    .executeTakeFirst()
}

/** Stores new cases and their counts, any number. */
export async function insertCases(
  db: Db,
  rows: readonly CaseRow[],
  convictions: readonly ConvictionRow[]
): Promise<void> {
  await insertRows(db, [
    { table: 'court_cases', rows },
    { table: 'convictions', rows: convictions }
  ])
}

/** Stores counts (any number: in chunks, under SQLite's bound-parameter limit). */
export async function insertConvictions(db: Db, rows: readonly ConvictionRow[]): Promise<void> {
  await insertRows(db, [{ table: 'convictions', rows }])
}

/** The stored counts of a case: their ids by count order. */
export async function countOrdersOfCase(
  db: Db,
  caseId: string
): Promise<Array<Pick<ConvictionRow, 'id' | 'count_order'>>> {
  return db.selectFrom('convictions').select(['id', 'count_order']).where('case_id', '=', caseId).execute()
}

/** The convictions of cases, each case's in count order, by case id (a case without convictions left out). */
export async function convictionsOfCases(db: Db, caseIds: readonly string[]): Promise<Map<string, ConvictionRow[]>> {
  const rows: ConvictionRow[] = []
  for (const ids of chunksOf(caseIds, 1))
    rows.push(
      ...(await db
        .selectFrom('convictions')
        .selectAll()
        .where('case_id', 'in', ids)
        .orderBy('case_id')
        .orderBy('count_order')
        .execute())
    )
  return groupBy(rows, (r) => r.case_id)
}

/** A case's county and court, by id; throws when there is no such case. */
export async function caseCourt(db: Db, caseId: string): Promise<Pick<CaseRow, 'id' | 'county' | 'court_id'>> {
  return db
    .selectFrom('court_cases')
    .select(['id', 'county', 'court_id'])
    .where('id', '=', caseId)
    .executeTakeFirstOrThrow()
}

export type CaseWithPerson = Pick<CaseRow, 'id' | 'case_number' | 'court_case_id' | 'court_id' | 'person_id'> &
  Pick<PersonRow, 'name' | 'aliases' | 'dob'>

/** Cases with the name, aliases and birth date of each one's person, by case id (cases that do not exist left out). */
export async function casesWithPeople(db: Db, caseIds: readonly string[]): Promise<Map<string, CaseWithPerson>> {
  const out = new Map<string, CaseWithPerson>()
  for (const ids of chunksOf(caseIds, 1)) {
    const rows = await db
      .selectFrom('court_cases as k')
      .innerJoin('people as p', 'p.id', 'k.person_id')
      .select([
        'k.id',
        'k.case_number',
        'k.court_case_id',
        'k.court_id',
        'p.id as person_id',
        'p.name',
        'p.aliases',
        'p.dob'
      ])
      .where('k.id', 'in', ids)
      .execute()
    for (const r of rows) out.set(r.id, r)
  }
  return out
}

/** A county's cases of defendants born on any of these dates, with each defendant's name, aliases and date of birth. */
export async function casesOfDefendantsBorn(
  db: Db,
  county: string,
  dobs: readonly string[]
): Promise<Array<Pick<CaseRow, 'id' | 'case_number'> & Pick<PersonRow, 'name' | 'aliases' | 'dob'>>> {
  const out = []
  for (const slice of chunksOf(dobs, 1))
    out.push(
      ...(await db
        .selectFrom('court_cases as k')
        .innerJoin('people as p', 'p.id', 'k.person_id')
        .select(['k.id', 'k.case_number', 'p.name', 'p.aliases', 'p.dob'])
        .where('k.county', '=', county)
        .where('p.dob', 'in', slice)
        .orderBy('k.id')
        .execute())
    )
  return out
}

/** The identity facts of stored people the rules engine reads (those that exist). */
export async function factsOfPeople(
  db: Db,
  personIds: readonly string[]
): Promise<Array<Pick<PersonRow, 'id' | 'doj_subject_id' | 'dob' | 'deceased'>>> {
  const out: Array<Pick<PersonRow, 'id' | 'doj_subject_id' | 'dob' | 'deceased'>> = []
  for (const ids of chunksOf(personIds, 1))
    out.push(
      ...(await db
        .selectFrom('people')
        .select(['id', 'doj_subject_id', 'dob', 'deceased'])
        .where('id', 'in', ids)
        .execute())
    )
  return out
}

/** People's counts with a `convicted` disposition, in every county, with their case number; oldest conviction first. */
export async function convictedCountsOfPeople(
  db: Db,
  personIds: readonly string[]
): Promise<
  Array<
    Pick<
      ConvictionRow,
      | 'id'
      | 'code_section_raw'
      | 'code_section'
      | 'severity'
      | 'conviction_date'
      | 'sentence_end_date'
      | 'county'
      | 'court_county'
      | 'offense_date'
      | 'offense_date_basis'
      | 'person_id'
    > &
      Pick<CaseRow, 'case_number'>
  >
> {
  const out = []
  // By person, each person's counts in one chunk: the order holds within a person.
  for (const ids of chunksOf(personIds, 1))
    out.push(
      ...(await db
        .selectFrom('convictions as c')
        .innerJoin('court_cases as k', 'k.id', 'c.case_id')
        .select([
          'c.id',
          'c.code_section_raw',
          'c.code_section',
          'c.severity',
          'c.conviction_date',
          'c.sentence_end_date',
          'c.county',
          'c.court_county',
          'c.offense_date',
          'c.offense_date_basis',
          'c.person_id',
          'k.case_number'
        ])
        .where('c.person_id', 'in', ids)
        .where('c.disposition', '=', 'convicted')
        .orderBy('c.conviction_date')
        .orderBy('c.id')
        .execute())
    )
  return out
}

/** People's PC 290 registrations: their dates and counties. */
export async function registrationsOfPeople(
  db: Db,
  personIds: readonly string[]
): Promise<Array<Pick<RegistrationRow, 'person_id' | 'registration_date' | 'registration_county'>>> {
  const out: Array<Pick<RegistrationRow, 'person_id' | 'registration_date' | 'registration_county'>> = []
  for (const ids of chunksOf(personIds, 1))
    out.push(
      ...(await db
        .selectFrom('registrations')
        .select(['person_id', 'registration_date', 'registration_county'])
        .where('person_id', 'in', ids)
        .execute())
    )
  return out
}

/** Where a person's registrations from one source came from within it (their source keys). */
export async function registrationKeysOfPerson(
  db: Db,
  personId: string,
  source: RegistrationRow['source']
): Promise<Array<Pick<RegistrationRow, 'source_key'>>> {
  return db
    .selectFrom('registrations')
    .select('source_key')
    .where('person_id', '=', personId)
    .where('source', '=', source)
    .execute()
}

/** Stores PC 290 registrations, any number. */
export async function insertRegistrations(db: Db, rows: readonly RegistrationRow[]): Promise<void> {
  await insertRows(db, [{ table: 'registrations', rows }])
}

/**
 * One court case with its person and counts, or undefined when it does not
 * exist *or belongs to another county* — callers answer both with 404 so a key
 * never learns that another county's record exists.
 */
/** Sets a case's court case id (within the county, unless `county` is null); false when there is no such case. */
export async function setCourtCaseId(
  db: Db,
  id: string,
  county: string | null,
  courtCaseId: string | null,
  now: string
): Promise<boolean> {
  let query = db.updateTable('court_cases').set({ court_case_id: courtCaseId, updated_at: now }).where('id', '=', id)
  if (county !== null) query = query.where('county', '=', county)
  const result = await query.executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function getCaseView(db: Db, id: string, county: string | null): Promise<CaseView | undefined> {
  let query = db.selectFrom('court_cases').selectAll().where('id', '=', id)
  if (county !== null) query = query.where('county', '=', county)
  const row = await query.executeTakeFirst()
  if (!row) return undefined
  const [person, counts] = await Promise.all([
    db.selectFrom('people').selectAll().where('id', '=', row.person_id).executeTakeFirstOrThrow(),
    db.selectFrom('convictions').selectAll().where('case_id', '=', id).orderBy('count_order').execute()
  ])
  return toCaseView(
    row,
    person,
    counts,
    await latestDeterminations(
      db,
      counts.map((c) => c.id)
    )
  )
}

export function toCaseView(
  row: CaseRow,
  person: PersonRow,
  counts: ConvictionRow[],
  determinations: Map<string, DeterminationRow>
): CaseView {
  return {
    id: row.id,
    county: row.county,
    court: row.court_id,
    caseNumber: row.case_number,
    courtCaseId: row.court_case_id ?? null,
    source: row.source,
    person: {
      id: person.id,
      name: person.name,
      aliases: parseJsonColumn<string[]>(person.aliases, []),
      dob: person.dob,
      cii: person.cii,
      dojSubjectId: person.doj_subject_id,
      deceased: person.deceased === 1
    },
    counts: counts.map((c) => ({
      id: c.id,
      countOrder: c.count_order,
      codeSection: c.code_section_raw,
      normalizedSection: c.code_section,
      description: c.description,
      severity: c.severity,
      disposition: c.disposition,
      convictionDate: c.conviction_date,
      offenseDate: c.offense_date,
      sentence: parseJsonColumn(c.sentence, []),
      sentenceEndDate: c.sentence_end_date,
      determination: determinations.has(c.id) ? toDeterminationView(determinations.get(c.id)!) : null
    })),
    createdAt: row.created_at,
    updatedAt: row.updated_at
  }
}

/** A case the key may see (its county's, or any for admin keys); 404 otherwise, as if it did not exist. */
export async function findCaseInScope(
  db: Db,
  id: string,
  county: string | null
): Promise<Pick<CaseRow, 'id' | 'county'>> {
  let q = db.selectFrom('court_cases').select(['id', 'county']).where('id', '=', id)
  if (county !== null) q = q.where('county', '=', county)
  const row = await q.executeTakeFirst()
  if (!row) throw new ClearfileError('CLEARFILE_ERR_NOT_FOUND', 'No such case')
  return row
}
