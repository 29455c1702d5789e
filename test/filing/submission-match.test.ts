import fc from 'fast-check'
import t from 'tap'
import type { ListedCourtFiling, SubmissionListing } from '../../src/ecf/court-adapter.js'
import { matchSubmission } from '../../src/filing/submission-match.js'

const SINCE = new Date('2026-11-30T10:00:00.000Z')
const lookup = { filingId: 'F-ours', caseNumbers: ['SCN123456'], since: SINCE }
const nothingElse = { claimed: new Set<string>(), unsettledInCase: 0 }

function listed(courtFilingId: string, over: Partial<ListedCourtFiling> = {}): ListedCourtFiling {
  return {
    courtFilingId,
    filingId: null,
    status: 'received',
    ruling: null,
    statusText: null,
    caseTrackingId: 'SCN123456',
    receivedAt: '2026-11-30T10:00:05.000Z',
    submitterId: 'da-sf',
    ...over
  }
}
const blind = (...filings: ListedCourtFiling[]): SubmissionListing => ({
  echoesFilerIds: false,
  filerId: 'da-sf',
  filings
})
const echoing = (...filings: ListedCourtFiling[]): SubmissionListing => ({
  echoesFilerIds: true,
  filerId: 'da-sf',
  filings
})

t.test('a court that lists our filing id: found by it, whatever else it lists', async (t) => {
  const listing = echoing(listed('C-1'), listed('C-2', { filingId: 'F-ours' }))
  t.match(matchSubmission(lookup, listing, nothingElse), {
    kind: 'found',
    by: 'filer id',
    status: { courtFilingId: 'C-2' }
  })
  t.same(
    matchSubmission(lookup, echoing(listed('C-1', { filingId: 'F-other' })), nothingElse),
    { kind: 'absent' },
    'a court that returns filer ids and not ours does not have it'
  )
})

t.test('a court without filer ids: the one unaccounted filing in our case since it was made is ours', async (t) => {
  const listing = blind(
    listed('C-old', { receivedAt: '2026-11-01T09:00:00Z' }),
    listed('C-mine-before'),
    listed('C-new'),
    listed('C-elsewhere', { caseTrackingId: 'SCN999999' }),
    listed('C-defense', { submitterId: 'defense-counsel-77' })
  )
  t.match(matchSubmission(lookup, listing, { claimed: new Set(['C-mine-before']), unsettledInCase: 0 }), {
    kind: 'found',
    by: 'case',
    status: { courtFilingId: 'C-new' }
  })
  t.match(
    matchSubmission(lookup, blind(listed('C-1', { caseTrackingId: ' scn123456 ' })), nothingElse),
    { kind: 'found' },
    'the case number in any case and spacing'
  )
  t.match(
    matchSubmission(lookup, blind(listed('C-1', { receivedAt: '2026-11-30T09:55:00Z' })), nothingElse),
    { kind: 'found' },
    "five minutes before by the court's clock is within the slack"
  )
})

t.test('a court without filer ids: none unaccounted for in our case means it is not there', async (t) => {
  t.same(matchSubmission(lookup, blind(), nothingElse), { kind: 'absent' })
  t.same(
    matchSubmission(
      lookup,
      blind(listed('C-taken'), listed('C-old', { receivedAt: '2026-10-01' }), listed('C-x', { caseTrackingId: 'X1' })),
      { claimed: new Set(['C-taken']), unsettledInCase: 0 }
    ),
    { kind: 'absent' }
  )
})

t.test('a court without filer ids: anything that cannot be told apart waits for a person, with the ids', async (t) => {
  t.match(matchSubmission(lookup, blind(listed('C-1'), listed('C-2')), nothingElse), {
    kind: 'undetermined',
    candidates: ['C-1', 'C-2'],
    reason: /2 filings .* \(C-1, C-2\)/
  })
  t.match(matchSubmission(lookup, blind(listed('C-1', { caseTrackingId: null })), nothingElse), {
    kind: 'undetermined',
    reason: /without our filing id and without its case/
  })
  t.match(
    matchSubmission(lookup, blind(listed('C-1', { submitterId: null })), nothingElse),
    { kind: 'undetermined', reason: /without its submitter; .* or another filer's/ },
    "a filing whose submitter the court does not give could be another filer's"
  )
  t.match(matchSubmission(lookup, blind(listed('C-1')), { claimed: new Set(), unsettledInCase: 1 }), {
    kind: 'undetermined',
    reason: /another of our filings in that case/
  })
})

/*
 * The court as a world the test knows and the matcher does not: our filing may or may not be at the court; the
 * court holds filings of ours it gave ids to, filings of ours from before in the same case, and filings of other
 * filers; it lists them with or without case ids, times and submitters. Whatever it lists, the matcher must never call the filing
 * absent while the court lists it (a resend would file it twice), never take another filing of ours for it, and —
 * when nobody else filed in the case since — be right.
 */
t.test(
  'property: never absent while the court lists it, never another of ours, right when the case is ours alone',
  async (t) => {
    const filing = fc.record({
      mine: fc.boolean(),
      sameCase: fc.boolean(),
      before: fc.boolean(),
      caseShown: fc.boolean(),
      timeShown: fc.boolean(),
      submitterShown: fc.boolean()
    })
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.array(filing, { maxLength: 12 }),
        fc.boolean(),
        (held, caseShownForOurs, submitterShownForOurs, others, echoes) => {
          const filings: ListedCourtFiling[] = []
          const claimed = new Set<string>()
          others.forEach((o, i) => {
            const id = `C-${i}`
            if (o.mine) claimed.add(id)
            filings.push(
              listed(id, {
                filingId: echoes ? (o.mine ? `F-${i}` : `X-${i}`) : null,
                caseTrackingId: o.caseShown ? (o.sameCase ? 'SCN123456' : `SCN${900000 + i}`) : null,
                receivedAt: o.timeShown ? (o.before ? '2026-10-01T00:00:00Z' : '2026-11-30T11:00:00Z') : null,
                submitterId: o.submitterShown ? (o.mine ? 'da-sf' : 'someone-else') : null
              })
            )
          })
          if (held)
            filings.splice(others.length > 0 ? others.length % (filings.length + 1) : 0, 0, {
              ...listed('C-ours', {
                caseTrackingId: caseShownForOurs ? 'SCN123456' : null,
                submitterId: submitterShownForOurs ? 'da-sf' : null
              }),
              filingId: echoes ? 'F-ours' : null
            })
          const match = matchSubmission(
            lookup,
            { echoesFilerIds: echoes, filerId: 'da-sf', filings },
            { claimed, unsettledInCase: 0 }
          )
          if (held && match.kind === 'absent') throw new Error('called absent while the court lists it')
          if (match.kind === 'found' && claimed.has(match.status.courtFilingId)) throw new Error('took another of ours')
          // Nobody else filed in our case since ours was made (or could have, by what the court shows): exact.
          const othersCouldBe = others.some(
            (o) => !o.mine && (!o.caseShown || o.sameCase) && !(o.timeShown && o.before) && !o.submitterShown
          )
          if (!othersCouldBe && ((caseShownForOurs && submitterShownForOurs) || echoes || !held)) {
            const expected = held ? 'found' : 'absent'
            if (match.kind !== expected) throw new Error(`expected ${expected}, got ${JSON.stringify(match)}`)
            if (match.kind === 'found' && match.status.courtFilingId !== 'C-ours')
              throw new Error('found the wrong one')
          }
        }
      ),
      { numRuns: 2000 }
    )
    t.pass('2,000 generated court lists')
  }
)

t.test("a court that lists cases by its own id: the filing is in our case when that id is the case's", async (t) => {
  const withCourtId = { ...lookup, courtCaseIds: ['CPF-26-000123'] }
  const listing = blind(listed('C-new', { caseTrackingId: 'cpf-26-000123' }))
  t.match(matchSubmission(withCourtId, listing, nothingElse), {
    kind: 'found',
    by: 'case',
    status: { courtFilingId: 'C-new' }
  })
  t.match(
    matchSubmission(lookup, listing, nothingElse),
    { kind: 'absent' },
    "without the court's id for the case, a filing listed under it is in another case"
  )
  t.match(
    matchSubmission(withCourtId, blind(listed('C-other', { caseTrackingId: 'CPF-26-000124' })), nothingElse),
    { kind: 'absent' },
    "the court's id is matched whole, not by a prefix"
  )
})
