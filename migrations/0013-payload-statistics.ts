import { sql, type Kysely, type Migration } from 'kysely'
import { dialectOf } from '../src/db/database.js'

/**
 * Columns that carry a record's payload and that no query filters, joins, groups or sorts by: the planner never asks
 * for their statistics, and gathering them was a large part of every ANALYZE (`refreshStaleStatistics` runs one after
 * each doubling of a table, REST intake in the background while requests wait for the same two cores). With these
 * left out, on a county of 6,000 people (`clearfile demo`, PostgreSQL 15), ANALYZE of determinations took 129–133 ms
 * against 206–230 ms, of events 56–59 ms against 98–115 ms, of convictions 157–163 against 176–180, of the audit
 * trail 111–114 against 119–120.
 *
 * `SET STATISTICS 0` on PostgreSQL (a catalog change: no table is rewritten); nothing on SQLite, which gathers
 * statistics only when asked and never is.
 */
export const PAYLOAD_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  determinations: ['explanation', 'law_facts', 'reason', 'citations', 'decision_reason'],
  events: ['payload'],
  audit_events: ['detail'],
  convictions: ['sentence'],
  jobs: ['payload', 'last_error'],
  idempotency_keys: ['response_body'],
  review_runs: ['policy', 'list_versions']
}

export const payloadStatistics: Migration = {
  up: (db) => statisticsTarget(db, 0),
  // -1: the server's default_statistics_target again.
  down: (db) => statisticsTarget(db, -1)
}

async function statisticsTarget(db: Kysely<unknown>, target: 0 | -1): Promise<void> {
  if (dialectOf(db) !== 'postgres') return
  for (const [table, columns] of Object.entries(PAYLOAD_COLUMNS))
    await sql`alter table ${sql.id(table)} ${sql.join(
      columns.map((c) => sql`alter column ${sql.id(c)} set statistics ${sql.lit(target)}`)
    )}`.execute(db)
}
