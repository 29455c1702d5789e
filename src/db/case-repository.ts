import type { Kysely, Selectable } from 'kysely'
import type { CaseView } from '../../schemas/api/cases.js'
import { ClearfileError } from '../errors.js'
import { latestDeterminations, toDeterminationView, type DeterminationRow } from './determination-repository.js'
import { parseJsonColumn } from './json.js'
import type { ConvictionsTable, CourtCasesTable, Database, PeopleTable } from './schema.js'

type Db = Kysely<Database>
export type PersonRow = Selectable<PeopleTable>
export type CaseRow = Selectable<CourtCasesTable>
export type ConvictionRow = Selectable<ConvictionsTable>

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

export async function insertPerson(db: Db, person: PersonRow): Promise<void> {
  await db.insertInto('people').values(person).execute()
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

export async function insertCase(db: Db, row: CaseRow, convictions: ConvictionRow[]): Promise<void> {
  await db.insertInto('court_cases').values(row).execute()
  if (convictions.length > 0) await db.insertInto('convictions').values(convictions).execute()
}

/**
 * One court case with its person and counts, or undefined when it does not
 * exist *or belongs to another county* — callers answer both with 404 so a key
 * never learns that another county's record exists.
 */
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
