import t from 'tap'
import fc from 'fast-check'
import { identitiesOnFile, insertPeople } from '../../src/db/case-repository.js'
import { newPersonRow } from '../../src/ingest/person-records.js'
import { openTestDatabase } from '../helper.js'

const NOW = '2026-12-04T12:00:00.000Z'

// What a DA system or a DOJ file may put in an identifier, and what an array literal or a list of parameters must
// carry through whole: quotes, commas, braces, backslashes, spaces, the word NULL, letters outside ASCII.
const oddIdentifier = fc
  .array(fc.constantFrom('A', '7', ' ', ',', '"', "'", '{', '}', '\\', 'NULL', 'null', 'Ñ', 'é', '(', ')', '[', ']'), {
    minLength: 1,
    maxLength: 6
  })
  .map((parts) => parts.join(''))

t.test('people are found by any identifier they were stored with, and only by those', async (t) => {
  const { db } = await openTestDatabase(t)
  let person = 0
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(oddIdentifier, { minLength: 2, maxLength: 40 }),
      fc.uniqueArray(oddIdentifier, { minLength: 2, maxLength: 40 }),
      async (subjectIds, ciis) => {
        // Each run a county of its own, so that what an earlier run stored is never found.
        const county = `COUNTY ${++person}`
        const stored = { subjectIds: subjectIds.filter((_, i) => i % 2 === 0), ciis: ciis.filter((_, i) => i % 2) }
        await insertPeople(db, [
          ...stored.subjectIds.map((id, i) =>
            newPersonRow(
              { name: `SUBJECT, ${i}`, dob: '1970-01-01', dojSubjectId: id },
              { county, now: NOW, audit: [] }
            )
          ),
          ...stored.ciis.map((cii, i) =>
            newPersonRow({ name: `CII, ${i}`, dob: '1970-01-01', cii }, { county, now: NOW, audit: [] })
          )
        ])
        const found = await identitiesOnFile(db, county, { dojSubjectIds: subjectIds, ciis })
        t.same([...found.dojSubjectIds].sort(), [...stored.subjectIds].sort(), 'subject ids')
        t.same([...found.ciis].sort(), [...stored.ciis].sort(), 'CII numbers')
        // Another county's people are not these.
        const elsewhere = await identitiesOnFile(db, `${county} ELSEWHERE`, { dojSubjectIds: subjectIds, ciis })
        t.same([elsewhere.dojSubjectIds.size, elsewhere.ciis.size], [0, 0], 'none in another county')
      }
    ),
    { numRuns: 60, seed: 20261204 }
  )
})
