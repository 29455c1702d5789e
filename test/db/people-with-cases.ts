import { newCaseRows, newPersonRow } from '../../src/ingest/person-records.js'

const now = '2026-12-02T00:00:00.000Z'

/** `n` new people of San Francisco, a case each with two counts: rows to write to three tables. */
export function peopleWithCases(n: number, from = 0) {
  const people = Array.from({ length: n }, (_, i) =>
    newPersonRow(
      { name: `PERSON ${from + i}`, dob: '1970-02-03', dojSubjectId: String(from + i) },
      { county: 'SAN FRANCISCO', now, audit: [] }
    )
  )
  const cases = people.map((p, i) =>
    newCaseRows(
      p.id,
      'SAN FRANCISCO',
      {
        courtId: 'CA-SF',
        caseNumber: `SCN${from + i}`,
        cycle: null,
        source: 'api',
        createdBy: null,
        counts: ['001', '002'].map((countOrder) => ({
          countOrder,
          codeSectionRaw: '11359 HS',
          section: null,
          description: null,
          severity: 'F' as const,
          disposition: 'convicted',
          convictionDate: '2010-05-01',
          offenseDate: null,
          offenseDateBasis: null,
          sentence: [],
          sentenceEndDate: null,
          courtCounty: null
        }))
      },
      now
    )
  )
  return { people, cases: cases.map((c) => c.kase), convictions: cases.flatMap((c) => c.convictions) }
}
