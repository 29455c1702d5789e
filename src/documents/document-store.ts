import type { Kysely } from 'kysely'
import { findDocumentByContent, insertDocument, linkDocumentToCase } from '../db/document-repository.js'
import { newId } from '../db/ids.js'
import type { Database, DocumentsTable } from '../db/schema.js'
import type { BlobStore } from '../storage/blob-store.js'
import type { RenderedDocument } from './court-papers.js'

/** Where a document's bytes live, by their SHA-256: the same paper is stored once. */
export const storageKeyOf = (sha256: string) => `documents/${sha256.slice(0, 2)}/${sha256}.pdf`

export interface StoredDocument {
  id: string
  sha256: string
  created: boolean
}

/**
 * Stores a rendered paper content-addressed in the document store (whole or
 * not at all) and records it with the cases it concerns. A paper already stored for the county is
 * reused, not duplicated.
 */
export async function storeDocument(
  db: Kysely<Database>,
  store: BlobStore,
  doc: RenderedDocument & { kind: DocumentsTable['kind'] },
  meta: { county: string; scope: DocumentsTable['scope']; reviewRunId: string | null; caseIds: string[]; now: string }
): Promise<StoredDocument> {
  const key = storageKeyOf(doc.sha256)
  if (!(await store.has(key))) await store.put(key, doc.bytes)
  return db.transaction().execute(async (trx) => {
    const found = await findDocumentByContent(trx, meta.county, doc.sha256, doc.kind)
    const id = found?.id ?? newId()
    if (!found) {
      await insertDocument(trx, {
        id,
        county: meta.county,
        kind: doc.kind,
        scope: meta.scope,
        sha256: doc.sha256,
        pages: doc.pages,
        bytes: doc.bytes.length,
        storage_key: key,
        review_run_id: meta.reviewRunId,
        created_at: meta.now
      })
    }
    for (const caseId of meta.caseIds) await linkDocumentToCase(trx, id, caseId)
    return { id, sha256: doc.sha256, created: !found }
  })
}
