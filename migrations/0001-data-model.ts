import type { ColumnDefinitionBuilder, CreateTableBuilder, Kysely, Migration } from 'kysely'
import { dialectOf } from '../src/db/database.js'

/*
 * The data model (README, "Layout" and "E-filing"). Valid on SQLite and PostgreSQL:
 * ids/timestamps/JSON are text everywhere; only sequence ids differ by dialect.
 */

// biome-ignore lint/suspicious/noExplicitAny: a migration builds tables of no fixed schema type
type Table = CreateTableBuilder<any, any>
const notNull = (c: ColumnDefinitionBuilder) => c.notNull()

// biome-ignore lint/suspicious/noExplicitAny: migrations run on a database of no fixed schema type
function withSequenceId(db: Kysely<any>, table: Table): Table {
  return dialectOf(db) === 'postgres'
    ? table.addColumn('id', 'bigserial', (c) => c.primaryKey())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
}

export const dataModel: Migration = {
  async up(db) {
    await db.schema
      .createTable('api_clients')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text')
      .addColumn('role', 'text', notNull)
      .addColumn('county', 'text')
      .addColumn('key_prefix', 'text', notNull)
      .addColumn('key_sha256', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', notNull)
      .addColumn('revoked_at', 'text')
      .addColumn('last_used_at', 'text')
      .execute()

    await db.schema
      .createTable('people')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('county', 'text', notNull)
      .addColumn('doj_subject_id', 'text')
      .addColumn('cii', 'text')
      .addColumn('name', 'text', notNull)
      .addColumn('aliases', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('dob', 'text')
      .addColumn('deceased', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', notNull)
      .addColumn('updated_at', 'text', notNull)
      .execute()
    // A person is one county's view of a DOJ subject: tenancy stays a column check.
    await db.schema
      .createIndex('people_county_subject')
      .unique()
      .on('people')
      .columns(['county', 'doj_subject_id'])
      .execute()
    await db.schema.createIndex('people_county_cii').on('people').columns(['county', 'cii']).execute()

    await db.schema
      .createTable('court_cases')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('person_id', 'text', (c) => c.notNull().references('people.id'))
      .addColumn('county', 'text', notNull)
      .addColumn('court_id', 'text', notNull)
      .addColumn('case_number', 'text', notNull)
      .addColumn('cycle', 'text')
      .addColumn('source', 'text', notNull)
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', notNull)
      .addColumn('updated_at', 'text', notNull)
      .execute()
    // One case number can name several co-defendants, so the person is part of the key.
    await db.schema
      .createIndex('court_cases_natural_key')
      .unique()
      .on('court_cases')
      .columns(['county', 'court_id', 'case_number', 'person_id'])
      .execute()
    await db.schema.createIndex('court_cases_person').on('court_cases').column('person_id').execute()

    await db.schema
      .createTable('convictions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('case_id', 'text', (c) => c.notNull().references('court_cases.id'))
      .addColumn('person_id', 'text', (c) => c.notNull().references('people.id'))
      .addColumn('county', 'text', notNull)
      .addColumn('count_order', 'text', notNull)
      .addColumn('code_section_raw', 'text', notNull)
      .addColumn('code_section', 'text')
      .addColumn('description', 'text')
      .addColumn('severity', 'text')
      .addColumn('disposition', 'text', notNull)
      .addColumn('conviction_date', 'text')
      .addColumn('sentence', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('sentence_end_date', 'text')
      .addColumn('created_at', 'text', notNull)
      .execute()
    await db.schema.createIndex('convictions_case').on('convictions').columns(['case_id', 'count_order']).execute()
    await db.schema.createIndex('convictions_person').on('convictions').column('person_id').execute()

    await db.schema
      .createTable('review_runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('county', 'text', notNull)
      .addColumn('as_of', 'text', notNull)
      .addColumn('state', 'text', notNull)
      .addColumn('policy', 'text', notNull)
      .addColumn('policy_sha256', 'text', notNull)
      .addColumn('list_versions', 'text', notNull)
      .addColumn('input_sha256', 'text')
      .addColumn('rows_read', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('rows_rejected', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('figures', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', notNull)
      .addColumn('finished_at', 'text')
      .execute()

    await db.schema
      .createTable('determinations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('conviction_id', 'text', (c) => c.notNull().references('convictions.id'))
      .addColumn('review_run_id', 'text', (c) => c.references('review_runs.id'))
      .addColumn('county', 'text', notNull)
      .addColumn('outcome', 'text', notNull)
      .addColumn('remedy', 'text', notNull)
      .addColumn('explanation', 'text', notNull)
      .addColumn('decided_outcome', 'text')
      .addColumn('decided_by', 'text')
      .addColumn('decision_reason', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('created_at', 'text', notNull)
      .execute()
    await db.schema.createIndex('determinations_conviction').on('determinations').column('conviction_id').execute()
    await db.schema.createIndex('determinations_queue').on('determinations').columns(['county', 'outcome']).execute()

    await db.schema
      .createTable('documents')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('county', 'text', notNull)
      .addColumn('kind', 'text', notNull)
      .addColumn('scope', 'text', notNull)
      .addColumn('sha256', 'text', notNull)
      .addColumn('pages', 'integer', notNull)
      .addColumn('bytes', 'integer', notNull)
      .addColumn('storage_key', 'text', notNull)
      .addColumn('review_run_id', 'text', (c) => c.references('review_runs.id'))
      .addColumn('created_at', 'text', notNull)
      .execute()
    await db.schema.createIndex('documents_sha256').on('documents').column('sha256').execute()

    await db.schema
      .createTable('document_cases')
      .addColumn('document_id', 'text', (c) => c.notNull().references('documents.id'))
      .addColumn('case_id', 'text', (c) => c.notNull().references('court_cases.id'))
      .addPrimaryKeyConstraint('document_cases_pk', ['document_id', 'case_id'])
      .execute()

    await db.schema
      .createTable('filings')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('county', 'text', notNull)
      .addColumn('court_id', 'text', notNull)
      .addColumn('adapter', 'text', notNull)
      .addColumn('state', 'text', notNull)
      .addColumn('court_filing_id', 'text')
      .addColumn('envelope_id', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'text')
      .addColumn('last_error', 'text')
      .addColumn('review_run_id', 'text', (c) => c.references('review_runs.id'))
      .addColumn('created_at', 'text', notNull)
      .addColumn('updated_at', 'text', notNull)
      .execute()
    await db.schema.createIndex('filings_state').on('filings').columns(['state', 'next_attempt_at']).execute()
    await db.schema
      .createIndex('filings_court_filing_id')
      .on('filings')
      .columns(['court_id', 'court_filing_id'])
      .execute()

    await db.schema
      .createTable('filing_cases')
      .addColumn('filing_id', 'text', (c) => c.notNull().references('filings.id'))
      .addColumn('case_id', 'text', (c) => c.notNull().references('court_cases.id'))
      .addPrimaryKeyConstraint('filing_cases_pk', ['filing_id', 'case_id'])
      .execute()

    await db.schema
      .createTable('filing_documents')
      .addColumn('filing_id', 'text', (c) => c.notNull().references('filings.id'))
      .addColumn('document_id', 'text', (c) => c.notNull().references('documents.id'))
      .addColumn('role', 'text', notNull)
      .addPrimaryKeyConstraint('filing_documents_pk', ['filing_id', 'document_id'])
      .execute()

    await withSequenceId(db, db.schema.createTable('filing_events'))
      .addColumn('filing_id', 'text', (c) => c.notNull().references('filings.id'))
      .addColumn('from_state', 'text')
      .addColumn('to_state', 'text', notNull)
      .addColumn('at', 'text', notNull)
      .addColumn('source', 'text', notNull)
      .addColumn('detail', 'text')
      .execute()
    await db.schema.createIndex('filing_events_filing').on('filing_events').columns(['filing_id', 'id']).execute()

    await db.schema
      .createTable('outcomes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('conviction_id', 'text', (c) => c.notNull().references('convictions.id'))
      .addColumn('filing_id', 'text', (c) => c.references('filings.id'))
      .addColumn('county', 'text', notNull)
      .addColumn('result', 'text', notNull)
      .addColumn('order_date', 'text')
      .addColumn('docket_id', 'text')
      .addColumn('source', 'text', notNull)
      .addColumn('created_at', 'text', notNull)
      .execute()
    await db.schema.createIndex('outcomes_conviction').on('outcomes').column('conviction_id').execute()

    await withSequenceId(db, db.schema.createTable('jobs'))
      .addColumn('kind', 'text', notNull)
      .addColumn('payload', 'text', notNull)
      .addColumn('dedupe_key', 'text', (c) => c.unique())
      .addColumn('run_at', 'text', notNull)
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(10))
      .addColumn('lock_owner', 'text')
      .addColumn('locked_until', 'text')
      .addColumn('last_error', 'text')
      .addColumn('done_at', 'text')
      .addColumn('created_at', 'text', notNull)
      .execute()
    await db.schema.createIndex('jobs_due').on('jobs').columns(['done_at', 'run_at']).execute()

    await withSequenceId(db, db.schema.createTable('events'))
      .addColumn('county', 'text', notNull)
      .addColumn('type', 'text', notNull)
      .addColumn('record_type', 'text', notNull)
      .addColumn('record_id', 'text', notNull)
      .addColumn('payload', 'text', notNull)
      .addColumn('at', 'text', notNull)
      .execute()
    await db.schema.createIndex('events_county').on('events').columns(['county', 'id']).execute()

    await withSequenceId(db, db.schema.createTable('audit_events'))
      .addColumn('at', 'text', notNull)
      .addColumn('actor_id', 'text', notNull)
      .addColumn('actor_role', 'text', notNull)
      .addColumn('county', 'text')
      .addColumn('action', 'text', notNull)
      .addColumn('record_type', 'text', notNull)
      .addColumn('record_id', 'text', notNull)
      .addColumn('request_id', 'text')
      .addColumn('detail', 'text')
      .execute()
    await db.schema
      .createIndex('audit_events_record')
      .on('audit_events')
      .columns(['record_type', 'record_id'])
      .execute()

    await db.schema
      .createTable('idempotency_keys')
      .addColumn('client_id', 'text', (c) => c.notNull().references('api_clients.id'))
      .addColumn('key', 'text', notNull)
      .addColumn('request_sha256', 'text', notNull)
      .addColumn('status_code', 'integer', notNull)
      .addColumn('response_body', 'text', notNull)
      .addColumn('created_at', 'text', notNull)
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['client_id', 'key'])
      .execute()

    await db.schema
      .createTable('webhooks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('county', 'text', notNull)
      .addColumn('url', 'text', notNull)
      .addColumn('events', 'text', notNull)
      .addColumn('secret', 'text', notNull)
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', notNull)
      .addColumn('disabled_at', 'text')
      .execute()

    await withSequenceId(db, db.schema.createTable('webhook_deliveries'))
      .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id'))
      .addColumn('event_id', 'integer', notNull)
      .addColumn('attempt', 'integer', notNull)
      .addColumn('status', 'text', notNull)
      .addColumn('response_status', 'integer')
      .addColumn('error', 'text')
      .addColumn('at', 'text', notNull)
      .execute()
  },

  async down(db) {
    for (const table of [
      'webhook_deliveries',
      'webhooks',
      'idempotency_keys',
      'audit_events',
      'events',
      'jobs',
      'outcomes',
      'filing_events',
      'filing_documents',
      'filing_cases',
      'filings',
      'document_cases',
      'documents',
      'determinations',
      'review_runs',
      'convictions',
      'court_cases',
      'people',
      'api_clients'
    ]) {
      await db.schema.dropTable(table).ifExists().execute()
    }
  }
}
