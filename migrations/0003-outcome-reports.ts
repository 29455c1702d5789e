import type { Migration } from 'kysely'

/** Clerks' outcome reports and their reconciliation; one outcome per conviction, confirmed by a report; webhook cursors. */
export const outcomeReports: Migration = {
  async up(db) {
    await db.schema
      .createTable('outcome_reports')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('county', 'text', (c) => c.notNull())
      .addColumn('court_id', 'text', (c) => c.notNull())
      .addColumn('format', 'text', (c) => c.notNull())
      .addColumn('file_name', 'text')
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('lines', 'integer', (c) => c.notNull())
      .addColumn('result', 'text', (c) => c.notNull())
      .addColumn('uploaded_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('outcome_reports_county')
      .on('outcome_reports')
      .columns(['county', 'created_at'])
      .execute()
    await db.schema.alterTable('outcomes').addColumn('report_id', 'text').execute()
    await db.schema.alterTable('outcomes').addColumn('report_line', 'integer').execute()
    // One ruling per conviction: a second opinion is a conflict to resolve, never a second row.
    await db.schema.dropIndex('outcomes_conviction').execute()
    await db.schema.createIndex('outcomes_conviction').on('outcomes').column('conviction_id').unique().execute()
    // Each subscription is delivered the county's events in order, from where it got to.
    await db.schema
      .alterTable('webhooks')
      .addColumn('last_event_id', 'integer', (c) => c.notNull().defaultTo(0))
      .execute()
    await db.schema
      .createIndex('webhook_deliveries_webhook')
      .on('webhook_deliveries')
      .columns(['webhook_id', 'id'])
      .execute()
  },
  async down(db) {
    await db.schema.dropIndex('webhook_deliveries_webhook').execute()
    await db.schema.alterTable('webhooks').dropColumn('last_event_id').execute()
    await db.schema.dropIndex('outcomes_conviction').execute()
    await db.schema.createIndex('outcomes_conviction').on('outcomes').column('conviction_id').execute()
    await db.schema.alterTable('outcomes').dropColumn('report_line').execute()
    await db.schema.alterTable('outcomes').dropColumn('report_id').execute()
    await db.schema.dropTable('outcome_reports').execute()
  }
}
