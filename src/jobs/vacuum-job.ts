import Type from 'typebox'
import type { Kysely } from 'kysely'
import type { Clock } from '../clock.js'
import type { Database } from '../db/schema.js'
import { vacuumChurnedTables } from '../db/table-vacuum.js'
import { defineJob, enqueue, handle, type RegisteredJob } from './job-definition.js'
import { UNTIL_DONE } from './job-queue.js'

/** The recurring vacuum of the tables busy work rewrites (PostgreSQL): one for every process that runs jobs. */
export const VACUUM_JOB = defineJob({
  name: 'db.vacuum',
  payload: Type.Object({}),
  maxAttempts: UNTIL_DONE,
  key: () => 'db.vacuum'
})

/**
 * Vacuums the tables with too many dead row versions (`vacuumChurnedTables`) once per `everyMs`: the job queue and
 * the filings, while a county's filings are being sent.
 */
export function vacuumJob(deps: { db: Kysely<Database>; clock: Clock; everyMs: number }): RegisteredJob {
  return handle(VACUUM_JOB, async () => {
    await vacuumChurnedTables(deps.db)
    return { rescheduleAt: new Date(deps.clock.now().getTime() + deps.everyMs) }
  })
}

/** Queues the vacuum job (once: it keeps itself going). */
export async function startVacuum(db: Kysely<Database>, now: Date): Promise<void> {
  await enqueue(db, VACUUM_JOB, {}, { runAt: now, now })
}
