import { sql } from 'kysely'
import { dialectOf, type Db } from './database.js'

/**
 * When a table has too many dead row versions: more than 1,000 and a tenth of its live rows (autovacuum's rule, with
 * a larger fixed part so that small tables are left alone and a tighter share than autovacuum's fifth).
 */
const DEAD_ROWS = 1000
const DEAD_SHARE = 0.1

/**
 * Vacuums the tables of the connection's schema whose updates and deletes have left more dead row versions than the
 * rule above allows, and returns their names.
 *
 * Why here and not left to autovacuum: the job queue and the filings are rewritten at every step (claimed,
 * finished, rescheduled; queued, submitting, submitted), and until a table is vacuumed every claim and every read
 * by state walks the dead versions too. With autovacuum off (CI's PostgreSQL runs without it), bench:statewide at
 * scale 0.3 had 84,000 dead versions beside 45,000 live jobs by the end of the sends, a claim read 300–550 pages
 * where it reads one after a vacuum, and a count of filings by state scanned the whole table. When autovacuum is
 * on it wakes once a minute per database and waits for a fifth of a table to be dead. A VACUUM here (a fraction of
 * a second for these tables: pages already all-visible are skipped) takes no lock that blocks reads or writes;
 * `SKIP_LOCKED` leaves a table another process is vacuuming to it.
 *
 * SQLite: nothing. It keeps no dead row versions: a row is changed in place.
 */
export async function vacuumChurnedTables(db: Db): Promise<string[]> {
  if (dialectOf(db) !== 'postgres') return []
  const { rows } = await sql<{ table: string }>`
    select relname as "table" from pg_stat_user_tables
    where schemaname = current_schema()
      and n_dead_tup > ${sql.lit(DEAD_ROWS)} + ${sql.lit(DEAD_SHARE)} * n_live_tup`.execute(db)
  if (rows.length === 0) return []
  const tables = rows.map((r) => r.table).sort()
  // VACUUM cannot run inside a transaction: this is a statement of its own on a pooled connection.
  await sql`vacuum (skip_locked) ${sql.join(tables.map((t) => sql.id(t)))}`.execute(db)
  return tables
}
