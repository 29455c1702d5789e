import type { Kysely, Selectable } from 'kysely'
import { insertRows } from './insert-rows.js'
import { chunksOf, rowChunks } from './chunks.js'
import type { Database, DocumentsTable } from './schema.js'
import { groupBy } from '../group-by.js'

type Db = Kysely<Database>
export type DocumentRow = Selectable<DocumentsTable>

/** A document the key may see (its county's, or any for admin keys); undefined otherwise. */
export async function findDocument(db: Db, id: string, county: string | null): Promise<DocumentRow | undefined> {
  let q = db.selectFrom('documents').selectAll().where('id', '=', id)
  if (county !== null) q = q.where('county', '=', county)
  return q.executeTakeFirst()
}

/** The papers of a case, oldest first. */
export async function documentsOfCase(db: Db, caseId: string): Promise<DocumentRow[]> {
  return db
    .selectFrom('documents as d')
    .innerJoin('document_cases as dc', 'dc.document_id', 'd.id')
    .selectAll('d')
    .where('dc.case_id', '=', caseId)
    .orderBy('d.id')
    .execute()
}

/** The papers prepared for a review run. */
export async function documentsOfReview(db: Db, reviewRunId: string): Promise<DocumentRow[]> {
  return db.selectFrom('documents').selectAll().where('review_run_id', '=', reviewRunId).orderBy('id').execute()
}

/**
 * The county's stored documents with any of these contents, by `kind:sha256` (a paper rendered again is the same
 * bytes, and is reused rather than stored twice).
 */
export async function documentsByContent(
  db: Db,
  county: string,
  sha256s: readonly string[]
): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const list of chunksOf([...new Set(sha256s)], 1)) {
    const rows = await db
      .selectFrom('documents')
      .select(['id', 'kind', 'sha256'])
      .where('county', '=', county)
      .where('sha256', 'in', list)
      .execute()
    for (const r of rows) out.set(`${r.kind}:${r.sha256}`, r.id)
  }
  return out
}

export async function insertDocuments(db: Db, rows: readonly DocumentRow[]): Promise<void> {
  await insertRows(db, [{ table: 'documents', rows }])
}

/** Ties documents to cases (each pair once). */
export async function linkDocumentsToCases(
  db: Db,
  links: ReadonlyArray<{ document_id: string; case_id: string }>
): Promise<void> {
  for (const chunk of rowChunks(links))
    await db
      .insertInto('document_cases')
      .values(chunk)
      .onConflict((oc) => oc.columns(['document_id', 'case_id']).doNothing())
      .execute()
}

/** A case's case-scoped papers (id and kind), newest first. */
export async function casePapersNewestFirst(db: Db, caseId: string): Promise<Array<Pick<DocumentRow, 'id' | 'kind'>>> {
  return db
    .selectFrom('documents as d')
    .innerJoin('document_cases as dc', 'dc.document_id', 'd.id')
    .select(['d.id', 'd.kind'])
    .where('dc.case_id', '=', caseId)
    .where('d.scope', '=', 'case')
    .orderBy('d.id', 'desc')
    .execute()
}

/**
 * The motions and proposed orders prepared for a review run in one scope: a
 * row per document and case, with the case's court; oldest document first.
 */
export async function motionsAndOrdersOfReview(
  db: Db,
  reviewRunId: string,
  scope: DocumentRow['scope']
): Promise<Array<Pick<DocumentRow, 'id' | 'kind'> & { case_id: string; court_id: string }>> {
  return db
    .selectFrom('documents as d')
    .innerJoin('document_cases as dc', 'dc.document_id', 'd.id')
    .innerJoin('court_cases as k', 'k.id', 'dc.case_id')
    .select(['d.id', 'd.kind', 'dc.case_id', 'k.court_id'])
    .where('d.review_run_id', '=', reviewRunId)
    .where('d.scope', '=', scope)
    .where('d.kind', 'in', ['motion', 'proposed_order'])
    .orderBy('d.id')
    .execute()
}

/** The document files of each of these filings (kind and where its bytes are), by filing: one statement a slice. */
export async function documentFilesOfFilings(
  db: Db,
  filingIds: readonly string[]
): Promise<Map<string, Array<Pick<DocumentRow, 'kind' | 'storage_key'>>>> {
  const rows: Array<Pick<DocumentRow, 'kind' | 'storage_key'> & { filing_id: string }> = []
  for (const ids of chunksOf(filingIds, 1))
    rows.push(
      ...(await db
        .selectFrom('filing_documents as fd')
        .innerJoin('documents as d', 'd.id', 'fd.document_id')
        .select(['fd.filing_id', 'd.kind', 'd.storage_key'])
        .where('fd.filing_id', 'in', ids)
        .execute())
    )
  return groupBy(rows, (r) => r.filing_id)
}

/** The case numbers a document is for, in order (none for a bulk paper). */
export async function caseNumbersOfDocument(db: Db, documentId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('document_cases as dc')
    .innerJoin('court_cases as k', 'k.id', 'dc.case_id')
    .select('k.case_number')
    .where('dc.document_id', '=', documentId)
    .orderBy('k.case_number')
    .execute()
  return rows.map((r) => r.case_number)
}
