import type { Kysely } from 'kysely'
import {
  type DocumentRow,
  documentsByContent,
  insertDocuments,
  linkDocumentsToCases
} from '../db/document-repository.js'
import { newId } from '../db/ids.js'
import type { Database, DocumentsTable } from '../db/schema.js'
import type { BlobStore } from '../storage/blob-store.js'
import type { RenderedDocument } from './court-papers.js'
import { mapLimited } from '../map-limited.js'

/** Papers' bytes written to the store at once. */
const WRITES_AT_ONCE = 8

/** Where a document's bytes live, by their SHA-256: the same paper is stored once. */
export const storageKeyOf = (sha256: string) => `documents/${sha256.slice(0, 2)}/${sha256}.pdf`

export interface StoredDocument {
  id: string
  sha256: string
  created: boolean
}

export interface PaperToStore {
  doc: RenderedDocument & { kind: DocumentsTable['kind'] }
  caseIds: readonly string[]
}

/**
 * Stores rendered papers content-addressed in the document store (each whole or not at all) and records them
 * with the cases they concern, all in one transaction: a county's papers are stored in batches, not a
 * transaction each. A paper already stored for the county (the same kind and bytes) is reused, not duplicated.
 */
export async function storeDocuments(
  db: Kysely<Database>,
  store: BlobStore,
  papers: readonly PaperToStore[],
  meta: { county: string; scope: DocumentsTable['scope']; reviewRunId: string | null; now: string }
): Promise<StoredDocument[]> {
  // Written several at once: one after another, a batch of 200 waited on each write's round trip in turn (a
  // network round trip with the S3 and database stores), and the renderers waited on the batch. The same bytes
  // twice in a batch are written once: two writes of one key at once could collide.
  const distinct = [...new Map(papers.map(({ doc }) => [doc.sha256, doc])).values()]
  await mapLimited(distinct, WRITES_AT_ONCE, async (doc) => {
    const key = storageKeyOf(doc.sha256)
    if (!(await store.has(key))) await store.put(key, doc.bytes)
  })
  return db.transaction().execute(async (trx) => {
    const known = await documentsByContent(
      trx,
      meta.county,
      papers.map((p) => p.doc.sha256)
    )
    const rows: DocumentRow[] = []
    const links = new Map<string, { document_id: string; case_id: string }>()
    const stored = papers.map(({ doc, caseIds }): StoredDocument => {
      const content = `${doc.kind}:${doc.sha256}`
      const found = known.get(content)
      const id = found ?? newId()
      if (!found) {
        known.set(content, id)
        rows.push({
          id,
          county: meta.county,
          kind: doc.kind,
          scope: meta.scope,
          sha256: doc.sha256,
          pages: doc.pages,
          bytes: doc.bytes.length,
          storage_key: storageKeyOf(doc.sha256),
          review_run_id: meta.reviewRunId,
          created_at: meta.now
        })
      }
      for (const caseId of caseIds) links.set(`${id}:${caseId}`, { document_id: id, case_id: caseId })
      return { id, sha256: doc.sha256, created: !found }
    })
    await insertDocuments(trx, rows)
    await linkDocumentsToCases(trx, [...links.values()])
    return stored
  })
}
