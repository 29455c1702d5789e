import { insertCases, insertConvictions, insertPeople } from '../src/db/case-repository.js'
import type { Db } from '../src/db/database.js'
import { insertDeterminations } from '../src/db/determination-repository.js'
import { insertFilings } from '../src/db/filing-repository.js'
import { newId } from '../src/db/ids.js'
import type { FilingStateValue } from '../src/db/schema.js'

const GIVEN = ['DAVID', 'MARIA', 'JOHN', 'ANA', 'LUIS', 'GRACE', 'TOMAS', 'LEE']
const FAMILY = ['NGUYEN', 'GARCIA', 'SMITH', 'DE LA CRUZ', "O'BRIEN", 'KIM', 'JOHNSON', 'LOPEZ']
const STATES: FilingStateValue[] = ['queued', 'submitted', 'accepted', 'granted', 'denied', 'partially_granted']

/** What seedRecords stored, person by person, so a test can say what a listing should hold. */
export interface SeededPerson {
  personId: string
  name: string
  cii: string
  caseNumber: string
  court: string
  determinationId: string
  filingId: string
  filingState: FilingStateValue
}

/**
 * `n` people of a county, each with one case, one HS 11357 conviction waiting for review and one filing: the
 * sizes a county reaches, written as rows (the listings under test read them; how they were made is tested
 * elsewhere). Names, courts and states cycle so filters have something to find; person i is `n`-th unique by
 * CII `S<i>` and case number `SCN<i>`.
 */
export async function seedRecords(
  db: Db,
  opts: { county: string; n: number; courts: readonly string[]; prefix?: string; at?: string }
): Promise<SeededPerson[]> {
  const at = new Date(opts.at ?? '2026-11-01T12:00:00Z')
  const prefix = opts.prefix ?? ''
  const seeded: SeededPerson[] = []
  for (let i = 0; i < opts.n; i++) {
    seeded.push({
      personId: newId(),
      name: `${FAMILY[i % FAMILY.length]},${GIVEN[Math.floor(i / FAMILY.length) % GIVEN.length]} ${String.fromCharCode(65 + (i % 26))}${i}`,
      cii: `S${prefix}${String(i).padStart(8, '0')}`,
      caseNumber: `SCN${prefix}${String(i).padStart(6, '0')}`,
      court: opts.courts[i % opts.courts.length]!,
      determinationId: newId(),
      filingId: newId(),
      filingState: STATES[i % STATES.length]!
    })
  }
  const stamp = (i: number) => new Date(at.getTime() + i * 1000).toISOString()
  await db.transaction().execute(async (trx) => {
    await insertPeople(
      trx,
      seeded.map((s, i) => ({
        id: s.personId,
        county: opts.county,
        doj_subject_id: null,
        cii: s.cii,
        name: s.name,
        aliases: '[]',
        dob: '1970-01-01',
        deceased: 0,
        created_at: stamp(i),
        updated_at: stamp(i)
      }))
    )
    const caseIds = seeded.map(() => newId())
    await insertCases(
      trx,
      seeded.map((s, i) => ({
        id: caseIds[i]!,
        person_id: s.personId,
        county: opts.county,
        court_id: s.court,
        case_number: s.caseNumber,
        court_case_id: null,
        cycle: null,
        source: 'api' as const,
        created_by: null,
        created_at: stamp(i),
        updated_at: stamp(i)
      })),
      []
    )
    const convictionIds = seeded.map(() => newId())
    await insertConvictions(
      trx,
      seeded.map((s, i) => ({
        id: convictionIds[i]!,
        case_id: caseIds[i]!,
        person_id: s.personId,
        county: opts.county,
        count_order: '001001001000',
        code_section_raw: '11357 HS',
        code_section: 'HS 11357',
        description: null,
        severity: 'M' as const,
        disposition: 'CONVICTED',
        conviction_date: `${1990 + (i % 25)}-0${1 + (i % 9)}-1${i % 10}`,
        sentence: '[]',
        sentence_end_date: null,
        created_at: stamp(i),
        court_county: null,
        offense_date: null,
        offense_date_basis: null
      }))
    )
    await insertDeterminations(
      trx,
      seeded.map((s, i) => ({
        id: s.determinationId,
        conviction_id: convictionIds[i]!,
        review_run_id: null,
        county: opts.county,
        outcome: 'needs_review' as const,
        remedy: 'unknown' as const,
        explanation: '{}',
        decided_outcome: null,
        decided_by: null,
        decision_reason: null,
        decided_at: null,
        created_at: stamp(i),
        section: 'HS 11357',
        reason: i % 2 === 0 ? 'severity not recorded' : 'sentence not complete',
        citations: null,
        law_facts: null
      }))
    )
    await insertFilings(
      trx,
      seeded.map((s, i) => ({
        id: s.filingId,
        county: opts.county,
        court_id: s.court,
        adapter: 'simulated',
        state: s.filingState,
        court_filing_id: s.filingState === 'queued' ? null : `CF-${prefix}${i}`,
        attempts: 0,
        last_error: null,
        review_run_id: null,
        created_at: stamp(i),
        updated_at: stamp(i)
      })),
      seeded.map((s, i) => ({ filing_id: s.filingId, case_id: caseIds[i]! })),
      []
    )
  })
  return seeded
}
