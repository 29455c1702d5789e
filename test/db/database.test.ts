import { sql } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { openDatabase } from '../../src/db/database.js'
import { TEST_DATABASE_URL } from '../helper.js'

const postgres = TEST_DATABASE_URL.startsWith('postgres')

t.test(
  'PostgreSQL ends every clearfile connection (a restart, a failover): the process stays up and the next query reconnects',
  { skip: postgres ? false : 'PostgreSQL only (DATABASE_URL)' },
  async (t) => {
    const failures: string[] = []
    // A name of its own, so only this pool's connections are ended (other test files run at the same time).
    const name = `clearfile-test-${process.pid}`
    const handle = await openDatabase({
      url: TEST_DATABASE_URL,
      poolSize: 3,
      applicationName: name,
      onConnectionError: (err) => failures.push(err.message)
    })
    t.teardown(() => handle.destroy())
    // Open a few connections and leave them idle in the pool.
    await Promise.all([1, 2, 3].map(() => sql`select pg_sleep(0.05)`.execute(handle.db)))
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await admin.connect()
    t.teardown(() => admin.end())
    const killed = await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
      [name]
    )
    t.ok(killed.rowCount! >= 1, `${killed.rowCount} idle connections terminated`)
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.ok(failures.length >= 1, 'each failure was reported, not thrown')
    const { rows } = await sql<{ n: number }>`select 1 as n`.execute(handle.db)
    t.same(rows, [{ n: 1 }], 'the next query runs on a new connection')
  }
)
