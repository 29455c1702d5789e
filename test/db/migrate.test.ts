import t from 'tap'
import { currentSchema, migrateToLatest } from '../../src/db/migrate.js'
import { openTestDatabase } from '../helper.js'

const TABLES = [
  'api_clients', 'audit_events', 'convictions', 'county_policies', 'court_cases', 'determinations', 'document_cases', 'documents',
  'events', 'filing_cases', 'filing_documents', 'filing_events', 'filings', 'idempotency_keys', 'jobs', 'outcome_reports', 'outcomes',
  'people', 'review_runs', 'webhook_deliveries', 'webhooks'
]

t.test('migrations create the whole data model and a second run changes nothing', async (t) => {
  const { db } = await openTestDatabase(t)
  const schema = await currentSchema(db)
  const tables = (await db.introspection.getTables())
    .filter((x) => schema === null || x.schema === schema)
    .map((x) => x.name).filter((n) => !n.startsWith('kysely_'))
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
