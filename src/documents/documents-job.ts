import type { BlobStore } from '../storage/blob-store.js'
import type { Kysely } from 'kysely'
import Type from 'typebox'
import type { Clock } from '../clock.js'
import { caseIdsDeterminedByRun } from '../db/determination-repository.js'
import { reviewRunById } from '../db/review-run-repository.js'
import type { Database } from '../db/schema.js'
import { defineJob, enqueue, handle, type RegisteredJob } from '../jobs/job-definition.js'
import type { DaProfile } from './court-papers.js'
import { requireProfile } from './da-profiles.js'
import { preparePapers, type PaperScope } from './prepare-papers.js'
import type { Renderer } from './render.js'

/** A review's papers, rendered in the background: long work, in its own lane. */
export const DOCUMENTS_JOB = defineJob({
  name: 'documents',
  payload: Type.Object({
    reviewRunId: Type.String(),
    scope: Type.Union([Type.Literal('case'), Type.Literal('person'), Type.Literal('bulk')])
  }),
  maxAttempts: 3,
  lane: 'long',
  key: (p) => `documents:${p.reviewRunId}:${p.scope}`
})

export async function queueReviewDocuments(
  db: Kysely<Database>,
  reviewRunId: string,
  scope: PaperScope,
  now: Date
): Promise<void> {
  await enqueue(db, DOCUMENTS_JOB, { reviewRunId, scope }, { runAt: now, now })
}

export interface DocumentsJobDeps {
  db: Kysely<Database>
  clock: Clock
  store: BlobStore
  profiles: ReadonlyMap<string, DaProfile>
  /** A renderer for one batch of papers (a pool of worker threads, kept warm between batches), closed when the batch is done. */
  createRenderer: () => Renderer
}

/** Renders and stores the papers of a review's relieved cases, on the render pool. */
export function documentsJob(deps: DocumentsJobDeps): RegisteredJob {
  return handle(DOCUMENTS_JOB, async ({ reviewRunId, scope }) => {
    const run = await reviewRunById(deps.db, reviewRunId)
    const profile = requireProfile(deps.profiles, run.county)
    const caseIds = await caseIdsDeterminedByRun(deps.db, reviewRunId)
    const renderer = deps.createRenderer()
    try {
      await preparePapers(
        { db: deps.db, store: deps.store, renderer, profile },
        {
          caseIds,
          scope,
          date: run.as_of,
          county: run.county,
          reviewRunId,
          now: deps.clock.now().toISOString()
        }
      )
    } finally {
      await renderer.close()
    }
  })
}
