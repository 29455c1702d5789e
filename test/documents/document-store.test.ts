import { createHash, randomBytes } from 'node:crypto'
import t from 'tap'
import { documentsOfCase } from '../../src/db/document-repository.js'
import { type PaperToStore, storageKeyOf, storeDocuments } from '../../src/documents/document-store.js'
import type { BlobStore } from '../../src/storage/blob-store.js'
import { databaseBlobStore } from '../../src/storage/database-blob-store.js'
import { bearer, buildTestApp, caseBody } from '../helper.js'

const paper = (bytes: Uint8Array, kind: 'motion' | 'proposed_order' = 'motion') => ({
  kind,
  bytes,
  pages: 1,
  sha256: createHash('sha256').update(bytes).digest('hex')
})

t.test(
  'a batch of papers is stored whole, the same bytes twice in it written once and recorded once for both cases',
  async (t) => {
    const { app, handle, keyFor } = await buildTestApp(t)
    const key = await keyFor('deputy_da', 'SAN FRANCISCO')
    const caseIds: string[] = []
    for (let i = 0; i < 40; i++) {
      const body = caseBody({
        person: { dojSubjectId: String(2000000 + i), cii: `A${String(20000000 + i)}`, name: `PERSON, NUMBER ${i}` },
        case: { caseNumber: `SCN${300000 + i}` }
      })
      const res = await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(key), payload: body })
      t.equal(res.statusCode, 201)
      caseIds.push(res.json().id)
    }
    const inner = databaseBlobStore(handle.db)
    const puts = new Map<string, number>()
    const store: BlobStore = {
      ...inner,
      put: async (key, bytes) => {
        puts.set(key, (puts.get(key) ?? 0) + 1)
        await inner.put(key, bytes)
      }
    }
    const shared = randomBytes(3000)
    // Forty cases, each with a paper of its own, and cases 0 and 1 also with the same bytes as one paper.
    const papers: PaperToStore[] = [
      ...caseIds.map((id) => ({ doc: paper(randomBytes(2000)), caseIds: [id] })),
      { doc: paper(shared, 'proposed_order'), caseIds: [caseIds[0]!] },
      { doc: paper(shared, 'proposed_order'), caseIds: [caseIds[1]!] }
    ]
    const meta = { county: 'SAN FRANCISCO', scope: 'case' as const, reviewRunId: null, now: '2026-11-28T12:00:00.000Z' }
    const stored = await storeDocuments(handle.db, store, papers, meta)
    t.equal(stored.length, 42)
    t.equal(stored[40]!.id, stored[41]!.id, 'one document for the same bytes')
    t.equal(new Set(stored.map((s) => s.id)).size, 41)
    t.equal(puts.size, 41)
    t.ok(
      [...puts.values()].every((n) => n === 1),
      'each key written once'
    )
    for (const [i, p] of papers.entries()) {
      const bytes = await store.get(storageKeyOf(p.doc.sha256))
      t.ok(bytes && Buffer.compare(bytes, Buffer.from(p.doc.bytes)) === 0, `paper ${i}'s bytes are stored`)
    }
    for (const i of [0, 1]) {
      const docs = await documentsOfCase(handle.db, caseIds[i]!)
      t.equal(docs.length, 2, `case ${i}: its motion and the shared order`)
      t.ok(docs.some((d) => d.id === stored[40]!.id))
    }
  }
)

t.test('a batch one of whose papers cannot be written records none of them', async (t) => {
  const { app, handle, keyFor } = await buildTestApp(t)
  const key = await keyFor('deputy_da', 'SAN FRANCISCO')
  const res = await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(key), payload: caseBody() })
  const caseId = res.json().id as string
  const inner = databaseBlobStore(handle.db)
  let writes = 0
  const failing: BlobStore = {
    ...inner,
    put: async (key, bytes) => {
      if (++writes === 5) throw new Error('disk full')
      await inner.put(key, bytes)
    }
  }
  const papers = Array.from({ length: 20 }, () => ({ doc: paper(randomBytes(500)), caseIds: [caseId] }))
  const meta = { county: 'SAN FRANCISCO', scope: 'case' as const, reviewRunId: null, now: '2026-11-28T12:00:00.000Z' }
  await t.rejects(storeDocuments(handle.db, failing, papers, meta), /disk full/)
  t.strictSame(await documentsOfCase(handle.db, caseId), [], 'no document recorded')
  // Stored again once the store works, every paper is recorded, the ones written before the failure included.
  const stored = await storeDocuments(handle.db, inner, papers, meta)
  t.equal(new Set(stored.map((s) => s.id)).size, 20)
  t.equal((await documentsOfCase(handle.db, caseId)).length, 20)
})
