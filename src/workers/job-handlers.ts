import type { Kysely } from 'kysely'
import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import type { Database } from '../db/schema.js'
import { DOCUMENTS_JOB, documentsJobHandler } from '../documents/documents-job.js'
import { REVIEW_JOB, reviewJobHandler } from '../ingest/review-runs.js'
import type { JobHandler } from './job-runner.js'

/** Every kind of background job clearfile runs, by name. */
export function jobHandlers (deps: { db: Kysely<Database>, clock: Clock, config: Config }): Record<string, JobHandler> {
  return {
    [REVIEW_JOB]: reviewJobHandler({ db: deps.db, clock: deps.clock, dataDir: deps.config.dataDir }),
    [DOCUMENTS_JOB]: documentsJobHandler(deps)
  }
}
