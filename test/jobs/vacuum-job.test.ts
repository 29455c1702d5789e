import { sql, type Kysely } from 'kysely'
import t from 'tap'
import { fixedClock } from '../../src/clock.js'
import { loadConfig } from '../../src/config.js'
import { dialectOf } from '../../src/db/database.js'
import type { Database } from '../../src/db/schema.js'
import { vacuumChurnedTables } from '../../src/db/table-vacuum.js'
import { insertJobs } from '../../src/jobs/job-queue.js'
import { createJobRunner } from '../../src/jobs/job-runner.js'
import { startVacuum, VACUUM_JOB, vacuumJob } from '../../src/jobs/vacuum-job.js'
import { createServices } from '../../src/services.js'
import { openTestDatabase, TEST_DATABASE_URL } from '../helper.js'

const postgres = TEST_DATABASE_URL.startsWith('postgres')
const NOW = new Date('2026-12-02T12:00:00.000Z')

/**
 * `n` jobs queued, then claimed and finished as a lane does it (two updates each), on one connection whose
 * statistics PostgreSQL is asked to count now: what a county's sends leave behind in the queue.
 */
async function churnJobs(db: Kysely<Database>, n: number): Promise<void> {
  await db.connection().execute(async (conn) => {
    await insertJobs(
      conn,
      Array.from({ length: n }, (_, i) => ({
        kind: 'test.churn',
        payload: { i },
        dedupeKey: `churn:${i}`,
        runAt: NOW
      })),
      NOW
    )
    await conn.updateTable('jobs').set({ lock_owner: 'w', locked_until: NOW.toISOString() }).execute()
    await conn.updateTable('jobs').set({ done_at: NOW.toISOString(), lock_owner: null, dedupe_key: null }).execute()
    if (dialectOf(conn) === 'postgres') await sql`select pg_stat_force_next_flush()`.execute(conn)
  })
}

/** What PostgreSQL's statistics say of a table: dead row versions, and how often it was vacuumed by hand. */
async function tableState(db: Kysely<Database>, table: string) {
  const { rows } = await sql<{ dead: string; vacuums: string }>`
    select n_dead_tup as dead, vacuum_count as vacuums from pg_stat_user_tables
    where schemaname = current_schema() and relname = ${table}`.execute(db)
  return { dead: Number(rows[0]!.dead), vacuums: Number(rows[0]!.vacuums) }
}

t.test(
  'a job queue rewritten past a tenth of its rows is vacuumed by the recurring job, which comes back an interval later',
  { skip: postgres ? false : 'PostgreSQL only (DATABASE_URL)' },
  async (t) => {
    const { db } = await openTestDatabase(t)
    await churnJobs(db, 3000)
    const before = await tableState(db, 'jobs')
    t.ok(before.dead >= 3000, `the queue holds dead row versions (${before.dead})`)
    t.equal(before.vacuums, 0)

    const clock = fixedClock(NOW.toISOString())
    const runner = createJobRunner({ db, clock, jobs: [vacuumJob({ db, clock, everyMs: 10_000 })] })
    await startVacuum(db, clock.now())
    t.equal(await runner.drain(), 1, 'the vacuum ran once')
    const after = await tableState(db, 'jobs')
    t.equal(after.vacuums, 1, 'the queue was vacuumed, once')
    // How many dead versions VACUUM can remove is PostgreSQL's to say: none newer than the oldest snapshot of any
    // session in the database, and the suite's other files share it. That it ran on this table is the job's part.
    t.equal((await tableState(db, 'filings')).vacuums, 0, 'a table with none is left alone')
    const next = await db
      .selectFrom('jobs')
      .select(['run_at', 'done_at'])
      .where('kind', '=', VACUUM_JOB.name)
      .executeTakeFirstOrThrow()
    t.same(next, { run_at: '2026-12-02T12:00:10.000Z', done_at: null }, 'it comes back ten seconds later')
    t.equal(await runner.drain(), 0, 'and not before')
  }
)

t.test(
  'fewer dead row versions than 1,000 and a tenth of the live rows: nothing is vacuumed',
  { skip: postgres ? false : 'PostgreSQL only (DATABASE_URL)' },
  async (t) => {
    const { db } = await openTestDatabase(t)
    await churnJobs(db, 400)
    t.ok((await tableState(db, 'jobs')).dead >= 400)
    t.same(await vacuumChurnedTables(db), [], 'no table named')
    t.equal((await tableState(db, 'jobs')).vacuums, 0)
    await churnJobs(db, 800)
    t.same(await vacuumChurnedTables(db), ['jobs'], 'past the line: the queue')
  }
)

t.test('on SQLite, and with an interval of 0, no vacuum job is made', async (t) => {
  const handle = await openTestDatabase(t)
  const made = (vacuumIntervalSeconds: number) => {
    const config = loadConfig({
      env: {},
      overrides: { databaseUrl: TEST_DATABASE_URL, simulatedCourt: false, vacuumIntervalSeconds }
    })
    const services = createServices({
      config,
      db: handle.db,
      dialect: handle.dialect,
      clock: fixedClock(NOW.toISOString()),
      courts: new Map()
    })
    t.teardown(() => services.close())
    return services.jobs.some((j) => j.definition.name === VACUUM_JOB.name)
  }
  t.equal(made(10), postgres, postgres ? 'PostgreSQL: made' : 'SQLite keeps no dead row versions: none')
  t.equal(made(0), false, 'an interval of 0 leaves the tables to autovacuum')
  if (!postgres) {
    await churnJobs(handle.db, 2000)
    t.same(await vacuumChurnedTables(handle.db), [], 'nothing is vacuumed on SQLite')
  }
})
