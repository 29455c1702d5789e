import t from 'tap'
import { sql } from 'kysely'
import { currentSchema, migrateToLatest, migratorOf } from '../../src/db/migrate.js'
import { openTestDatabase, TEST_DATABASE_URL } from '../helper.js'
import { openDatabase } from '../../src/db/database.js'
import { PAYLOAD_COLUMNS } from '../../migrations/0013-payload-statistics.js'

const TABLES = [
  'api_clients',
  'audit_events',
  'blob_chunks',
  'blobs',
  'convictions',
  'county_policies',
  'court_cases',
  'determinations',
  'document_cases',
  'documents',
  'events',
  'filing_cases',
  'filing_documents',
  'filing_events',
  'filings',
  'idempotency_keys',
  'jobs',
  'outcome_reports',
  'outcomes',
  'people',
  'registrations',
  'review_runs',
  'webhook_deliveries',
  'webhooks'
]

/** The tables of the connection's own schema (its database on SQLite), kysely's own left out. */
async function tablesOf(db: Awaited<ReturnType<typeof openTestDatabase>>['db']): Promise<string[]> {
  const schema = await currentSchema(db)
  const names =
    schema === null
      ? (await db.introspection.getTables()).map((x) => x.name)
      : (
          await sql<{ name: string }>`select table_name as name from information_schema.tables
            where table_schema = ${schema}`.execute(db)
        ).rows.map((r) => r.name)
  return names.filter((n) => !n.startsWith('kysely_')).sort()
}

t.test(
  'migrations in one schema are not disturbed by other schemas made and dropped meanwhile',
  { skip: TEST_DATABASE_URL.startsWith('postgres') ? false : 'PostgreSQL schemas' },
  async (t) => {
    // What CI does: other test files make their schemas, fill them and drop them while this one migrates.
    const admin = await openDatabase({ url: TEST_DATABASE_URL, poolSize: 4 })
    t.teardown(() => admin.destroy())
    let churning = true
    const churn = (async () => {
      for (let i = 0; churning; i++) {
        const other = `t_churn_${process.pid}_${i}`
        await sql`create schema ${sql.id(other)}`.execute(admin.db)
        for (let k = 0; k < 20; k++)
          await sql`create table ${sql.id(other, `t${k}`)} (id bigserial primary key, v text)`.execute(admin.db)
        await sql`drop schema ${sql.id(other)} cascade`.execute(admin.db)
      }
    })()
    try {
      for (let i = 0; i < 6; i++) {
        const { db } = await openTestDatabase(t)
        t.same(await tablesOf(db), TABLES, `schema ${i + 1} migrated whole`)
      }
    } finally {
      churning = false
      await churn
    }
  }
)

t.test('migrations create the whole data model and a second run changes nothing', async (t) => {
  const { db } = await openTestDatabase(t)
  t.same(await tablesOf(db), TABLES)
  const again = await migrateToLatest(db)
  t.equal(again.error, undefined)
  t.same(again.results, [])
})

t.test('sequence ids only grow, so they can serve as feed cursors', async (t) => {
  const { db } = await openTestDatabase(t)
  const row = { county: 'X', type: 't', record_type: 'r', record_id: '1', payload: '{}', at: '2026-01-01T00:00:00Z' }
  const a = await db.insertInto('events').values(row).returning('id').executeTakeFirstOrThrow()
  const b = await db.insertInto('events').values(row).returning('id').executeTakeFirstOrThrow()
  t.equal(typeof a.id, 'number')
  t.ok(b.id > a.id)
})

t.test(
  'a conviction a review stored twice (rows of one person apart in the file) keeps its newest determination when 0004 migrates',
  async (t) => {
    const { db } = await openTestDatabase(t)
    const migrator = await migratorOf(db)
    const down = await migrator.migrateTo('0003-outcome-reports')
    t.equal(down.error, undefined)
    const now = '2026-11-28T00:00:00.000Z'
    await db
      .insertInto('people')
      .values({
        id: 'p1',
        county: 'X',
        doj_subject_id: '1',
        cii: null,
        name: 'N',
        aliases: '[]',
        dob: null,
        deceased: 0,
        created_at: now,
        updated_at: now
      } as never)
      .execute()
    await db
      .insertInto('court_cases')
      .values({
        id: 'k1',
        person_id: 'p1',
        county: 'X',
        court_id: 'C',
        case_number: '1',
        cycle: null,
        source: 'doj',
        created_by: null,
        created_at: now,
        updated_at: now
      } as never)
      .execute()
    await db
      .insertInto('convictions')
      .values({
        id: 'c1',
        case_id: 'k1',
        person_id: 'p1',
        county: 'X',
        count_order: '001',
        code_section_raw: '11359 HS',
        code_section: 'HS 11359',
        description: null,
        severity: 'F',
        disposition: 'convicted',
        conviction_date: '2010-01-01',
        sentence: '[]',
        sentence_end_date: null,
        created_at: now
      } as never)
      .execute()
    await db
      .insertInto('review_runs')
      .values({
        id: 'r1',
        county: 'X',
        as_of: '2026-11-28',
        state: 'done',
        policy: '{}',
        policy_sha256: 'x',
        list_versions: '{}',
        rows_read: 0,
        rows_rejected: 0,
        created_at: now,
        bytes_read: 0
      } as never)
      .execute()
    const determination = (id: string, outcome: string) => ({
      id,
      conviction_id: 'c1',
      review_run_id: 'r1',
      county: 'X',
      outcome,
      remedy: 'unknown',
      explanation: '{}',
      created_at: now
    })
    await db
      .insertInto('determinations')
      .values([determination('d1', 'needs_review'), determination('d2', 'reduce_to_misdemeanor')] as never)
      .execute()
    const up = await migrateToLatest(db)
    t.equal(up.error, undefined)
    const left = await db.selectFrom('determinations').select(['id', 'outcome']).execute()
    t.same(left, [{ id: 'd2', outcome: 'reduce_to_misdemeanor' }])
    await t.rejects(
      db
        .insertInto('determinations')
        .values(determination('d3', 'not_eligible') as never)
        .execute(),
      'a second row for the same conviction and run is refused'
    )
  }
)

t.test(
  "large values are compressed with LZ4 on PostgreSQL, every text, bytea and jsonb column of the schema's tables",
  { skip: TEST_DATABASE_URL.startsWith('postgres') ? false : 'PostgreSQL only (DATABASE_URL)' },
  async (t) => {
    const { db } = await openTestDatabase(t)
    // attcompression: 'l' for LZ4, '' for the server's default (pglz).
    const methods = async () =>
      (
        await sql<{ column: string; method: string }>`
          select c.relname || '.' || a.attname as "column", a.attcompression as method
          from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = current_schema() and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
            and a.atttypid in ('text'::regtype, 'bytea'::regtype, 'jsonb'::regtype) and c.relname not like 'kysely\_%'`.execute(
          db
        )
      ).rows
    const after = await methods()
    t.ok(
      after.some((c) => c.column === 'determinations.explanation'),
      'explanations among them'
    )
    t.ok(
      after.some((c) => c.column === 'blob_chunks.data'),
      'and the database store'
    )
    t.same(
      after.filter((c) => c.method !== 'l'),
      [],
      'none left to pglz'
    )
    const explanation = JSON.stringify(Array.from({ length: 40 }, (_, i) => ({ rule: 'HS 11361.8(e)', step: i })))
    await db
      .insertInto('blobs')
      .values({ key: 'k', size: explanation.length, created_at: '2026-12-04T00:00:00Z' })
      .execute()
    await db
      .insertInto('blob_chunks')
      .values({ key: 'k', seq: 0, data: Buffer.from(explanation.repeat(3)) })
      .execute()
    const stored = await sql<{ method: string }>`select pg_column_compression(data) as method from blob_chunks`.execute(
      db
    )
    t.same(stored.rows, [{ method: 'lz4' }], 'a value stored now is LZ4')

    const migrator = await migratorOf(db)
    t.equal((await migrator.migrateTo('0011-job-claim-index')).error, undefined, 'down')
    t.same(
      (await methods()).filter((c) => c.method !== ''),
      [],
      'down: the default again'
    )
    t.equal((await migrator.migrateToLatest()).error, undefined, 'and up again')
  }
)

t.test(
  "payload columns are left out of PostgreSQL's statistics, and the columns queries filter by are not",
  { skip: TEST_DATABASE_URL.startsWith('postgres') ? false : 'PostgreSQL only (DATABASE_URL)' },
  async (t) => {
    const { db } = await openTestDatabase(t)
    await db
      .insertInto('events')
      .values(
        Array.from({ length: 200 }, (_, i) => ({
          county: i % 2 ? 'SAN FRANCISCO' : 'ALAMEDA',
          type: 'determination.created',
          record_type: 'person',
          record_id: `p${i}`,
          payload: JSON.stringify({ personId: `p${i}`, outcome: 'dismiss_and_seal' }),
          at: '2026-12-04T00:00:00Z'
        }))
      )
      .execute()
    const gathered = async () => {
      await sql`analyze events`.execute(db)
      const { rows } = await sql<{ column: string }>`
        select attname as "column" from pg_stats
        where schemaname = current_schema() and tablename = 'events' order by attname`.execute(db)
      return rows.map((r) => r.column)
    }
    const targets = async () =>
      (
        await sql<{ column: string; target: number | null }>`
          select c.relname || '.' || a.attname as "column", a.attstattarget::int as target
          from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = current_schema() and a.attnum > 0 and not a.attisdropped and a.attstattarget = 0
          order by 1`.execute(db)
      ).rows.map((r) => r.column)

    const off = Object.entries(PAYLOAD_COLUMNS)
      .flatMap(([table, columns]) => columns.map((c) => `${table}.${c}`))
      .sort()
    t.same(await targets(), off, 'every payload column, and no other, gathers no statistics')
    t.ok(off.includes('determinations.explanation'), 'explanations among them')
    t.same(await gathered(), ['at', 'county', 'id', 'record_id', 'record_type', 'type'], 'events: all but the payload')

    const migrator = await migratorOf(db)
    t.equal((await migrator.migrateTo('0012-lz4-compression')).error, undefined, 'down')
    t.same(await targets(), [], 'down: the default target again')
    t.ok((await gathered()).includes('payload'), 'and the payload is analysed')
    t.equal((await migrator.migrateToLatest()).error, undefined, 'and up again')
    t.same(await targets(), off)
  }
)
