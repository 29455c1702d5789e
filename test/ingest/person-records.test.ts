import t from 'tap'
import {
  insertCases,
  insertPeople,
  type CaseRow,
  type ConvictionRow,
  type PersonRow
} from '../../src/db/case-repository.js'
import { parseCodeSection } from '../../src/eligibility/code-section.js'
import {
  loadPersonRecords,
  newCaseRows,
  newPersonRow,
  recordsOfNewPeople,
  type CountFacts
} from '../../src/ingest/person-records.js'
import { seededRandom } from '../../src/seeded-random.js'
import { openTestDatabase } from '../helper.js'

// Spellings as DA systems and the DOJ write them, and texts that are no code section at all.
const SECTIONS = [
  '11359 HS',
  '11359HS',
  'HS 11359(b)',
  '11357(A) HS',
  '11360(a)(1) H&S',
  '187PC',
  '1187 PC',
  '667.5(c) PC',
  '288 PC',
  'VC 23152(a)',
  'POSS MARIJUANA',
  'UNKNOWN OFFENSE'
]
const DISPOSITIONS = ['convicted', 'convicted', 'convicted', 'dismissed', 'acquitted']
const COUNTIES = [null, null, 'LOS ANGELES', 'ALAMEDA']

function generatedPeople(seed: number, n: number) {
  const random = seededRandom(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  // Few distinct dates, so that counts share a conviction date and the order falls to their ids.
  const date = () => `${2000 + Math.floor(random() * 4)}-0${1 + Math.floor(random() * 2)}-15`
  const now = '2026-12-02T00:00:00.000Z'
  const people: PersonRow[] = []
  const cases: CaseRow[] = []
  const convictions: ConvictionRow[] = []
  for (let p = 0; p < n; p++) {
    const person = newPersonRow(
      { name: `PERSON ${p}`, dob: '1970-02-03', dojSubjectId: random() < 0.8 ? String(seed * 1_000_000 + p) : null },
      { county: 'SAN FRANCISCO', now, audit: [] }
    )
    people.push(person)
    for (let c = 0, cs = 1 + Math.floor(random() * 3); c < cs; c++) {
      const counts: CountFacts[] = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, k) => {
        const raw = pick(SECTIONS)
        const convictionDate = date()
        return {
          countOrder: String(k + 1).padStart(3, '0'),
          codeSectionRaw: raw,
          section: parseCodeSection(raw),
          description: null,
          severity: pick(['F', 'M', 'I', null] as const),
          disposition: pick(DISPOSITIONS),
          convictionDate,
          offenseDate: random() < 0.5 ? convictionDate : null,
          offenseDateBasis: random() < 0.5 ? 'offense' : null,
          sentence: [],
          sentenceEndDate: random() < 0.5 ? convictionDate : null,
          courtCounty: pick(COUNTIES)
        }
      })
      const rows = newCaseRows(
        person.id,
        'SAN FRANCISCO',
        { courtId: 'CA-SF', caseNumber: `SCN${p}-${c}`, cycle: null, source: 'api', createdBy: null, counts },
        now
      )
      cases.push(rows.kase)
      convictions.push(...rows.convictions)
    }
  }
  return { people, cases, convictions }
}

t.test("a new person's record built from the rows just stored is the record read back from the database", async (t) => {
  const { db } = await openTestDatabase(t)
  for (const seed of [1, 2, 3]) {
    const rows = generatedPeople(seed, 60)
    await insertPeople(db, rows.people)
    await insertCases(db, rows.cases, rows.convictions)
    const built = recordsOfNewPeople(rows)
    const read = await loadPersonRecords(
      db,
      rows.people.map((p) => p.id)
    )
    t.equal(built.size, rows.people.length, `seed ${seed}: a record for every person`)
    t.strictSame(built, read, `seed ${seed}: the same records, counts in the same order`)
    const counts = [...built.values()].reduce((n, r) => n + r.convictions.length, 0)
    t.equal(counts, rows.convictions.filter((c) => c.disposition === 'convicted').length, 'every convicted count')
  }
})
