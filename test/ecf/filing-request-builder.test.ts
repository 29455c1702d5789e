import t from 'tap'
import { filingRequestBuilder } from '../../src/ecf/filing-request-builder.js'
import type { CourtPolicy } from '../../src/ecf/court-adapter.js'
import { policyProblems } from '../../src/ecf/court-policy.js'
import { filingRequestForPapers } from '../../src/ecf/messages.js'
import { filingRequestInput } from './review-filing.js'

t.test('a message built on a worker thread is the one built on this thread, byte for byte', async (t) => {
  const builder = filingRequestBuilder({ threads: 1, idleMs: 60_000 })
  t.teardown(() => builder.close())
  const inputs = [
    filingRequestInput(),
    filingRequestInput({ motion: 'MOTION-PC1203' }, 40_000),
    { ...filingRequestInput(), filingId: 'f-0002', case: { ...filingRequestInput().case, courtCaseId: 'SF-77' } }
  ]
  const built = await Promise.all(inputs.map((input) => builder.build(input)))
  for (const [i, input] of inputs.entries())
    t.same(built[i], { xml: filingRequestForPapers(input) }, `message ${i + 1}`)
})

t.test(
  'a message the schemas refuse is CLEARFILE_ERR_ECF_INVALID with the same reasons as on this thread, and the next one is built',
  async (t) => {
    const builder = filingRequestBuilder({ threads: 1, idleMs: 60_000 })
    t.teardown(() => builder.close())
    const invalid = { ...filingRequestInput(), submittedAt: 'yesterday' }
    const here = t.throws(() => filingRequestForPapers(invalid)) as Error
    t.match(here, { code: 'CLEARFILE_ERR_ECF_INVALID' })
    await t.rejects(builder.build(invalid), {
      name: 'ClearfileError',
      code: 'CLEARFILE_ERR_ECF_INVALID',
      message: here.message
    })
    t.same(await builder.build(filingRequestInput()), { xml: filingRequestForPapers(filingRequestInput()) })
  }
)

t.test('with no threads the message is built on this thread', async (t) => {
  const builder = filingRequestBuilder({ threads: 0, idleMs: 60_000 })
  t.equal(builder.threads, 0)
  t.same(await builder.build(filingRequestInput()), { xml: filingRequestForPapers(filingRequestInput()) })
  await builder.close()
})

t.test(
  "a message built with its court's policy comes with what that policy refuses, as a check of it afterwards finds, on a worker thread and on this one",
  async (t) => {
    const policy = (registerActions: string[]): CourtPolicy => ({
      versionId: '3',
      codeLists: [
        { element: 'j:RegisterActionDescriptionText', uri: 'https://efm.example/docket', codes: registerActions }
      ],
      operations: ['ReviewFiling'],
      caseTypes: ['Criminal'],
      acceptsConfidential: true,
      maxAttachmentBytes: 30_000,
      maxMessageBytes: null
    })
    const refusing = policy(['Motion', 'Proposed order'])
    const fitting = policy(['Motion', 'Proposed Order'])
    for (const threads of [0, 1]) {
      const builder = filingRequestBuilder({ threads, idleMs: 60_000 })
      t.teardown(() => builder.close())
      const input = filingRequestInput({}, 40_000)
      const xml = filingRequestForPapers(input)
      const refused = await builder.build(input, refusing)
      t.equal(refused.xml, xml, `${threads} threads: the same message`)
      t.same(refused.problems, policyProblems(xml, refusing), `${threads} threads: what a check afterwards finds`)
      t.match(refused.problems, [/a document is \d+ bytes/, /"Proposed Order" is not on the court.s code list/])
      t.same((await builder.build(input, fitting)).problems, policyProblems(xml, fitting))
      t.same(await builder.problems(xml, refusing), policyProblems(xml, refusing), `${threads} threads: a check alone`)
    }
  }
)
