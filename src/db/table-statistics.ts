import { sql } from 'kysely'
import { dialectOf, type Db } from './database.js'

/**
 * When a table's statistics are stale: more rows changed since its last ANALYZE than 50 and the rows it then held
 * (PostgreSQL's autovacuum_analyze_threshold, and a scale factor of 1 where autovacuum's is 0.1). The planner scales
 * a table's analysed row density by its size now, so what a bulk load needs is statistics at all, then again only
 * when the table has doubled: a table grown from nothing to 577,000 rows is analysed about 14 times, not 100.
 */
const STALE_ROWS = 50
const STALE_SHARE = 1

/**
 * Brings the query planner's statistics up to date for the tables of the connection's schema that bulk work has
 * changed by more than they held when last analysed (or never analysed), and returns their names.
 *
 * Why here and not left to autovacuum: autovacuum may be off (CI's PostgreSQL runs without it) and, when on,
 * analyses a table up to a minute after it grew, while a county's review, papers and filings go on. A table never
 * analysed is planned as if an `in (…)` list of 100 ids matched half of it: after a statewide run's 199,168 papers,
 * each send's read of its filings' documents hash-joined both whole tables (1.2 s a page), and the sends ran at 21
 * filings/s; one ANALYZE took them to 120/s. So each bulk stage asks before it reads and after each batch it
 * writes: the check is one read of the statistics view (a millisecond), and a table doubles between ANALYZEs.
 * `SKIP_LOCKED`: a table another process is analysing is left to it.
 *
 * SQLite: nothing. Its planner without `sqlite_stat1` takes an index to narrow a lookup to a few rows, which is
 * what every lookup by id here does, and no background analyser is being waited for.
 */
export async function refreshStaleStatistics(db: Db): Promise<string[]> {
  if (dialectOf(db) !== 'postgres') return []
  // reltuples: the rows counted at the last ANALYZE (-1 before any).
  const { rows } = await sql<{ table: string }>`
    select s.relname as "table" from pg_stat_user_tables s join pg_class c on c.oid = s.relid
    where s.schemaname = current_schema()
      and s.n_mod_since_analyze > ${sql.lit(STALE_ROWS)} + ${sql.lit(STALE_SHARE)} * greatest(c.reltuples, 0)`.execute(
    db
  )
  if (rows.length === 0) return []
  const tables = rows.map((r) => r.table).sort()
  await sql`analyze (skip_locked) ${sql.join(tables.map((t) => sql.id(t)))}`.execute(db)
  return tables
}

/** `refreshStaleStatistics` kept up in the background: see `statisticsKeeper`. */
export interface StatisticsKeeper {
  /** Starts a refresh when none runs and the interval since the last one is up; returns at once. */
  keep(): void
  /** Resolves when no refresh runs (for closing the database after). */
  settled(): Promise<void>
}

/**
 * `refreshStaleStatistics` for work that arrives in many small pieces (REST intake, a batch or a case at a time):
 * started at most once per `everyMs` of this process, one at a time, in the background: the request that starts it
 * does not wait for an ANALYZE. Without it a county's cases sent over REST were planned against the statistics of
 * its first few hundred people, and looking up a batch's 1,000 people among 60,000 read all of the county's people
 * (about a second a batch) where the index takes milliseconds.
 */
export function statisticsKeeper(db: Db, onError: (err: unknown) => void, everyMs = 1_000): StatisticsKeeper {
  const postgres = dialectOf(db) === 'postgres'
  let due = 0
  let running: Promise<void> | undefined
  return {
    keep() {
      if (!postgres || running) return
      const now = performance.now()
      if (now < due) return
      running = refreshStaleStatistics(db).then(
        () => {},
        (err) => onError(err)
      )
      void running.finally(() => {
        // The next refresh waits the interval out from the end of this one, however long its ANALYZE took.
        due = performance.now() + everyMs
        running = undefined
      })
    },
    settled: async () => {
      await running
    }
  }
}
