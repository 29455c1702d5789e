import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Clock } from '../clock.js'
import { claimJob, completeJob, extendJobLock, failJob, rescheduleJob, type JobRow } from '../db/job-repository.js'
import type { Database } from '../db/schema.js'

/**
 * Does one job. Throwing fails the attempt; it is retried with backoff until
 * max_attempts. Returning `{ rescheduleAt }` runs the same job again later
 * (a poll that is not finished yet) without counting a failure.
 */
export type JobHandler = (job: JobRow, context: { signal: AbortSignal, heartbeat: () => Promise<void> }) => Promise<void | { rescheduleAt: Date }>

export interface JobRunnerOptions {
  db: Kysely<Database>
  clock: Clock
  handlers: Record<string, JobHandler>
  /** How long a claim lasts without a heartbeat before another worker may take the job. */
  lockMs?: number
  pollMs?: number
  /** Jobs run at once (each claimed on its own); court adapters keep their own per-court limits. */
  concurrency?: number
  log?: { error: (obj: object, msg: string) => void, warn: (obj: object, msg: string) => void }
}

export interface JobRunner {
  /** Runs due jobs until none is due; returns how many ran. For tests and one-shot commands. */
  drain: () => Promise<number>
  start: () => void
  /** Stops polling and waits for the running job to finish. */
  stop: () => Promise<void>
  readonly owner: string
}

/** Exponential backoff with full jitter, capped at an hour. */
export function backoffMs (attempt: number): number {
  const cap = Math.min(3_600_000, 1000 * 2 ** Math.min(attempt, 20))
  return Math.floor(cap / 2 + Math.random() * cap / 2)
}

export function createJobRunner (options: JobRunnerOptions): JobRunner {
  const owner = `worker-${randomUUID()}`
  const lockMs = options.lockMs ?? 60_000
  const kinds = Object.keys(options.handlers)
  const controller = new AbortController()
  const concurrency = options.concurrency ?? 1
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> | undefined
  let stopped = false

  async function runOne (): Promise<boolean> {
    const now = options.clock.now()
    const job = await claimJob(options.db, owner, kinds, now, lockMs)
    if (!job) return false
    const heartbeat = () => extendJobLock(options.db, job.id, owner, new Date(options.clock.now().getTime() + lockMs))
    // A live worker keeps its claim; a killed one loses it lockMs later and another worker takes the job over.
    const beating = setInterval(() => { heartbeat().catch(() => undefined) }, Math.max(50, lockMs / 3))
    try {
      const outcome = await options.handlers[job.kind]!(job, { signal: controller.signal, heartbeat })
      if (outcome && 'rescheduleAt' in outcome) await rescheduleJob(options.db, job.id, owner, outcome.rescheduleAt)
      else await completeJob(options.db, job.id, owner, options.clock.now())
    } catch (err) {
      const message = (err as Error)?.message ?? String(err)
      const retryAt = job.attempts < job.max_attempts ? new Date(options.clock.now().getTime() + backoffMs(job.attempts)) : null
      // A court that is down for a moment is expected; an attempt that will not be retried is an error.
      const level = retryAt && (err as { retryable?: unknown })?.retryable === true ? 'warn' : 'error'
      options.log?.[level]({ jobId: job.id, kind: job.kind, attempt: job.attempts, err: message, retryAt }, retryAt ? 'job attempt failed; will retry' : 'job failed')
      await failJob(options.db, job.id, owner, message, retryAt, options.clock.now())
    } finally {
      clearInterval(beating)
    }
    return true
  }

  /** One lane: runs due jobs until none is left. */
  const lane = async () => {
    try {
      while (!stopped && await runOne());
    } catch (err) {
      options.log?.error({ err: (err as Error).message }, 'job runner tick failed')
    }
  }

  const tick = async () => {
    if (stopped) return
    try {
      running = Promise.all(Array.from({ length: concurrency }, lane))
      await running
    } finally {
      running = undefined
      if (!stopped) timer = setTimeout(tick, options.pollMs ?? 500)
    }
  }

  return {
    owner,
    async drain () {
      let n = 0
      await Promise.all(Array.from({ length: concurrency }, async () => { while (await runOne()) n++ }))
      return n
    },
    start () {
      stopped = false
      timer = setTimeout(tick, 0)
    },
    async stop () {
      stopped = true
      if (timer) clearTimeout(timer)
      controller.abort()
      await running?.catch(() => undefined)
    }
  }
}
