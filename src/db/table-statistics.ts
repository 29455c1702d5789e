import { sql } from 'kysely'
import { dialectOf, type Db } from './database.js'

/**
 * PostgreSQL's own rule for when a table's statistics are stale (autovacuum_analyze_threshold 50 and
 * autovacuum_analyze_scale_factor 0.1): more rows changed since the last ANALYZE than 50 + 10% of the table.
 */
const STALE_ROWS = 50
const STALE_SHARE = 0.1

/**
 * Brings the query planner's statistics up to date for the tables of the connection's schema that bulk work has
 * changed by more than a tenth since they were last analysed, and returns their names.
 *
 * Why here and not left to autovacuum: autovacuum may be off (CI's PostgreSQL runs without it) and, when on,
 * analyses a table up to a minute after it grew, while a county's review, papers and filings go on. A table never
 * analysed is planned as if an `in (…)` list of 100 ids matched half of it: after a statewide run's 199,168 papers,
 * each send's read of its filings' documents hash-joined both whole tables (1.2 s a page), and the sends ran at 21
 * filings/s; one ANALYZE took them to 120/s. So each bulk stage asks before it reads and after each batch it
 * writes: the check is one read of the statistics view (a millisecond), and a table grows ten per cent between
 * ANALYZEs, so a county's load analyses each table a few times. `SKIP_LOCKED`: a table another process is analysing is left to it.
 *
 * SQLite: nothing. Its planner without `sqlite_stat1` takes an index to narrow a lookup to a few rows, which is
 * what every lookup by id here does, and no background analyser is being waited for.
 */
export async function refreshStaleStatistics(db: Db): Promise<string[]> {
  if (dialectOf(db) !== 'postgres') return []
  const { rows } = await sql<{ table: string }>`
    select relname as "table" from pg_stat_user_tables
    where schemaname = current_schema()
      and n_mod_since_analyze > ${sql.lit(STALE_ROWS)} + ${sql.lit(STALE_SHARE)} * greatest(n_live_tup, 0)`.execute(db)
  if (rows.length === 0) return []
  const tables = rows.map((r) => r.table).sort()
  await sql`analyze (skip_locked) ${sql.join(tables.map((t) => sql.id(t)))}`.execute(db)
  return tables
}
