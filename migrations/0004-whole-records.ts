import { sql, type Migration } from 'kysely'

/**
 * A person's whole record, whichever path brought it: convictions in other
 * counties (kept under the county that holds the person, with the county that
 * convicted), offense dates, PC 290 registrations, and on each determination
 * the facts the law floor found (so papers say only what the record shows).
 * One determination per conviction per review run.
 */
export const wholeRecords: Migration = {
  async up(db) {
    // The county whose court convicted; null means the county that holds the record (every earlier row).
    await db.schema.alterTable('convictions').addColumn('court_county', 'text').execute()
    await db.schema.alterTable('convictions').addColumn('offense_date', 'text').execute()
    await db.schema.alterTable('convictions').addColumn('offense_date_basis', 'text').execute()
    await db.schema.alterTable('determinations').addColumn('law_facts', 'text').execute()

    await db.schema
      .createTable('registrations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('person_id', 'text', (c) => c.notNull().references('people.id'))
      .addColumn('county', 'text', (c) => c.notNull())
      .addColumn('registration_date', 'text')
      .addColumn('registration_county', 'text')
      .addColumn('offense_text', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('source_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('registrations_source')
      .unique()
      .on('registrations')
      .columns(['person_id', 'source', 'source_key'])
      .execute()

    // A review run read a file whose rows for one person were apart twice and stored them twice: keep the newest of each.
    await sql`delete from determinations where review_run_id is not null and id not in (
      select max(id) from determinations where review_run_id is not null group by review_run_id, conviction_id)`.execute(
      db
    )
    await db.schema
      .createIndex('determinations_run_conviction')
      .unique()
      .on('determinations')
      .columns(['review_run_id', 'conviction_id'])
      .execute()
  },
  async down(db) {
    await db.schema.dropIndex('determinations_run_conviction').execute()
    await db.schema.dropTable('registrations').execute()
    await db.schema.alterTable('determinations').dropColumn('law_facts').execute()
    for (const col of ['offense_date_basis', 'offense_date', 'court_county'])
      await db.schema.alterTable('convictions').dropColumn(col).execute()
  }
}
