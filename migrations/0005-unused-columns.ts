import type { Migration } from 'kysely'

/** Columns nothing reads or writes: a filing's envelope id (no court gives one apart from its filing id) and next_attempt_at (the job queue holds when a filing is tried next). */
export const unusedColumns: Migration = {
  async up(db) {
    // SQLite drops no indexed column: the state index is made again without it.
    await db.schema.dropIndex('filings_state').execute()
    await db.schema.alterTable('filings').dropColumn('envelope_id').execute()
    await db.schema.alterTable('filings').dropColumn('next_attempt_at').execute()
    await db.schema.createIndex('filings_state').on('filings').column('state').execute()
  },
  async down(db) {
    await db.schema.dropIndex('filings_state').execute()
    await db.schema.alterTable('filings').addColumn('envelope_id', 'text').execute()
    await db.schema.alterTable('filings').addColumn('next_attempt_at', 'text').execute()
    await db.schema.createIndex('filings_state').on('filings').columns(['state', 'next_attempt_at']).execute()
  }
}
