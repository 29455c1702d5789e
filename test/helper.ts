import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { type Kysely, type QueryResult, sql } from 'kysely'
import { buildApp, type App } from '../src/app.js'
import { fixedClock } from '../src/clock.js'
import { loadConfig, type Config } from '../src/config.js'
import { createApiClient, type Role } from '../src/db/api-client-repository.js'
import { openDatabase, type DatabaseHandle } from '../src/db/database.js'
import { migrateOrThrow } from '../src/db/migrate.js'
import type { Database } from '../src/db/schema.js'
import { asBulkWork } from '../src/db/work-priority.js'
import { createJobRunner } from '../src/jobs/job-runner.js'
import { Metrics } from '../src/metrics.js'
import { createServices, type Services } from '../src/services.js'

/** The suite runs on SQLite unless DATABASE_URL names a PostgreSQL server; CI runs it both ways. */
export const TEST_DATABASE_URL = process.env.DATABASE_URL || ':memory:'

interface Teardown {
  teardown: (fn: () => unknown) => void
}

/** `db` counting the statements sent through it: how many since the last `reset()`. */
export function countingStatements<D>(db: Kysely<D>): { db: Kysely<D>; count: () => number; reset: () => void } {
  let statements = 0
  // Counted by their results: a select put inside another statement is transformed, never executed, on its own.
  const counted = db.withPlugin({
    transformQuery: ({ node }) => node,
    transformResult: async ({ result }) => {
      statements++
      return result as QueryResult<never>
    }
  })
  return {
    db: counted,
    count: () => statements,
    reset: () => {
      statements = 0
    }
  }
}

/**
 * A fresh, migrated database for one test file: in-memory SQLite, or a new
 * PostgreSQL schema (dropped afterwards) so parallel test files never meet.
 */
export async function openTestDatabase(t: Teardown): Promise<DatabaseHandle> {
  const schema = `t_${randomBytes(6).toString('hex')}`
  // A connection name of its own (PostgreSQL): a test that ends its connections ends no other file's.
  const handle = await openDatabase({
    url: TEST_DATABASE_URL,
    schema,
    poolSize: 4,
    applicationName: `clearfile-${schema}`,
    // A query waits this long for one of the four connections. The service's 5 s is for a request path; tests throw
    // hundreds of statements at once at four connections, on a machine running two other test files and PostgreSQL:
    // in CI a 5 s wait failed a correct test ("timeout exceeded when trying to connect").
    connectionTimeoutMs: 60_000
  })
  t.teardown(async () => {
    if (handle.dialect === 'postgres') await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(handle.db)
    await handle.destroy()
  })
  await migrateOrThrow(handle.db)
  return handle
}

export interface TestApp {
  app: App
  services: Services
  handle: DatabaseHandle
  config: Config
  clock: ReturnType<typeof fixedClock>
  /** Every log line the app wrote, as text. */
  logs: string[]
  /** A new API key with this role and county (admin: any county). */
  keyFor: (role: Role, county?: string) => Promise<string>
  /** Runs every due background job (reviews) to the end; returns how many ran. */
  runJobs: () => Promise<number>
}

export async function buildTestApp(t: Teardown, configOverrides: Record<string, unknown> = {}): Promise<TestApp> {
  const handle = await openTestDatabase(t)
  const dataDir = mkdtempSync(join(tmpdir(), 'clearfile-test-data-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const config = loadConfig({
    env: {},
    overrides: {
      databaseUrl: TEST_DATABASE_URL,
      logLevel: 'info',
      dataDir,
      runJobs: false,
      simulatedCourt: false,
      // The suite's webhook receivers listen on loopback; the SSRF tests turn this off.
      webhookAllowPrivateNetworks: true,
      // Filing messages are built on the test's own thread: a worker's start under the TypeScript loader costs a file
      // seconds. Their threads are tested in test/ecf/filing-request-builder.test.ts and by the service processes the
      // crash, workers and statewide tests start.
      messageThreads: 0,
      ...configOverrides
    }
  })
  const clock = fixedClock('2026-11-28T12:00:00.000Z')
  const logs: string[] = []
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString('utf8'))
      done()
    }
  })
  // One set of services for the app and the job runner, as the server has.
  const services = createServices({ config, db: handle.db, dialect: handle.dialect, clock, metrics: new Metrics() })
  t.teardown(() => services.close())
  const app = await buildApp(services, { logStream })
  t.teardown(() => app.close())
  await app.ready()
  const keyFor = async (role: Role, county?: string) =>
    (await createApiClient(handle.db, { role, county: county ?? null }, clock.now())).key
  const runner = createJobRunner({ db: handle.db, clock, jobs: services.jobs })
  return { app, services, handle, config, clock, logs, keyFor, runJobs: () => runner.drain() }
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` })

/** A valid case body in the shape of the intake contract; override parts per test. */
export function caseBody(
  overrides: {
    person?: Record<string, unknown>
    case?: Record<string, unknown>
    counts?: Array<Record<string, unknown>>
  } = {}
) {
  return {
    person: {
      name: 'GARCIA, MARIA',
      dob: '1970-02-03',
      cii: 'A12345678',
      dojSubjectId: '1000001',
      aliases: [],
      ...overrides.person
    },
    case: { county: 'SAN FRANCISCO', court: 'CA-SF', caseNumber: 'SCN123456', ...overrides.case },
    counts: overrides.counts ?? [
      {
        codeSection: '11359 HS',
        severity: 'F',
        disposition: 'convicted',
        convictionDate: '2010-05-01',
        sentence: [{ kind: 'jail', length: 30, unit: 'days' }]
      }
    ]
  }
}

/** Takes a case in, prepares its papers and queues its filing, as a deputy DA does through the API. */
export async function fileCase(
  app: App,
  key: string,
  body: ReturnType<typeof caseBody> = caseBody()
): Promise<{ caseId: string; filingId: string }> {
  const kase = (await app.inject({ method: 'POST', url: '/v1/cases', headers: bearer(key), payload: body })).json()
  await app.inject({ method: 'POST', url: `/v1/cases/${kase.id}/documents`, headers: bearer(key) })
  const filing = (
    await app.inject({ method: 'POST', url: '/v1/filings', headers: bearer(key), payload: { caseId: kase.id } })
  ).json()
  return { caseId: kase.id, filingId: filing.id }
}

/** A courts file holding San Francisco's court at `endpoint` (fields over the defaults), and any others given. */
export function sanFranciscoCourtsFile(
  endpoint: string,
  entry: Record<string, unknown> = {},
  others: Array<Record<string, unknown>> = []
): string {
  const courtsFile = join(mkdtempSync(join(tmpdir(), 'clearfile-courts-')), 'courts.json')
  writeFileSync(
    courtsFile,
    JSON.stringify([
      {
        id: 'CA-SF',
        name: 'Superior Court of California, County of San Francisco',
        county: 'SAN FRANCISCO',
        adapter: 'simulator',
        endpoint,
        ...entry
      },
      ...others
    ])
  )
  return courtsFile
}

/**
 * Waits until `ready` says so, asking every 10 ms, for `ms` at most; then returns either way, and the assertions after
 * it say what was not ready. Ten seconds, not two: CI runs test files side by side on a slow machine, with coverage.
 */
export async function until(ready: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !(await ready()) && Date.now() < end; )
    await new Promise((resolve) => setTimeout(resolve, 10))
}

/** How many of a simulated court's callbacks got an answer (taken, failed, unknown or refused), to wait for them. */
export function answered(court: {
  callbacks: () => { sent: number; failed: number; unknown: number; refused: number }
}): number {
  const c = court.callbacks()
  return c.sent + c.failed + c.unknown + c.refused
}

/** The files under a folder (in any subfolder), as paths relative to it, sorted: what a test left on disk. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort()
}

/**
 * On PostgreSQL, holds bulk work's whole share of a test pool's four connections (two: see `requestFirstPool`) in
 * transactions left open, then sends `bulk` (a request the service runs as bulk work) and `read` (a person's request)
 * at once. Resolves once `read` is answered while `bulk` still waits for a share, then lets `bulk` through; returns
 * both answers and whether `bulk` was answered before the share was given back (it must not be).
 */
export async function bulkBehindRead<B, R>(
  db: Kysely<Database>,
  bulk: () => Promise<B>,
  read: () => Promise<R>
): Promise<{ bulk: B; read: R; bulkAnsweredFirst: boolean }> {
  let release!: () => void
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  const holders = asBulkWork(() =>
    [1, 2].map(() =>
      db.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx)
        await released
      })
    )
  )
  await new Promise((resolve) => setTimeout(resolve, 50))
  let bulkAnswered = false
  const sent = bulk().then((answer) => {
    bulkAnswered = true
    return answer
  })
  const readAnswer = await read()
  // A moment more for bulk work that was not, in fact, waiting.
  await new Promise((resolve) => setTimeout(resolve, 50))
  const bulkAnsweredFirst = bulkAnswered
  release()
  await Promise.all(holders)
  return { bulk: await sent, read: readAnswer, bulkAnsweredFirst }
}
