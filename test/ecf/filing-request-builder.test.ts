import t from 'tap'
import { filingRequestBuilder } from '../../src/ecf/filing-request-builder.js'
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
  for (const [i, input] of inputs.entries()) t.equal(built[i], filingRequestForPapers(input), `message ${i + 1}`)
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
    t.equal(await builder.build(filingRequestInput()), filingRequestForPapers(filingRequestInput()))
  }
)

t.test('with no threads the message is built on this thread', async (t) => {
  const builder = filingRequestBuilder({ threads: 0, idleMs: 60_000 })
  t.equal(builder.threads, 0)
  t.equal(await builder.build(filingRequestInput()), filingRequestForPapers(filingRequestInput()))
  await builder.close()
})
