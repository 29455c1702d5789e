import type { Migration } from 'kysely'

/** County policies, and what the API needs to run and list reviews and decisions. */
export const policiesAndReviews: Migration = {
  async up(db) {
    await db.schema
      .createTable('county_policies')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('county', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('policy_sha256', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute()
    // The newest row of a county is its active policy; older rows stay as history.
    await db.schema
      .createIndex('county_policies_county')
      .on('county_policies')
      .columns(['county', 'created_at'])
      .execute()

    await db.schema.alterTable('review_runs').addColumn('policy_name', 'text').execute()
    await db.schema.alterTable('review_runs').addColumn('input_name', 'text').execute()
    await db.schema.alterTable('review_runs').addColumn('total_bytes', 'integer').execute()
    await db.schema
      .alterTable('review_runs')
      .addColumn('bytes_read', 'integer', (c) => c.notNull().defaultTo(0))
      .execute()
    await db.schema.alterTable('review_runs').addColumn('error', 'text').execute()
    await db.schema.alterTable('review_runs').addColumn('started_at', 'text').execute()

    await db.schema.alterTable('determinations').addColumn('section', 'text').execute()
    await db.schema.alterTable('determinations').addColumn('reason', 'text').execute()
    await db.schema.alterTable('determinations').addColumn('citations', 'text').execute()
    await db.schema
      .createIndex('determinations_run')
      .on('determinations')
      .columns(['review_run_id', 'outcome'])
      .execute()
  },
  async down(db) {
    await db.schema.dropIndex('determinations_run').execute()
    for (const col of ['citations', 'reason', 'section'])
      await db.schema.alterTable('determinations').dropColumn(col).execute()
    for (const col of ['started_at', 'error', 'bytes_read', 'total_bytes', 'input_name', 'policy_name'])
      await db.schema.alterTable('review_runs').dropColumn(col).execute()
    await db.schema.dropTable('county_policies').execute()
  }
}
