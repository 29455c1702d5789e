import t from 'tap'
import { storedCasesPapers } from '../../src/documents/stored-papers.js'
import { bearer, buildTestApp, caseBody } from '../helper.js'

/** `n` cases of `n` people, case i with i % 3 + 1 counts of HS 11359 (felonies, reduced to misdemeanors). */
const cases = (n: number, from = 0) =>
  Array.from({ length: n }, (_, k) => {
    const i = from + k
    return caseBody({
      person: {
        name: `GARCIA, MARIA ${i}`,
        cii: `A${String(i).padStart(8, '0')}`,
        dojSubjectId: String(2_000_000 + i)
      },
      case: { caseNumber: `SCN${100_000 + i}` },
      counts: Array.from({ length: (i % 3) + 1 }, () => ({
        codeSection: '11359 HS',
        severity: 'F',
        disposition: 'convicted',
        convictionDate: '2010-05-01',
        sentence: [{ kind: 'jail', length: 30, unit: 'days' }]
      }))
    })
  })

t.test(
  "a county's papers are read in batches, each case with its own person and counts, in the order asked",
  async (t) => {
    const { app, handle, keyFor } = await buildTestApp(t)
    const key = await keyFor('da_system', 'SAN FRANCISCO')
    const ids: string[] = []
    // More cases than one statement's list holds (1,000), so the batches meet.
    for (const from of [0, 600]) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/cases/batch',
        headers: bearer(key),
        payload: { cases: cases(600, from) }
      })
      t.equal(res.statusCode, 201, res.body.slice(0, 300))
      ids.push(...res.json().cases.map((c: { id: string }) => c.id))
    }
    // Asked out of order, with a case that does not exist among them.
    const asked = [...ids].reverse()
    asked.splice(7, 0, '01890000-0000-7000-8000-000000000000')
    const papers = await storedCasesPapers(handle.db, asked)
    t.equal(papers.length, asked.length, 'one answer per case asked')
    t.equal(papers[7], undefined, 'none for a case that does not exist')
    const found = papers.filter((p) => p !== undefined)
    t.equal(found.length, 1200, 'every stored case')
    let wrong = 0
    for (const [i, p] of papers.entries()) {
      if (i === 7) continue
      const n = 1199 - (i > 7 ? i - 1 : i)
      if (
        !p ||
        p.caseId !== asked[i] ||
        p.case.caseNumber !== `SCN${100_000 + n}` ||
        p.person.name !== `GARCIA, MARIA ${n}` ||
        p.case.counts.length !== (n % 3) + 1 ||
        p.case.counts.some((c) => c.outcome !== 'reduce_to_misdemeanor')
      )
        wrong++
    }
    t.equal(wrong, 0, 'each case its own person, number and counts, each count reduced')
    t.same(await storedCasesPapers(handle.db, []), [], 'nothing asked, nothing read')
  }
)
