import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { sql } from 'kysely'
import { buildApp } from '../src/app.js'
import { systemClock } from '../src/clock.js'
import { loadConfig } from '../src/config.js'
import { createApiClient } from '../src/db/api-client-repository.js'
import { openDatabase } from '../src/db/database.js'
import { migrateOrThrow } from '../src/db/migrate.js'
import { Metrics } from '../src/metrics.js'
import { createServices } from '../src/services.js'
import { seedRecords } from './seed-records.js'

/*
 * npm run bench:listing [-- --people 66000 --rounds 15]
 *
 * The review queue and the filings list at Los Angeles' size (about 66,000 convictions filed for): a county of
 * `--people` people, each with a case, a conviction waiting for review and a filing, across three courts. Times
 * each listing a deputy DA or clerk asks for through the app (request to answer, totals included), median and
 * slowest of `--rounds`. The figure that says keyset paging works: the last page costs what the first does (the
 * ratio printed). DATABASE_URL selects PostgreSQL (a fresh database is best); the default is a SQLite file.
 */
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const PEOPLE = arg('people', 66_000)
const ROUNDS = arg('rounds', 15)
const COURTS = ['CA-LA-CCB', 'CA-LA-AIRPORT', 'CA-LA-VAN-NUYS']

const dir = mkdtempSync(join(tmpdir(), 'clearfile-bench-listing-'))
const url = process.env.DATABASE_URL ?? join(dir, 'listing.db')
const config = loadConfig({ env: {}, overrides: { databaseUrl: url, dataDir: dir, runJobs: false, logLevel: 'warn' } })
const handle = await openDatabase({ url })
await migrateOrThrow(handle.db)
const seededAt = performance.now()
const seeded = await seedRecords(handle.db, { county: 'LOS ANGELES', n: PEOPLE, courts: COURTS, prefix: 'B' })
const seedSeconds = (performance.now() - seededAt) / 1000
// A database in service has statistics of its tables (autovacuum gathers them); a fresh bulk load has none yet.
if (handle.dialect === 'postgres') await sql`analyze`.execute(handle.db)
const services = createServices({
  config,
  db: handle.db,
  dialect: handle.dialect,
  clock: systemClock,
  metrics: new Metrics()
})
const app = await buildApp(services, { logStream: new Writable({ write: (_c, _e, done) => done() }) })
await app.ready()
const { key } = await createApiClient(handle.db, { role: 'deputy_da', county: 'LOS ANGELES' }, new Date())

/** Median and slowest of ROUNDS requests of `path` (the first one, warming caches, not counted). */
async function time(path: string): Promise<{ median: number; max: number; total: number }> {
  const ms: number[] = []
  let total = 0
  for (let i = 0; i <= ROUNDS; i++) {
    const started = performance.now()
    const res = await app.inject({ url: path, headers: { authorization: `Bearer ${key}` } })
    const took = performance.now() - started
    if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${res.body.slice(0, 200)}`)
    total = (res.json() as { total: number }).total
    if (i > 0) ms.push(took)
  }
  ms.sort((a, b) => a - b)
  return { median: ms[Math.floor(ms.length / 2)]!, max: ms[ms.length - 1]!, total }
}

const someone = seeded[Math.floor(PEOPLE * 0.73)]!
const [family, given] = someone.name.split(',') as [string, string]
const queue = '/v1/determinations?outcome=needs_review&undecided=true&limit=100'
const first = await app.inject({ url: queue, headers: { authorization: `Bearer ${key}` } })
const second = `${queue}&after=${encodeURIComponent((first.json() as { next: string }).next)}`
const cases: Array<[string, string]> = [
  ['queue: first page', queue],
  ['queue: second page (cursor)', second],
  ['queue: last page', `${queue}&last=true`],
  ['queue: by name, sorted by name', `${queue}&sort=name&q=${encodeURIComponent(`${given} ${family}`)}`],
  ['queue: by case number', `${queue}&q=${someone.caseNumber}`],
  ['queue: one court, by conviction date', `${queue}&court=${COURTS[1]}&sort=convictionDate`],
  ['filings: first page, newest move first', '/v1/filings?limit=100&sort=updated&direction=desc'],
  ['filings: last page', '/v1/filings?limit=100&last=true'],
  ['filings: one court and state', `/v1/filings?limit=100&court=${COURTS[1]}&state=denied`],
  ['filings: by case number', `/v1/filings?limit=100&q=${someone.caseNumber}`]
]
const results: Record<string, { median: number; max: number; total: number }> = {}
for (const [name, path] of cases) results[name] = await time(path)

console.log(
  `clearfile listing bench — ${handle.dialect}, ${PEOPLE.toLocaleString('en-US')} people (as many convictions waiting and filings), seeded in ${seedSeconds.toFixed(1)} s, ${ROUNDS} rounds`
)
console.log(`${'listing'.padEnd(40)} ${'median ms'.padStart(10)} ${'max ms'.padStart(8)} ${'total'.padStart(8)}`)
for (const [name, r] of Object.entries(results))
  console.log(
    `${name.padEnd(40)} ${r.median.toFixed(1).padStart(10)} ${r.max.toFixed(1).padStart(8)} ${String(r.total).padStart(8)}`
  )
const ratio = (a: string, b: string) => (results[a]!.median / results[b]!.median).toFixed(2)
console.log(
  `last page ÷ first page: queue ${ratio('queue: last page', 'queue: first page')}, filings ${ratio('filings: last page', 'filings: first page, newest move first')}`
)

await app.close()
await services.close()
await handle.destroy()
rmSync(dir, { recursive: true, force: true })
