import { buildApp, type App } from './app.js'
import { systemClock } from './clock.js'
import type { Config } from './config.js'
import { countApiClients, createApiClient } from './db/api-client-repository.js'
import { openDatabase, type DatabaseHandle } from './db/database.js'
import { migrateOrThrow } from './db/migrate.js'
import { Metrics } from './metrics.js'
import { startReportInboxes } from './outcomes/report-inbox.js'
import { serverCourts } from './filing/default-courts.js'
import { jobHandlers } from './workers/job-handlers.js'
import { createJobRunner } from './workers/job-runner.js'

export interface RunningServer {
  app: App
  address: string
  /** Stops taking requests, lets in-flight ones finish, stops workers, closes the pool. */
  close: () => Promise<void>
}

export interface StartOptions {
  /** Called once with a new admin key when the database has no API client yet. */
  onBootstrapKey?: (key: string) => void
}

/**
 * The process around the app: open and migrate the database, listen, and shut
 * down gracefully on SIGINT/SIGTERM within `shutdownGraceSeconds`.
 */
export async function startServer (config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const handle: DatabaseHandle = await openDatabase({ url: config.databaseUrl })
  let app: App | undefined
  let courts: Awaited<ReturnType<typeof serverCourts>> | undefined
  try {
    await migrateOrThrow(handle.db)
    if (options.onBootstrapKey && await countApiClients(handle.db) === 0) {
      const { key } = await createApiClient(handle.db, { role: 'admin', name: 'bootstrap admin' }, systemClock.now())
      options.onBootstrapKey(key)
    }
    courts = await serverCourts(config)
    const metrics = new Metrics()
    app = await buildApp({ config, db: handle.db, dialect: handle.dialect, clock: systemClock, courts: courts.courts, metrics })
    if (courts.simulatorUrl) app.log.info({ url: courts.simulatorUrl, courts: [...courts.courts.keys()] }, 'no courts file: filing with the simulated Superior Court')
    const jobs = config.runJobs ? jobHandlers({ db: handle.db, clock: systemClock, config, courts: courts.courts, metrics }) : undefined
    const runner = jobs ? createJobRunner({ db: handle.db, clock: systemClock, handlers: jobs.handlers, log: app.log, concurrency: config.workerConcurrency, lockMs: config.jobLockSeconds * 1000 }) : undefined
    // Closing: the server stops taking requests and finishes in-flight ones, then the job runner finishes its job, then the pool closes.
    app.addHook('onClose', async () => {
      await runner?.stop()
      await jobs?.close()
      await courts?.close()
      await handle.destroy()
    })
    if (runner) await startReportInboxes(handle.db, courts.courts, systemClock.now())
    const address = await app.listen({ host: config.host, port: config.port })
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
      close().then(() => process.exit(0), (err: unknown) => {
        running.log.error({ err }, 'shutdown failed')
        process.exit(1)
      })
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    return { app, address, close }
  } catch (err) {
    if (app) await app.close()
    else {
      await courts?.close()
      await handle.destroy()
    }
    throw err
  }
}
