import type { Kysely, Selectable } from 'kysely'
import type { Database, DocumentsTable } from './schema.js'

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

/** The county's document with this content and kind, if one is stored. */
export async function findDocumentByContent(
  db: Db,
  county: string,
  sha256: string,
  kind: DocumentRow['kind']
): Promise<{ id: string } | undefined> {
  return db
    .selectFrom('documents')
    .select('id')
    .where('county', '=', county)
    .where('sha256', '=', sha256)
    .where('kind', '=', kind)
    .executeTakeFirst()
}

export async function insertDocument(db: Db, row: DocumentRow): Promise<void> {
  await db.insertInto('documents').values(row).execute()
}

/** Ties a document to a case (once). */
export async function linkDocumentToCase(db: Db, documentId: string, caseId: string): Promise<void> {
  await db
    .insertInto('document_cases')
    .values({ document_id: documentId, case_id: caseId })
    .onConflict((oc) => oc.columns(['document_id', 'case_id']).doNothing())
    .execute()
}
