import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startSimulatedCourt } from '../../adapters/simulator/court.js'
import { seedFilings } from '../../bench/seed-filings.js'
import { systemClock } from '../../src/clock.js'
import { loadConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/database.js'
import { migrateOrThrow } from '../../src/db/migrate.js'
import { seededRandom } from '../../src/seeded-random.js'
import { answered, sanFranciscoCourtsFile, TEST_DATABASE_URL, until } from '../helper.js'
import {
  assertBuilt,
  freePort,
  openFilings,
  processDatabase,
  runCli,
  startServe,
  startWorker
} from '../serve-process.js'

/*
 * clearfile across processes: one `serve --no-jobs` takes the HTTP (the court's callbacks among it) and two
 * `clearfile worker` processes share the background jobs through the one database (on PostgreSQL, claims with
 * SKIP LOCKED). One worker is killed part way; the other takes over its jobs when their locks lapse. Each process
 * has a data folder of its own, as on separate machines: the papers and filing messages are shared through the
 * database store (`storage: database`) alone.
 */
const FILINGS = 300
const DA_PROFILES = fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.before(assertBuilt)
t.setTimeout(300_000)

// SQLite is one process's database: several processes writing one file wait on its lock, and the API answers a
// court 503 meanwhile. Servers and workers apart are for PostgreSQL.
const onPostgres = TEST_DATABASE_URL.startsWith('postgres') ? false : 'servers and workers apart run on PostgreSQL'

t.test(
  'a worker refuses a SQLite database, which only one process may write, and says to run the server alone',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'clearfile-workers-sqlite-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const refused = runCli(['worker'], {
      DATABASE_URL: join(dir, 'clearfile.db'),
      CLEARFILE_DATA_DIR: dir,
      CLEARFILE_COURTS: sanFranciscoCourtsFile('http://127.0.0.1:9')
    })
    t.not(refused.status, 0)
    t.match(refused.stderr, /a worker shares a PostgreSQL database with the servers/)
    t.match(refused.stderr, /run `clearfile serve` alone/)
    t.notOk(existsSync(join(dir, 'clearfile.db')), 'nothing was created')
  }
)

t.test(
  `one API and two workers with no disk in common, one of them killed part way, file ${FILINGS} cases through one PostgreSQL and its document store: each submitted once, every callback taken by the API`,
  { skip: onPostgres },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'clearfile-workers-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const databaseUrl = await processDatabase(t, dir)
    const key = randomBytes(16).toString('hex')
    const court = await startSimulatedCourt({
      reviewDelayMs: 100,
      rulingDelayMs: 150,
      acceptRate: 0.9,
      callbackSignature: { key },
      random: seededRandom(7)
    })
    t.teardown(() => court.close())
    const courtsFile = sanFranciscoCourtsFile(court.url, {
      callbackSignature: { secretRef: 'WORKERS_COURT_KEY' },
      limits: { timeoutMs: 2000, concurrency: 8 }
    })
    const config = loadConfig({
      env: {},
      overrides: {
        databaseUrl,
        dataDir: join(dir, 'seed'),
        storage: 'database',
        daProfilesFile: DA_PROFILES,
        courtsFile,
        runJobs: false
      }
    })
    const handle = await openDatabase({ url: databaseUrl })
    t.teardown(() => handle.destroy())
    await migrateOrThrow(handle.db)
    const filingIds = await seedFilings({
      db: handle.db,
      dialect: handle.dialect,
      config,
      clock: systemClock,
      count: FILINGS
    })

    const port = await freePort()
    const env = {
      DATABASE_URL: databaseUrl,
      CLEARFILE_STORAGE: 'database',
      CLEARFILE_DA_PROFILES: DA_PROFILES,
      CLEARFILE_COURTS: courtsFile,
      CLEARFILE_PUBLIC_URL: `http://127.0.0.1:${port}`,
      CLEARFILE_POLL_INTERVAL_SECONDS: '0.3',
      CLEARFILE_JOB_LOCK_SECONDS: '1.5',
      CLEARFILE_WORKER_CONCURRENCY: '4',
      WORKERS_COURT_KEY: key,
      LOG_LEVEL: 'error'
    }
    const refused = await runCli(['worker'], { ...env, CLEARFILE_DATA_DIR: join(dir, 'refused'), CLEARFILE_COURTS: '' })
    t.match(refused.stderr, /a worker files with the courts file the servers use/, 'a worker needs the courts file')

    const own = (name: string) => ({ ...env, CLEARFILE_DATA_DIR: join(dir, name) })
    // Who holds jobs while it runs, watched from before any process starts: the two workers' owners, never the API's.
    const owners = new Set<string>()
    let watching = true
    const watcher = (async () => {
      while (watching) {
        const held = await handle.db
          .selectFrom('jobs')
          .select('lock_owner')
          .where('lock_owner', 'is not', null)
          .execute()
        for (const j of held) owners.add(j.lock_owner!)
        await sleep(25)
      }
    })()
    t.teardown(async () => {
      watching = false
      await watcher
    })
    const api = await startServe(['--port', String(port), '--no-jobs'], own('api'))
    // Started together: a worker that started first on a slow machine could otherwise send a third before the other was up.
    const workers = await Promise.all([startWorker(own('worker-1')), startWorker(own('worker-2'))])
    t.teardown(() => {
      for (const p of [api, ...workers]) p.child.kill('SIGKILL')
    })
    const open = () => openFilings(handle.db)
    let killed = false
    const deadline = Date.now() + 180_000
    while ((await open()) > 0 && Date.now() < deadline) {
      // Killed once both have been seen at work, and a third is at the court.
      if (!killed && owners.size >= 2 && court.filings() >= FILINGS / 3) {
        workers[0]!.child.kill('SIGKILL')
        killed = true
      }
      await sleep(100)
    }
    watching = false
    await watcher
    t.ok(killed, 'one worker was killed part way')
    await until(() => answered(court) >= court.filings() * 0.9)

    const states = await handle.db
      .selectFrom('filings')
      .select(['state', (eb) => eb.fn.countAll().as('n')])
      .groupBy('state')
      .execute()
    const byState = Object.fromEntries(states.map((s) => [s.state, Number(s.n)]))
    t.equal(await open(), 0, `every filing reached a terminal state: ${JSON.stringify(byState)}`)
    t.notOk(byState.failed, 'none failed')
    const submissions = court.submissions()
    t.same(
      {
        lost: filingIds.filter((id) => !submissions.has(id)).length,
        duplicates: filingIds.filter((id) => (submissions.get(id) ?? 0) > 1).length
      },
      { lost: 0, duplicates: 0 },
      '0 lost, 0 duplicates at the court'
    )
    t.equal(court.filings(), FILINGS)
    t.equal(owners.size, 2, 'both workers took jobs, and nothing else did')
    t.equal(
      court.callbacks().refused + court.callbacks().failed + court.callbacks().unknown,
      0,
      `the API took every callback of the court's: ${JSON.stringify(court.callbacks())} ${api.output().slice(-2000)}`
    )
    const heard = await handle.db
      .selectFrom('filing_events')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('source', '=', 'callback')
      .executeTakeFirstOrThrow()
    t.ok(Number(heard.n) > 0, 'recorded on the filings')
    const messages = await handle.db
      .selectFrom('blobs')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('key', 'like', 'filings/%')
      .executeTakeFirstOrThrow()
    t.equal(Number(messages.n), FILINGS, "every filing's message is in the database store")
    t.same(
      ['seed', 'api', 'worker-1', 'worker-2'].flatMap((name) =>
        ['documents', 'filings'].filter((sub) => existsSync(join(dir, name, sub)))
      ),
      [],
      'no process kept papers or messages on its own disk'
    )
    api.child.kill('SIGTERM')
    workers[1]!.child.kill('SIGTERM')
    t.same(await Promise.all([api.exited, workers[1]!.exited]), [0, 0], 'the API and the worker left stop cleanly')
  }
)
