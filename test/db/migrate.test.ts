import t from 'tap'
import { Migrator } from 'kysely'
import { migrations } from '../../migrations/index.js'
import { currentSchema, migrateToLatest } from '../../src/db/migrate.js'
import { openTestDatabase } from '../helper.js'

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

t.test('migrations create the whole data model and a second run changes nothing', async (t) => {
  const { db } = await openTestDatabase(t)
  const schema = await currentSchema(db)
  const tables = (await db.introspection.getTables())
    .filter((x) => schema === null || x.schema === schema)
    .map((x) => x.name)
    .filter((n) => !n.startsWith('kysely_'))
  t.same(tables.sort(), TABLES)
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
    const schema = await currentSchema(db)
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      ...(schema !== null ? { migrationTableSchema: schema } : {})
    })
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
