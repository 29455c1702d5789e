import type { Migration } from 'kysely'

/**
 * A large outcome report is taken to disk and reconciled in the background:
 * its row exists from the upload (`queued`), says where the upload waits, and
 * ends `done` or `failed` with the reason. Reports stored before are done.
 */
export const outcomeReportUploads: Migration = {
  async up(db) {
    await db.schema
      .alterTable('outcome_reports')
      .addColumn('state', 'text', (c) => c.notNull().defaultTo('done'))
      .execute()
    await db.schema.alterTable('outcome_reports').addColumn('error', 'text').execute()
    await db.schema.alterTable('outcome_reports').addColumn('upload_path', 'text').execute()
    await db.schema.alterTable('outcome_reports').addColumn('finished_at', 'text').execute()
  },
  async down(db) {
    for (const column of ['finished_at', 'upload_path', 'error', 'state'])
      await db.schema.alterTable('outcome_reports').dropColumn(column).execute()
  }
}
