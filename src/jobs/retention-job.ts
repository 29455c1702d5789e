import Type from 'typebox'
import type { Kysely } from 'kysely'
import type { Clock } from '../clock.js'
import type { Database } from '../db/schema.js'
import { defineJob, enqueue, handle, type RegisteredJob } from './job-definition.js'
import { UNTIL_DONE } from './job-queue.js'

/** The one recurring clean-up job: it runs every purge it was given, then sleeps until the next round. */
export const RETENTION_JOB = defineJob({
  name: 'retention.purge',
  payload: Type.Object({}),
  maxAttempts: UNTIL_DONE,
  key: () => 'retention.purge'
})

/** Something kept only for a while: `run` deletes what is past its time and says how many it deleted. */
export interface Purge {
  name: string
  run: (now: Date) => Promise<number>
}

/**
 * Deletes personal data past its retention (stored Idempotency-Key answers after their TTL, and whatever else
 * the composition root hands it) once per `everyMs`. The purges are injected: this layer knows no feature.
 */
export function retentionJob(deps: {
  clock: Clock
  everyMs: number
  purges: readonly Purge[]
  log?: { info: (obj: object, msg: string) => void }
}): RegisteredJob {
  return handle(RETENTION_JOB, async () => {
    const now = deps.clock.now()
    const deleted: Record<string, number> = {}
    for (const purge of deps.purges) deleted[purge.name] = await purge.run(now)
    deps.log?.info({ deleted }, 'retention purge')
    return { rescheduleAt: new Date(deps.clock.now().getTime() + deps.everyMs) }
  })
}

/** Queues the retention job (once: it keeps itself going). */
export async function startRetention(db: Kysely<Database>, now: Date): Promise<void> {
  await enqueue(db, RETENTION_JOB, {}, { runAt: now, now })
}
