import type { Kysely } from 'kysely'
import type { Clock } from '../clock.js'
import type { CourtEntry } from '../../schemas/courts.js'
import type { Config } from '../config.js'
import type { Metrics } from '../metrics.js'
import type { Database } from '../db/schema.js'
import { configuredProfiles, DOCUMENTS_JOB, documentsJobHandler } from '../documents/documents-job.js'
import { loadCourts } from '../filing/courts-config.js'
import { courtAdapters, filingJobHandlers, type PipelineDeps } from '../filing/pipeline.js'
import { REVIEW_JOB, reviewJobHandler } from '../ingest/review-runs.js'
import { INBOX_JOB, reportInboxJobHandler } from '../outcomes/report-inbox.js'
import { WEBHOOK_JOB, webhookJobHandler } from '../webhooks/webhook-delivery.js'
import type { JobHandler } from './job-runner.js'

export interface WorkerDeps {
  db: Kysely<Database>
  clock: Clock
  config: Config
  /** The courts filed with; read from `config.courtsFile` when absent. */
  courts?: ReadonlyMap<string, CourtEntry>
  metrics?: Metrics
}

/** What the filing pipeline needs from configuration. */
export function pipelineDeps (deps: WorkerDeps): PipelineDeps {
  return {
    db: deps.db,
    clock: deps.clock,
    dataDir: deps.config.dataDir,
    courts: deps.courts ?? (deps.config.courtsFile ? loadCourts(deps.config.courtsFile) : new Map()),
    callbackUrl: `${deps.config.publicUrl.replace(/\/$/, '')}/ecf/v4/FilingAssemblyMDE`,
    pollIntervalMs: deps.config.pollIntervalSeconds * 1000,
    profiles: configuredProfiles(deps.config),
    ...(deps.metrics ? { metrics: deps.metrics } : {})
  }
}

/** Every kind of background job clearfile runs, by name, and what to close when the runner stops (court connections). */
export function jobHandlers (deps: WorkerDeps): { handlers: Record<string, JobHandler>, close: () => Promise<void> } {
  const pipeline = pipelineDeps(deps)
  const adapters = courtAdapters(pipeline.courts)
  return {
    handlers: {
      [REVIEW_JOB]: reviewJobHandler({ db: deps.db, clock: deps.clock, dataDir: deps.config.dataDir }),
      [DOCUMENTS_JOB]: documentsJobHandler(deps),
      ...filingJobHandlers(pipeline, adapters),
      [WEBHOOK_JOB]: webhookJobHandler({ db: deps.db, clock: deps.clock }),
      [INBOX_JOB]: reportInboxJobHandler({ db: deps.db, clock: deps.clock, courts: pipeline.courts })
    },
    close: () => adapters.close()
  }
}
