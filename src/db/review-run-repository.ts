import type { Kysely, Selectable } from 'kysely'
import type { Database, ReviewRunsTable } from './schema.js'

type Db = Kysely<Database>
export type ReviewRunRow = Selectable<ReviewRunsTable>

export async function insertReviewRun(db: Db, row: ReviewRunRow): Promise<void> {
  await db.insertInto('review_runs').values(row).execute()
}

/** A review run by id; throws when there is none. */
export async function reviewRunById(db: Db, id: string): Promise<ReviewRunRow> {
  return db.selectFrom('review_runs').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

/** A review run the key may see (its county's, or any for admin keys); undefined otherwise. */
export async function reviewRunInScope(db: Db, id: string, county: string | null): Promise<ReviewRunRow | undefined> {
  let query = db.selectFrom('review_runs').selectAll().where('id', '=', id)
  if (county !== null) query = query.where('county', '=', county)
  return query.executeTakeFirst()
}

/** Marks a review run running from `startedAt`, clearing an earlier attempt's error. */
export async function markReviewRunning(db: Db, id: string, startedAt: string): Promise<void> {
  await db
    .updateTable('review_runs')
    .set({ state: 'running', started_at: startedAt, error: null })
    .where('id', '=', id)
    .execute()
}

/** Records how far a running review has read. */
export async function recordReviewProgress(
  db: Db,
  id: string,
  progress: Pick<ReviewRunRow, 'bytes_read' | 'rows_read'>
): Promise<void> {
  await db.updateTable('review_runs').set(progress).where('id', '=', id).execute()
}

/** Records the end of a review run: its final state, error and figures. */
export async function finishReviewRun(
  db: Db,
  id: string,
  end: Pick<
    ReviewRunRow,
    'state' | 'error' | 'input_sha256' | 'bytes_read' | 'rows_read' | 'rows_rejected' | 'figures' | 'finished_at'
  >
): Promise<void> {
  await db.updateTable('review_runs').set(end).where('id', '=', id).execute()
}
