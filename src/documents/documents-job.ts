import { join } from 'node:path'
import type { Kysely } from 'kysely'
import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import { enqueueJob, type JobRow } from '../db/job-repository.js'
import type { Database } from '../db/schema.js'
import { ClearfileError } from '../errors.js'
import { projectRoot } from '../project-root.js'
import type { JobHandler } from '../workers/job-runner.js'
import type { DaProfile } from './court-papers.js'
import { loadDaProfiles } from './da-profiles.js'
import { preparePapers, type PaperScope } from './prepare-papers.js'
import { createRenderer } from './render.js'

export const DOCUMENTS_JOB = 'documents'

/** The demonstration profile a server without profiles or courts uses with its simulated court, so the whole loop runs out of the box. */
export const DEMO_DA_PROFILES = () => join(projectRoot(), 'src', 'documents', 'demo-da-profiles.json')

/**
 * The county profiles from configuration. With no profiles file and no courts
 * file (filing with the simulated court, as `npm start` does), the
 * demonstration profile (marked "not for filing" on every paper); else none.
 */
export function configuredProfiles (config: Config): Map<string, DaProfile> {
  if (config.daProfilesFile) return loadDaProfiles(config.daProfilesFile)
  return config.simulatedCourt && !config.courtsFile ? loadDaProfiles(DEMO_DA_PROFILES()) : new Map()
}

export function requireProfile (profiles: Map<string, DaProfile>, county: string): DaProfile {
  const profile = profiles.get(county)
  if (!profile) throw new ClearfileError('CLEARFILE_ERR_DA_PROFILE_MISSING')
  return profile
}

export async function queueReviewDocuments (db: Kysely<Database>, reviewRunId: string, scope: PaperScope, now: Date): Promise<void> {
  await enqueueJob(db, { kind: DOCUMENTS_JOB, payload: { reviewRunId, scope }, dedupeKey: `documents:${reviewRunId}:${scope}`, runAt: now, maxAttempts: 3 }, now)
}

/** Renders and stores the papers of a review's relieved cases, on the render pool. */
export function documentsJobHandler (deps: { db: Kysely<Database>, clock: Clock, config: Config }): JobHandler {
  const profiles = configuredProfiles(deps.config)
  return async (job: JobRow) => {
    const { reviewRunId, scope } = JSON.parse(job.payload) as { reviewRunId: string, scope: PaperScope }
    const run = await deps.db.selectFrom('review_runs').select(['id', 'county', 'as_of']).where('id', '=', reviewRunId).executeTakeFirstOrThrow()
    const profile = requireProfile(profiles, run.county)
    const rows = await deps.db.selectFrom('determinations as d').innerJoin('convictions as c', 'c.id', 'd.conviction_id')
      .select('c.case_id').distinct().where('d.review_run_id', '=', reviewRunId).orderBy('c.case_id').execute()
    const renderer = createRenderer()
    try {
      await preparePapers({ db: deps.db, dataDir: deps.config.dataDir, renderer, profile }, {
        caseIds: rows.map((r) => r.case_id), scope, date: run.as_of, county: run.county, reviewRunId, now: deps.clock.now().toISOString()
      })
    } finally {
      await renderer.close()
    }
  }
}
