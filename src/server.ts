import { removeDeadScratch } from './storage/blob-store.js'
import { buildApp, type App } from './app.js'
import { systemClock } from './clock.js'
import { chmod, mkdir } from 'node:fs/promises'
import { isPostgresUrl, type Config } from './config.js'
import { countApiClients, createApiClient } from './db/api-client-repository.js'
import { assertWritable, openDatabase, type DatabaseHandle } from './db/database.js'
import { ClearfileError } from './errors.js'
import { migrateOrThrow } from './db/migrate.js'
import { Metrics } from './metrics.js'
import { configuredProfiles } from './documents/da-profiles.js'
import { createJobRunner } from './jobs/job-runner.js'
import { compileEcfSchemas } from './ecf/validator.js'
import { startReportInboxes } from './outcomes/report-inbox.js'
import { startRetention } from './jobs/retention-job.js'
import { startVacuum, VACUUM_JOB } from './jobs/vacuum-job.js'
import { createServices, serverCourts, type Services } from './services.js'

export interface RunningServer {
  app: App
  /** Where it listens; null for a worker, which does not. */
  address: string | null
  /** Stops taking requests, lets in-flight ones finish, stops workers, closes the pool. */
  close: () => Promise<void>
}

export interface StartOptions {
  /** Called once with a new admin key when the database has no API client yet. */
  onBootstrapKey?: (key: string) => void
  /**
   * false for a worker (`clearfile worker`): background jobs only, no HTTP; any number of workers and servers
   * (`serve` with `runJobs` off) share one PostgreSQL, each job claimed by one of them.
   */
  listen?: boolean
}

/**
 * The process around the app: open and migrate the database, listen (unless a
 * worker), run the background jobs (unless `runJobs` is off), and shut down
 * gracefully on SIGINT/SIGTERM within `shutdownGraceSeconds`.
 */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  await keepPrivate(config)
  let app: App | undefined
  // The pool outlives many connections: one that fails while idle is logged and replaced, never fatal.
  const handle: DatabaseHandle = await openDatabase({
    url: config.databaseUrl,
    checkpointInBackground: true,
    prepareStatements: config.preparedStatements,
    onConnectionError: (err) =>
      app?.log.warn({ err: err.message }, 'a database connection failed while idle; it will be replaced')
  })
  let courts: Awaited<ReturnType<typeof serverCourts>> | undefined
  let services: Services | undefined
  try {
    await migrateOrThrow(handle.db)
    // A database that cannot be written (a read-only file, a standby) is found now, not at the first filing.
    await assertWritable(handle.db).catch((err: unknown) => {
      throw new ClearfileError(
        'CLEARFILE_ERR_DATABASE_UNAVAILABLE',
        `the database does not take writes (${(err as Error).message}); check the file's permissions or the server's role`
      )
    })
    if (options.onBootstrapKey && (await countApiClients(handle.db)) === 0) {
      const { key } = await createApiClient(handle.db, { role: 'admin', name: 'bootstrap admin' }, systemClock.now())
      options.onBootstrapKey(key)
    }
    // Configuration files are read once, here: the DA profiles, then the courts (or the simulated court that serves them).
    const profiles = configuredProfiles(config)
    courts = await serverCourts(config, profiles)
    services = createServices({
      config,
      db: handle.db,
      dialect: handle.dialect,
      clock: systemClock,
      courts: courts.courts,
      profiles,
      metrics: new Metrics(),
      servesHttp: options.listen !== false
    })
    app = await buildApp(services)
    // A bare shared secret is kept for courts that know nothing better, and said so at every start.
    for (const court of courts.courts.values())
      if (
        court.callbackSecretRef &&
        !court.callbackSignature &&
        !court.callbackWsSecurity &&
        !court.callbackCertFingerprint
      )
        app.log.warn(
          { court: court.id },
          'callbacks are authenticated by a bare shared secret (legacy: replayable, no integrity); ask the court for signed callbacks (callbackSignature, callbackWsSecurity) or mutual TLS (callbackCertFingerprint)'
        )
    if (courts.simulatorUrls.length > 0)
      app.log.info(
        { urls: courts.simulatorUrls, courts: [...courts.courts.keys()] },
        'no courts file: filing with the simulated Superior Court'
      )
    const runner = config.runJobs
      ? createJobRunner({
          db: handle.db,
          clock: systemClock,
          jobs: services.jobs,
          log: app.log,
          lanes: {
            submit: config.workerConcurrency,
            court: config.courtQueryLanes,
            deliver: config.deliveryLanes,
            default: 1,
            long: config.longJobLanes
          },
          lockMs: config.jobLockSeconds * 1000
        })
      : undefined
    const opened = services
    // Closing: the server stops taking requests and finishes in-flight ones, then the job runner finishes its jobs, then the pool closes.
    app.addHook('onClose', async () => {
      await runner?.stop()
      await opened.close()
      await courts?.close()
      await handle.destroy()
    })
    if (runner) {
      // The schemas every filing's message is validated against take a quarter second to compile: not mid-county.
      compileEcfSchemas()
      await startReportInboxes(handle.db, courts.courts, systemClock.now())
      await startRetention(handle.db, systemClock.now())
      if (services.jobs.some((j) => j.definition.name === VACUUM_JOB.name))
        await startVacuum(handle.db, systemClock.now())
    }
    const address = options.listen === false ? null : await app.listen({ host: config.host, port: config.port })
    runner?.start()
    const running = app
    let closing: Promise<void> | undefined
    const close = () => {
      closing ??= running.close()
      return closing
    }
    const onSignal = (signal: NodeJS.Signals) => {
      running.log.info({ signal }, 'shutting down')
      const timer = setTimeout(() => {
        running.log.error('graceful shutdown timed out; exiting')
        process.exit(1)
      }, config.shutdownGraceSeconds * 1000)
      timer.unref()
      // Half the grace for requests in flight to finish (new ones are answered 503 meanwhile), the rest to close.
      running
        .drain((config.shutdownGraceSeconds * 1000) / 2)
        .then(close)
        .then(
          () => process.exit(0),
          (err: unknown) => {
            running.log.error({ err }, 'shutdown failed')
            process.exit(1)
          }
        )
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    return { app, address, close }
  } catch (err) {
    if (app) await app.close()
    else {
      await services?.close()
      await courts?.close()
      await handle.destroy()
    }
    throw err
  }
}

/**
 * Criminal records at rest are for this service's user alone: the data folder (uploads, papers, filings,
 * review outputs) is 0700 and a SQLite database with its WAL 0600, whatever they were before; everything
 * the process creates later is private too (the CLI sets umask 077).
 */
async function keepPrivate(config: Config): Promise<void> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
  await chmod(config.dataDir, 0o700)
  await removeDeadScratch(config.dataDir)
  if (isPostgresUrl(config.databaseUrl) || config.databaseUrl === ':memory:') return
  for (const file of [config.databaseUrl, `${config.databaseUrl}-wal`, `${config.databaseUrl}-shm`]) {
    await chmod(file, 0o600).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err
    })
  }
}
