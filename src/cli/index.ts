#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander'
import { isPostgresUrl, loadConfig, type ConfigSources } from '../config.js'
import {
  createApiClient,
  listApiClients,
  revokeApiClient,
  ROLES,
  rotateApiClient,
  type Role
} from '../db/api-client-repository.js'
import { openDatabase } from '../db/database.js'
import { migrateOrThrow } from '../db/migrate.js'
import { isClearfileError } from '../errors.js'
import { BUILT_IN_POLICIES } from '../eligibility/policies.js'
import type { MotionScope } from '../documents/review-motions.js'
import { seededRandom } from '../seeded-random.js'
import { EXPECTED, requireFile, wholeNumber } from './inputs.js'
import type { ReviewFlags } from './review.js'

interface DbFlags {
  db?: string
  config?: string
}

function configFrom(flags: DbFlags & { host?: string; port?: string }, settings: Record<string, unknown> = {}) {
  const sources: ConfigSources = {
    env: process.env,
    overrides: { databaseUrl: flags.db, host: flags.host, port: flags.port, ...settings }
  }
  if (flags.config) requireFile(flags.config, '--config', EXPECTED.config)
  else if (process.env.CLEARFILE_CONFIG) requireFile(process.env.CLEARFILE_CONFIG, 'CLEARFILE_CONFIG', EXPECTED.config)
  if (flags.config) sources.file = flags.config
  return loadConfig(sources)
}

/** Opens the configured database, migrates it, runs `work`, and always closes it. */
async function withDatabase<T>(
  flags: DbFlags,
  work: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>
): Promise<T> {
  const config = configFrom(flags)
  const handle = await openDatabase({ url: config.databaseUrl, prepareStatements: config.preparedStatements })
  try {
    await migrateOrThrow(handle.db)
    return await work(handle.db)
  } finally {
    await handle.destroy()
  }
}

function parseRole(value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`use one of ${ROLES.join(', ')}`)
  return value as Role
}

/** `--expires-in 90` (days) → the instant the key stops working. */
function parseDays(value: string): number {
  const days = Number(value)
  if (!Number.isFinite(days) || days <= 0) throw new InvalidArgumentError('give a positive number of days')
  return days
}
const DAY_MS = 86_400_000
const expiryOf = (days: number | undefined, now: Date) => (days ? new Date(now.getTime() + days * DAY_MS) : null)

const dbOption = ['--db <url>', 'SQLite file path or postgres:// URL (env DATABASE_URL)'] as const
const configOption = ['--config <file>', 'JSON config file (env CLEARFILE_CONFIG)'] as const

// Everything clearfile writes (databases, uploads, papers, review outputs) holds criminal records: owner only.
process.umask(0o077)

const program = new Command('clearfile')
  .description('Court e-filing integration service for record clearance')
  .showHelpAfterError()

program
  .command('serve')
  .description('run the HTTP service (migrates the database first)')
  .option('--host <host>', 'interface to listen on (env HOST)')
  .option('--port <port>', 'port to listen on (env PORT, default 3000)')
  .option(
    '--no-jobs',
    'serve HTTP only: background jobs are left to `clearfile worker` processes (env CLEARFILE_RUN_JOBS=false)'
  )
  .option(...dbOption)
  .option(...configOption)
  .action(async (flags: DbFlags & { host?: string; port?: string; jobs?: boolean }) => {
    const config = configFrom(flags, flags.jobs === false ? { runJobs: false } : {})
    // Imported when used: the service (fastify and all its routes) is most of the CLI's start-up time.
    const { startServer } = await import('../server.js')
    const server = await startServer(config, {
      onBootstrapKey: (key) => {
        // On stderr: stdout carries the JSON logs, which are often shipped elsewhere; a key must not travel with them.
        process.stderr.write(
          `\nNo API keys existed, so an admin key was created. It is shown only this once:\n\n  ${key}\n\n` +
            'Create county keys with: npx clearfile keys create --role da_system --county "SAN FRANCISCO"\n\n'
        )
      }
    })
    // Said on stdout whatever the log level: scripts and supervisors wait for this line.
    process.stdout.write(`clearfile listening at ${server.address} (API docs at ${server.address}/docs)\n`)
  })

program
  .command('worker')
  .description(
    'run the background jobs (submissions, status polls, papers, reviews, webhooks) without HTTP; any number of workers and `serve --no-jobs` share one database'
  )
  .option(...dbOption)
  .option(...configOption)
  .action(async (flags: DbFlags) => {
    // A worker files with the courts of the courts file only: a simulated court started here would be a court
    // no server knows, calling back to no one.
    const config = configFrom(flags, { runJobs: true, simulatedCourt: false })
    // A second process writing one SQLite file waits on its lock, and the server answers 503 meanwhile.
    if (!isPostgresUrl(config.databaseUrl))
      throw new InvalidArgumentError(
        "a worker shares a PostgreSQL database with the servers (DATABASE_URL=postgres://…): SQLite is one process's database, so on SQLite run `clearfile serve` alone, which runs the jobs itself"
      )
    if (!config.courtsFile)
      throw new InvalidArgumentError(
        'a worker files with the courts file the servers use: set CLEARFILE_COURTS (the simulated court of a lone `clearfile serve` is not reachable from another process)'
      )
    const { startServer } = await import('../server.js')
    await startServer(config, { listen: false })
    process.stdout.write(`clearfile worker running (pid ${process.pid})\n`)
  })

program
  .command('migrate')
  .description('bring the database schema up to date')
  .option(...dbOption)
  .option(...configOption)
  .action(async (flags: DbFlags) => {
    const config = configFrom(flags)
    const handle = await openDatabase({ url: config.databaseUrl, prepareStatements: config.preparedStatements })
    try {
      const applied = await migrateOrThrow(handle.db)
      process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'already up to date\n')
    } finally {
      await handle.destroy()
    }
  })

const keys = program.command('keys').description('manage API keys')

keys
  .command('create')
  .description('create an API key and print it once (only its hash is stored)')
  .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, parseRole)
  .option('--county <county>', 'the county whose records the key may see (not for admin or metrics keys)')
  .option('--name <name>', 'who or what holds the key, e.g. "SF DA case system"')
  .option('--expires-in <days>', 'the key stops working after this many days', parseDays)
  .option(...dbOption)
  .option(...configOption)
  .action(async (flags: DbFlags & { role: Role; county?: string; name?: string; expiresIn?: number }) => {
    const countyFree = flags.role === 'admin' || flags.role === 'metrics'
    if (!countyFree && !flags.county) throw new InvalidArgumentError(`a ${flags.role} key needs --county`)
    if (countyFree && flags.county) throw new InvalidArgumentError(`a ${flags.role} key takes no --county`)
    const now = new Date()
    const created = await withDatabase(flags, (db) =>
      createApiClient(
        db,
        {
          role: flags.role,
          county: flags.county ?? null,
          name: flags.name ?? null,
          expiresAt: expiryOf(flags.expiresIn, now)
        },
        now
      )
    )
    process.stdout.write(`${created.key}\n`)
    process.stderr.write(
      `key ${created.client.keyPrefix}… role ${created.client.role}, county ${created.client.county ?? '(all)'}; store it now, it is not shown again\n`
    )
  })

keys
  .command('list')
  .description('list API clients (never the keys): prefix, role, county, name, state, last used')
  .option(...dbOption)
  .option(...configOption)
  .action(async (flags: DbFlags) => {
    const now = Date.now()
    const rows = await withDatabase(flags, (db) => listApiClients(db))
    for (const r of rows) {
      const state = r.revoked_at
        ? `revoked ${r.revoked_at}`
        : r.expires_at && Date.parse(r.expires_at) <= now
          ? `expired ${r.expires_at}`
          : r.expires_at
            ? `active until ${r.expires_at}`
            : 'active'
      process.stdout.write(
        `${r.key_prefix}…\t${r.role}\t${r.county ?? '(all)'}\t${r.name ?? ''}\t${state}\t${r.last_used_at ? `last used ${r.last_used_at}` : 'never used'}\n`
      )
    }
  })

keys
  .command('revoke')
  .description('revoke a key by its id or its printed prefix')
  .argument('<prefix-or-id>')
  .option(...dbOption)
  .option(...configOption)
  .action(async (prefix: string, flags: DbFlags) => {
    const n = await withDatabase(flags, (db) => revokeApiClient(db, prefix, new Date()))
    if (n === 0) throw new InvalidArgumentError(`no active key ${prefix}`)
    process.stdout.write(`revoked ${n}\n`)
  })

keys
  .command('rotate')
  .description('replace a key: print a new one (same role, county, name); the old one works on for --overlap-hours')
  .argument('<prefix-or-id>')
  .option('--overlap-hours <hours>', 'how long the old key keeps working (0: refused at once)', '24')
  .option('--expires-in <days>', 'the new key stops working after this many days', parseDays)
  .option(...dbOption)
  .option(...configOption)
  .action(async (prefix: string, flags: DbFlags & { overlapHours: string; expiresIn?: number }) => {
    const hours = Number(flags.overlapHours)
    if (!Number.isFinite(hours) || hours < 0) throw new InvalidArgumentError('--overlap-hours: give 0 or more hours')
    const now = new Date()
    const rotated = await withDatabase(flags, (db) =>
      rotateApiClient(db, prefix, { now, overlapMs: hours * 3_600_000, expiresAt: expiryOf(flags.expiresIn, now) })
    )
    process.stdout.write(`${rotated.key}\n`)
    process.stderr.write(
      `key ${rotated.client.keyPrefix}… replaces ${rotated.replaced}…, which ${hours > 0 ? `works for ${hours} more hours` : 'is revoked'}; store the new key now, it is not shown again\n`
    )
  })

program
  .command('review')
  .description('review a DOJ bulk file: a determination for every Prop 64 conviction in the county')
  .requiredOption('--doj <file>', 'the DOJ bulk research file (95 columns, CSV)')
  .requiredOption('--county <name>', 'the county whose convictions are decided, e.g. "SAN FRANCISCO"')
  .requiredOption('--as-of <YYYY-MM-DD>', 'the date every date rule is computed at')
  .option(
    '--policy <file or name>',
    `county policy: a policy file, a gogen eligibility-options file, or ${Object.keys(BUILT_IN_POLICIES).join(' | ')}`
  )
  .requiredOption('--out <dir>', 'where determinations.csv, summary.json and errors.csv go')
  .option(
    '--workers <n>',
    "worker threads (default, for a file of 64 MB or more: one per core but the main thread's, or one per core with --motions; 0 reviews on the main thread)",
    wholeNumber(0)
  )
  .option('--motions <scope>', 'also write court papers into <out>/motions/: case | person | bulk', (v: string) => {
    if (!['case', 'person', 'bulk'].includes(v)) throw new InvalidArgumentError('use case, person or bulk')
    return v as MotionScope
  })
  .option(
    '--profiles <file>',
    'DA profiles file (JSON list, schemas/da-profile.ts) for --motions (env CLEARFILE_DA_PROFILES)'
  )
  .option(
    '--filings',
    "with --motions case|person: also write each filing's ECF 4.01 ReviewFilingRequestMessage (PDFs embedded) into <out>/filings/"
  )
  .option('--court <court id>', 'the court the filings are for, from the courts file (env CLEARFILE_COURTS)')
  .option('--courts <file>', 'courts configuration file (schemas/courts.ts)')
  .option(
    '--callback-url <url>',
    'the FilingAssemblyMDE URL the court should call back',
    'urn:clearfile:offline-filing-kit'
  )
  .action(async (flags: ReviewFlags) => (await import('./review.js')).runReviewCommand(flags))

program
  .command('simulate-court')
  .description(
    'run a simulated Superior Court speaking OASIS ECF 4.01 SOAP on loopback (for development, demos and tests)'
  )
  .option('--port <port>', 'port to listen on', '3100')
  .option('--host <host>', 'interface', '127.0.0.1')
  .option('--review-delay-ms <ms>', 'time the clerk takes to review a filing', '2000')
  .option('--ruling-delay-ms <ms>', 'time after acceptance until the ruling', '5000')
  .option('--accept-rate <share>', 'share of filings the clerk accepts', '0.95')
  .option('--server-errors <share>', 'share of requests answered 503', '0')
  .option('--timeouts <share>', 'share of requests never answered', '0')
  .option('--drops <share>', 'share of filings receipted and then cut off', '0')
  .option('--malformed <share>', 'share of answers that are not XML', '0')
  .option('--lost-callbacks <share>', 'share of reviews the filer is never called back about', '0')
  .option('--duplicate-callbacks <share>', 'share of reviews the filer is called back about twice', '0')
  .option(
    '--ruling-wording <wording>',
    'how rulings are worded: ruling-prefix ("ruling: granted") or plain ("granted")',
    'ruling-prefix'
  )
  .option('--seed <n>', "seed of the court's dice", '1')
  .option('--no-policy', 'answer no GetPolicy (a court that publishes no policy)')
  .option('--fee <amount>', 'offer GetFeesCalculation, charging this much (USD) per filing')
  .option('--fee-exempt <filerIds>', 'filer ids the court charges no fee (comma-separated)', '')
  .option(
    '--shared-secret',
    'call back with CLEARFILE_SIMULATED_COURT_SECRET as a bare secret header (legacy) instead of signing with it'
  )
  .action(async (flags: Record<string, string | boolean>) => {
    const { startSimulatedCourt } = await import('../../adapters/simulator/court.js')
    const key = process.env.CLEARFILE_SIMULATED_COURT_SECRET || undefined
    const num = (name: string) => {
      const v = Number(flags[name])
      if (!Number.isFinite(v) || v < 0)
        throw new InvalidArgumentError(`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a number ≥ 0`)
      return v
    }
    const money = (v: string) => {
      if (!/^\d+(\.\d{1,2})?$/.test(v)) throw new InvalidArgumentError('--fee must be an amount such as 60.00')
      return v
    }
    const court = await startSimulatedCourt({
      host: String(flags.host),
      port: num('port'),
      reviewDelayMs: num('reviewDelayMs'),
      rulingDelayMs: num('rulingDelayMs'),
      acceptRate: num('acceptRate'),
      rulingWording: flags.rulingWording === 'plain' ? 'plain' : 'ruling-prefix',
      ...(flags.policy === false ? { policy: false as const } : {}),
      ...(typeof flags.fee === 'string'
        ? {
            fees: {
              amount: money(flags.fee),
              exemptFilers: String(flags.feeExempt)
                .split(',')
                .map((f) => f.trim())
                .filter((f) => f.length > 0)
            }
          }
        : {}),
      random: seededRandom(num('seed')),
      faults: {
        serverError: num('serverErrors'),
        timeout: num('timeouts'),
        dropAfterReceipt: num('drops'),
        malformed: num('malformed'),
        lostCallback: num('lostCallbacks'),
        duplicateCallback: num('duplicateCallbacks')
      },
      // The key the court signs its callbacks with (HMAC-SHA256 of the body in X-Court-Signature): the filer's
      // courts file names the same variable in callbackSignature.secretRef — or, with --shared-secret, sends it as
      // a bare secret for a filer configured with callbackSecretRef (legacy).
      ...(key && flags.sharedSecret ? { callbackSecret: key } : {}),
      ...(key && !flags.sharedSecret ? { callbackSignature: { key } } : {})
    })
    process.stdout.write(
      `simulated court listening at ${court.url}${key ? ` (calling filers back, ${flags.sharedSecret ? 'with the shared secret' : 'signed with the key'} in CLEARFILE_SIMULATED_COURT_SECRET)` : ' (no callbacks: CLEARFILE_SIMULATED_COURT_SECRET is not set)'}\n`
    )
    const stop = () => {
      void court.close().then(() => process.exit(0))
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })

program
  .command('demo')
  .description(
    "push a generated county through the whole loop against a running clearfile (npm start): review, papers, filing, the court's rulings, the clerk's report"
  )
  .option('--url <url>', 'the running clearfile', 'http://127.0.0.1:3000')
  .option(...dbOption)
  .option(...configOption)
  .option('--county <name>', 'the county to generate', 'SAN FRANCISCO')
  .option('--people <n>', 'how many people the generated DOJ file holds', wholeNumber(1), 1500)
  .option('--seed <n>', 'seed of the generated file', wholeNumber(0), 64)
  .option('--timeout <seconds>', "longest wait for the court's rulings", wholeNumber(1), 600)
  .action(async (flags: DbFlags & { url: string; county: string; people: number; seed: number; timeout: number }) => {
    const config = configFrom(flags)
    const { runDemo } = await import('./demo.js')
    const started = Date.now()
    const result = await runDemo({
      url: flags.url,
      databaseUrl: config.databaseUrl,
      county: flags.county.toUpperCase(),
      people: flags.people,
      seed: flags.seed,
      timeoutSeconds: flags.timeout,
      say: (line) => process.stdout.write(`${line}\n`)
    })
    process.stdout.write(
      `\nmotions prepared ${result.prepared} / submitted ${result.submitted} / granted ${result.granted}  ` +
        `(a motion per case, filed one per filing; granted includes partly granted; in ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
        `the dashboard: ${flags.url.replace(/\/$/, '')}/)\n`
    )
  })

program.parseAsync(process.argv).catch((err: unknown) => {
  const message =
    isClearfileError(err) || err instanceof InvalidArgumentError
      ? err.message
      : ((err as Error)?.message ?? String(err))
  process.stderr.write(`clearfile: ${message}\n`)
  process.exit(1)
})
