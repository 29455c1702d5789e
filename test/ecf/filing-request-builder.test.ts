import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { filingRequestBuilder, runFilingRequestTask } from '../../src/ecf/filing-request-builder.js'
import type { CourtPolicy } from '../../src/ecf/court-adapter.js'
import { policyProblems } from '../../src/ecf/court-policy.js'
import { filingRequestForPapers } from '../../src/ecf/messages.js'
import { keepSync, localBlobStore, readKeptSync } from '../../src/storage/local-blob-store.js'
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

t.test(
  "a message built from its papers' files by the builder's thread is the one built from their bytes, and is kept where the local store keeps it",
  async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'clearfile-builder-'))
    t.teardown(() => rmSync(root, { recursive: true, force: true }))
    const store = localBlobStore(root)
    t.equal(store.root, root, 'the local store says where it keeps its files')
    const builder = filingRequestBuilder({ threads: 1, idleMs: 60_000 })
    t.teardown(() => builder.close())
    t.equal(filingRequestBuilder({ threads: 0, idleMs: 60_000 }).buildFromFiles, undefined, 'not on the calling thread')
    const input = filingRequestInput({}, 40_000)
    const { motion, order, ...rest } = input
    await store.put('documents/aa/motion.pdf', motion)
    await store.put('documents/bb/order.pdf', order)
    const files = {
      root,
      motion: 'documents/aa/motion.pdf',
      order: 'documents/bb/order.pdf',
      message: 'filings/f-0001.xml'
    }
    const built = await builder.buildFromFiles!(rest, files)
    t.same(built, { xml: filingRequestForPapers(input) })
    t.equal((await store.get('filings/f-0001.xml'))?.toString('utf8'), built.xml, 'kept whole, in a folder made for it')
    t.same(readdirSync(join(root, 'filings')), ['f-0001.xml'], 'no temporary file left')

    // Its court's policy: what it refuses comes back, and the message is kept all the same (as a build from bytes is).
    const refusing: CourtPolicy = {
      versionId: '3',
      codeLists: [],
      operations: ['ReviewFiling'],
      caseTypes: ['Criminal'],
      acceptsConfidential: true,
      maxAttachmentBytes: 30_000,
      maxMessageBytes: null
    }
    const again = { ...files, message: 'filings/f-0002.xml' }
    const checked = await builder.buildFromFiles!({ ...rest, filingId: 'f-0002' }, again, refusing)
    const xml2 = filingRequestForPapers({ ...input, filingId: 'f-0002' })
    t.same(checked, { xml: xml2, problems: policyProblems(xml2, refusing) })
    t.equal(readFileSync(join(root, 'filings/f-0002.xml'), 'utf8'), xml2)

    // A paper the store does not have: CLEARFILE_ERR_NOT_FOUND naming it, as `requireBlob` says; nothing kept.
    const lost = { ...files, order: 'documents/cc/lost.pdf', message: 'filings/f-0003.xml' }
    await t.rejects(builder.buildFromFiles!({ ...rest, filingId: 'f-0003' }, lost), {
      code: 'CLEARFILE_ERR_NOT_FOUND',
      message: 'The document store has no documents/cc/lost.pdf'
    })
    // A message the schemas refuse: CLEARFILE_ERR_ECF_INVALID, nothing kept.
    const invalid = { ...files, message: 'filings/f-0004.xml' }
    await t.rejects(builder.buildFromFiles!({ ...rest, filingId: 'f-0004', submittedAt: 'yesterday' }, invalid), {
      code: 'CLEARFILE_ERR_ECF_INVALID'
    })
    t.same(readdirSync(join(root, 'filings')).sort(), ['f-0001.xml', 'f-0002.xml'], 'neither kept')
  }
)

t.test(
  "a build-from-files task run on this thread reads the papers and keeps the message as the builder's thread does",
  async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'clearfile-builder-'))
    t.teardown(() => rmSync(root, { recursive: true, force: true }))
    const input = filingRequestInput()
    const { motion, order, ...rest } = input
    keepSync(root, 'documents/aa/motion.pdf', motion)
    keepSync(root, 'documents/bb/order.pdf', order)
    t.same(readKeptSync(root, 'documents/aa/motion.pdf'), Buffer.from(motion))
    t.equal(readKeptSync(root, 'documents/aa/none.pdf'), null, 'a key with no file is null')
    const files = { root, motion: 'documents/aa/motion.pdf', order: 'documents/bb/order.pdf', message: 'filings/f.xml' }
    const result = runFilingRequestTask({ buildFromFiles: rest, files })
    t.same(result, { built: { xml: filingRequestForPapers(input) } })
    t.equal(readFileSync(join(root, 'filings/f.xml'), 'utf8'), filingRequestForPapers(input))
    t.same(runFilingRequestTask({ buildFromFiles: rest, files: { ...files, order: 'documents/cc/lost.pdf' } }), {
      refused: { code: 'CLEARFILE_ERR_NOT_FOUND', message: 'The document store has no documents/cc/lost.pdf' }
    })
    // A file that cannot be written (its folder is a file): the error is thrown and no temporary file is left.
    keepSync(root, 'blocked', Buffer.from('x'))
    t.throws(() => keepSync(root, 'blocked/f.xml', Buffer.from('y')), { code: 'ENOTDIR' })
    t.throws(
      () => readKeptSync(root, 'blocked/f.xml'),
      { code: 'ENOTDIR' },
      'an error other than a missing file is thrown'
    )
    t.same(readdirSync(root).sort(), ['blocked', 'documents', 'filings'])
  }
)
