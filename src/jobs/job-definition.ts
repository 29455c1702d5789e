import type { Kysely } from 'kysely'
import type { Static, TSchema } from 'typebox'
import { Value } from 'typebox/value'
import type { Database } from '../db/schema.js'
import { insertJobs, type JobRow, type NewJob } from './job-queue.js'

/**
 * The lane a job runs in. Each lane takes its next job of its own kinds as
 * soon as it is free, independently of the others: `submit` (sending filings),
 * `court` (asking the court what became of them), `deliver` (webhooks),
 * `long` (a DOJ review, a batch of papers) and `default` (the rest) never wait
 * behind each other: 7,000 queued submissions hold up no status poll, and no
 * review holds up a delivery.
 */
export type JobLane = 'default' | 'submit' | 'court' | 'deliver' | 'long'

/** Every lane, in the order the runner starts them. */
export const JOB_LANES: readonly JobLane[] = ['submit', 'court', 'deliver', 'default', 'long']

/** A kind of background job, declared once and used by both who queues it and who does it. */
export interface JobDefinition<P> {
  /** The kind stored with each job. */
  readonly name: string
  readonly payload: TSchema
  /** Attempts before a failing job is given up; UNTIL_DONE for jobs that decide their own end. */
  readonly maxAttempts: number
  readonly lane: JobLane
  /** The longest wait between failed attempts (default: an hour). */
  readonly maxBackoffMs?: number
  /** One outstanding job per key: queueing the same key again while one waits does nothing. */
  readonly key: (payload: P) => string
  /** Brand only: carries the payload type. */
  readonly __payload?: P
}

/** Declares a job kind: name, payload schema (TypeBox), retry policy, lane and key. */
export function defineJob<S extends TSchema>(definition: {
  name: string
  payload: S
  maxAttempts: number
  lane?: JobLane
  maxBackoffMs?: number
  key: (payload: Static<S>) => string
}): JobDefinition<Static<S>> {
  return Object.freeze({ lane: 'default' as const, ...definition })
}

export interface EnqueueOptions {
  runAt: Date
  now: Date
  /** A key other than the definition's (a resend that must not be taken for the send before it). */
  key?: string
}

/** Queues a job of a kind, in the caller's transaction; a payload that does not fit the kind's schema is a bug, thrown. */
export async function enqueue<P>(
  db: Kysely<Database>,
  definition: JobDefinition<P>,
  payload: P,
  options: EnqueueOptions
): Promise<void> {
  await insertJobs(db, [newJob(definition, payload, options)], options.now)
}

/** Queues jobs of one kind, any number, in the caller's transaction, each under its kind's key. */
export async function enqueueAll<P>(
  db: Kysely<Database>,
  definition: JobDefinition<P>,
  payloads: readonly P[],
  options: Omit<EnqueueOptions, 'key'>
): Promise<void> {
  await insertJobs(
    db,
    payloads.map((payload) => newJob(definition, payload, options)),
    options.now
  )
}

function newJob<P>(definition: JobDefinition<P>, payload: P, options: EnqueueOptions): NewJob {
  if (!Value.Check(definition.payload, payload))
    throw new Error(`job ${definition.name}: payload ${JSON.stringify(payload)} does not fit its schema`)
  return {
    kind: definition.name,
    payload,
    dedupeKey: options.key ?? definition.key(payload),
    runAt: options.runAt,
    maxAttempts: definition.maxAttempts
  }
}

/** The payload of a claimed job, checked against its kind's schema. */
export function payloadOf<P>(definition: JobDefinition<P>, job: JobRow): P {
  const payload: unknown = JSON.parse(job.payload)
  if (!Value.Check(definition.payload, payload))
    throw new Error(`job ${job.id} (${definition.name}): payload does not fit its schema`)
  return payload as P
}

export interface JobContext {
  signal: AbortSignal
  heartbeat: () => Promise<void>
}

/**
 * What became of one job: done (undefined); `{ rescheduleAt }` runs it again later (a poll that is not finished yet)
 * without counting a failure; `{ failed }` fails the attempt, retried with backoff until the kind's maxAttempts, as a
 * thrown error does.
 */
export type JobOutcome = void | { rescheduleAt: Date } | { failed: unknown }

/** A kind of job with the function that does it: what the runner is given. */
export interface RegisteredJob {
  definition: JobDefinition<unknown>
  /** Due jobs of this kind one claim takes together (1 unless the kind is done in batches). */
  batchSize: number
  /** Does the claimed jobs (at most `batchSize`), one outcome each in their order. Throwing fails every one. */
  run: (jobs: readonly JobRow[], context: JobContext) => Promise<JobOutcome[]>
}

/** Binds a kind to the function that does it, with the payload already checked. Throwing fails the attempt. */
export function handle<P>(
  definition: JobDefinition<P>,
  run: (payload: P, job: JobRow, context: JobContext) => Promise<void | { rescheduleAt: Date }>
): RegisteredJob {
  return {
    definition: definition as JobDefinition<unknown>,
    batchSize: 1,
    run: async (jobs, context) => {
      const outcomes: JobOutcome[] = []
      for (const job of jobs) outcomes.push(await run(payloadOf(definition, job), job, context))
      return outcomes
    }
  }
}

/**
 * Binds a kind to a function that does up to `batchSize` of its due jobs at once: where each job alone would cost
 * its own round trips (a claim, reads, a transaction, a completion), a batch shares them. Each job keeps its own row,
 * key and outcome, so a crash mid-batch leaves every job to be taken over, as a crash mid-job does.
 */
export function handleBatch<P>(
  definition: JobDefinition<P>,
  batchSize: number,
  run: (batch: ReadonlyArray<{ payload: P; job: JobRow }>, context: JobContext) => Promise<JobOutcome[]>
): RegisteredJob {
  return {
    definition: definition as JobDefinition<unknown>,
    batchSize,
    run: (jobs, context) =>
      run(
        jobs.map((job) => ({ payload: payloadOf(definition, job), job })),
        context
      )
  }
}
