import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Clock } from '../clock.js'
import type { Database } from '../db/schema.js'
import { asBulkWork } from '../db/work-priority.js'
import { JOB_LANES, type JobLane, type JobOutcome, type RegisteredJob } from './job-definition.js'
import {
  claimJob,
  claimMoreJobs,
  completeJobs,
  extendJobLocks,
  failJob,
  rescheduleJobs,
  type JobRow
} from './job-queue.js'

/** The longest a lane waits between tries while the database fails. */
const MAX_FAILING_PAUSE_MS = 30_000

export interface JobRunnerOptions {
  db: Kysely<Database>
  clock: Clock
  jobs: readonly RegisteredJob[]
  /** How long a claim lasts without a heartbeat before another worker may take the job. */
  lockMs?: number
  /** How long an idle lane waits before it looks for due jobs again. */
  pollMs?: number
  /** Lanes of each kind (JobLane; one each unless given): court adapters keep their own per-court limits too. */
  lanes?: Partial<Record<JobLane, number>>
  log?: { error: (obj: object, msg: string) => void; warn: (obj: object, msg: string) => void }
}

export interface JobRunner {
  /** Runs due jobs until none is due in any lane; returns how many ran. For tests and one-shot commands. */
  drain: () => Promise<number>
  start: () => void
  /** Stops every lane and waits for the jobs they are running to finish. */
  stop: () => Promise<void>
  readonly owner: string
}

/** Exponential backoff with jitter (between half and all of 2^attempt seconds), capped at an hour or `maxMs`. */
export function backoffMs(attempt: number, maxMs = 3_600_000): number {
  const cap = Math.min(maxMs, 1000 * 2 ** Math.min(attempt, 20))
  return Math.floor(cap / 2 + (Math.random() * cap) / 2)
}

/**
 * Runs queued jobs in lanes. Each lane is a loop of its own: it claims the next
 * due job of its kinds as soon as it has finished the last one, and only when
 * none is due does it wait `pollMs`. So a review that runs for minutes in the
 * `long` lane delays no submission, and a backlog of submissions in `submit`
 * delays no status poll in `court` and no webhook delivery in `deliver`.
 */
export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const owner = `worker-${randomUUID()}`
  const lockMs = options.lockMs ?? 60_000
  const pollMs = options.pollMs ?? 500
  const byKind = new Map(options.jobs.map((j) => [j.definition.name, j]))
  const kindsOf = (lane: JobLane) =>
    options.jobs.filter((j) => j.definition.lane === lane).map((j) => j.definition.name)
  const laneKinds: Array<readonly string[]> = []
  for (const lane of JOB_LANES) {
    const kinds = kindsOf(lane)
    const count = kinds.length === 0 ? 0 : (options.lanes?.[lane] ?? 1)
    for (let i = 0; i < count; i++) laneKinds.push(kinds)
  }
  const controller = new AbortController()
  let stopped = true
  const running = new Set<Promise<void>>()
  const sleepers = new Set<() => void>()

  /**
   * Claims and runs the next due job (with the rest of its batch): how many jobs ran, 0 when none was due. It runs as
   * bulk work: on SQLite a request's statements take the connection first.
   */
  function runOne(kinds: readonly string[]): Promise<number> {
    return asBulkWork(() => claimAndRun(kinds))
  }

  async function claimAndRun(kinds: readonly string[]): Promise<number> {
    const first = await claimJob(options.db, owner, kinds, options.clock.now(), lockMs)
    if (!first) return 0
    const registered = byKind.get(first.kind)!
    // A kind done in batches takes more of its due jobs with the first. When that fails, the first runs alone (the
    // statement claimed all of them or none), and the lane says so.
    const more = await claimMoreJobs(
      options.db,
      owner,
      first.kind,
      options.clock.now(),
      lockMs,
      registered.batchSize - 1
    ).catch((err: unknown) => {
      options.log?.warn({ kind: first.kind, err: (err as Error).message }, 'could not claim the rest of a batch')
      return []
    })
    const jobs = [first, ...more]
    const ids = jobs.map((j) => j.id)
    const heartbeat = () => extendJobLocks(options.db, ids, owner, new Date(options.clock.now().getTime() + lockMs))
    // A live worker keeps its claim; a killed one loses it lockMs later and another worker takes the job over.
    const beating = setInterval(
      () => {
        heartbeat().catch(() => undefined)
      },
      Math.max(50, lockMs / 3)
    )
    try {
      let outcomes: JobOutcome[]
      try {
        outcomes = await registered.run(jobs, { signal: controller.signal, heartbeat })
      } catch (err) {
        outcomes = jobs.map(() => ({ failed: err }))
      }
      const done: number[] = []
      const later: Array<{ id: number; at: Date }> = []
      for (const [i, job] of jobs.entries()) {
        const outcome = outcomes[i]
        if (outcome && 'failed' in outcome) await fail(job, registered, outcome.failed)
        else if (outcome && 'rescheduleAt' in outcome) later.push({ id: job.id, at: outcome.rescheduleAt })
        else done.push(job.id)
      }
      await completeJobs(options.db, done, owner, options.clock.now())
      await rescheduleJobs(options.db, later, owner)
    } finally {
      clearInterval(beating)
    }
    return jobs.length
  }

  /** A failed attempt: retried with backoff until the kind's maxAttempts, then given up. */
  async function fail(job: JobRow, registered: RegisteredJob, err: unknown): Promise<void> {
    const message = (err as Error)?.message ?? String(err)
    const retryAt =
      job.attempts < job.max_attempts
        ? new Date(options.clock.now().getTime() + backoffMs(job.attempts, registered.definition.maxBackoffMs))
        : null
    // A court that is down for a moment is expected; an attempt that will not be retried is an error.
    const level = retryAt && (err as { retryable?: unknown })?.retryable === true ? 'warn' : 'error'
    options.log?.[level](
      { jobId: job.id, kind: job.kind, attempt: job.attempts, err: message, retryAt },
      retryAt ? 'job attempt failed; will retry' : 'job failed'
    )
    await failJob(options.db, job.id, owner, message, retryAt, options.clock.now())
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        sleepers.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      sleepers.add(wake)
    })

  /**
   * One lane: the next due job as soon as the last is done; a pause only when none is due. While the
   * database fails, the lane waits longer each time (up to {@link MAX_FAILING_PAUSE_MS}) and says so once
   * per outage and when it is over, instead of asking (and logging) several times a second.
   */
  async function lane(kinds: readonly string[]): Promise<void> {
    let failures = 0
    while (!stopped) {
      let ran = false
      try {
        ran = (await runOne(kinds)) > 0
        if (failures > 0) options.log?.warn({ failures }, 'job lane can reach the database again')
        failures = 0
      } catch (err) {
        failures++
        if (failures === 1)
          options.log?.error({ err: (err as Error).message }, 'job lane failed to claim or finish a job; backing off')
      }
      if (!stopped && failures > 0) await sleep(Math.min(pollMs * 2 ** failures, MAX_FAILING_PAUSE_MS))
      else if (!ran && !stopped) await sleep(pollMs)
    }
  }

  return {
    owner,
    async drain() {
      let n = 0
      // Every lane at once, each until nothing of its kinds is due; again while a lane's jobs queued work for another.
      for (;;) {
        const before = n
        await Promise.all(
          laneKinds.map(async (kinds) => {
            for (let ran = await runOne(kinds); ran > 0; ran = await runOne(kinds)) n += ran
          })
        )
        if (n === before) return n
      }
    },
    start() {
      if (!stopped) return
      stopped = false
      for (const kinds of laneKinds) {
        const p: Promise<void> = lane(kinds).finally(() => running.delete(p))
        running.add(p)
      }
    },
    async stop() {
      stopped = true
      controller.abort()
      for (const wake of [...sleepers]) wake()
      await Promise.all([...running])
    }
  }
}
