import { type Expression, type Kysely, type Selectable, type SelectQueryBuilder, sql } from 'kysely'
import { chunksOf, rowChunks } from '../db/chunks.js'
import { dialectOf } from '../db/database.js'
import type { Database, JobsTable } from '../db/schema.js'

export type JobRow = Selectable<JobsTable>

/** Attempts of a job that must not be given up (its own logic decides when to stop); backoff is capped at an hour. */
export const UNTIL_DONE = 1_000_000

export interface NewJob {
  kind: string
  payload: unknown
  /** One outstanding job per key: a second enqueue with the same key is ignored. */
  dedupeKey?: string
  runAt: Date
  maxAttempts?: number
}

/**
 * Queues a job row; call it with the transaction that makes the work necessary
 * (the outbox pattern). Features enqueue through their job definitions
 * (`enqueue` in job-definition.ts), which check the payload and give the key.
 */
export async function insertJob(db: Kysely<Database>, job: NewJob, now: Date): Promise<void> {
  await insertJobs(db, [job], now)
}

/** Queues job rows, any number (a key already queued is skipped, as by `insertJob`). */
export async function insertJobs(db: Kysely<Database>, jobs: readonly NewJob[], now: Date): Promise<void> {
  const rows = jobs.map((job) => ({
    kind: job.kind,
    payload: JSON.stringify(job.payload),
    dedupe_key: job.dedupeKey ?? null,
    run_at: job.runAt.toISOString(),
    attempts: 0,
    max_attempts: job.maxAttempts ?? 10,
    lock_owner: null,
    locked_until: null,
    last_error: null,
    done_at: null,
    created_at: now.toISOString()
  }))
  for (const chunk of rowChunks(rows))
    await db
      .insertInto('jobs')
      .values(chunk)
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .execute()
}

/** Jobs due at `at` and free: not done, their time come, claimed by no one or by a claim that lapsed. */
function dueAt(q: SelectQueryBuilder<Database, 'jobs', object>, at: string) {
  return q
    .where('done_at', 'is', null)
    .where('run_at', '<=', at)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', at)]))
}

/** Due jobs looked at per claim: more than the lanes that may be claiming at once in a process. */
const CLAIM_CANDIDATES = 32

/**
 * Claims the next due job for `owner` until `lockMs` from now. The earliest due jobs of each kind are read first
 * from the head of the `jobs_claim` index (kind, run_at, id over outstanding jobs), so a claim costs the same with
 * fifteen jobs queued or fifteen thousand; then the earliest of them still free is claimed — on PostgreSQL picked
 * with FOR UPDATE SKIP LOCKED, so several workers never claim the same job (SQLite has one writer, which gives the
 * same guarantee). When other workers took every one of them meanwhile, the next ones are read.
 */
export async function claimJob(
  db: Kysely<Database>,
  owner: string,
  kinds: readonly string[],
  now: Date,
  lockMs: number
): Promise<JobRow | undefined> {
  const at = now.toISOString()
  const due = (q: SelectQueryBuilder<Database, 'jobs', object>) => dueAt(q, at)
  // The earliest due jobs of one kind, in order from the index (an IN list of kinds would sort every due job).
  const head = (kind: string) =>
    due(db.selectFrom('jobs'))
      .select(['id', 'run_at'])
      .where('kind', '=', kind)
      .orderBy('run_at')
      .orderBy('id')
      .limit(CLAIM_CANDIDATES)
  const claimFirstFreeOf = (candidates: Expression<{ id: number }> | readonly number[]) => {
    let next = due(db.selectFrom('jobs'))
      .select('id')
      .where('id', 'in', candidates as readonly number[])
      .orderBy('run_at')
      .orderBy('id')
      .limit(1)
    if (dialectOf(db) === 'postgres') next = next.forUpdate().skipLocked()
    return db
      .updateTable('jobs')
      .set((eb) => ({
        lock_owner: owner,
        locked_until: new Date(now.getTime() + lockMs).toISOString(),
        attempts: eb('attempts', '+', 1)
      }))
      .where('id', '=', next)
      .returningAll()
      .executeTakeFirst()
  }
  // Mostly one statement a claim: the heads of every kind, and the earliest of them still free, claimed.
  const heads = kinds.map((kind) => db.selectFrom(head(kind).as('h')).selectAll())
  if (heads.length === 0) return undefined
  const union = heads.slice(1).reduce((all, q) => all.unionAll(q), heads[0]!)
  const claimed = await claimFirstFreeOf(db.selectFrom(union.as('c')).select('c.id'))
  if (claimed) return claimed
  // Nothing due, or every candidate taken meanwhile by other claims: read the heads to tell, and go on while they
  // are full (each round that claims nothing found its candidates taken by claims that succeeded).
  for (;;) {
    const candidates = (await db.selectFrom(union.as('c')).selectAll().execute())
      .sort((a, b) => (a.run_at < b.run_at ? -1 : a.run_at > b.run_at ? 1 : a.id - b.id))
      .slice(0, CLAIM_CANDIDATES)
      .map((c) => c.id)
    if (candidates.length === 0) return undefined
    const taken = await claimFirstFreeOf(candidates)
    if (taken || candidates.length < CLAIM_CANDIDATES) return taken
  }
}

/**
 * Claims up to `limit` more due jobs of one kind for `owner`, earliest first, in one statement (skipping any another
 * worker holds): the rest of a batch whose first job {@link claimJob} took.
 */
export async function claimMoreJobs(
  db: Kysely<Database>,
  owner: string,
  kind: string,
  now: Date,
  lockMs: number,
  limit: number
): Promise<JobRow[]> {
  if (limit <= 0) return []
  let next = dueAt(db.selectFrom('jobs'), now.toISOString())
    .select('id')
    .where('kind', '=', kind)
    .orderBy('run_at')
    .orderBy('id')
    .limit(limit)
  if (dialectOf(db) === 'postgres') next = next.forUpdate().skipLocked()
  return db
    .updateTable('jobs')
    .set((eb) => ({
      lock_owner: owner,
      locked_until: new Date(now.getTime() + lockMs).toISOString(),
      attempts: eb('attempts', '+', 1)
    }))
    .where('id', 'in', next)
    .returningAll()
    .execute()
}

/** Finishes claimed jobs (any number) that were done. */
export async function completeJobs(
  db: Kysely<Database>,
  ids: readonly number[],
  owner: string,
  now: Date
): Promise<void> {
  for (const chunk of chunksOf(ids, 1))
    await db
      .updateTable('jobs')
      .set({ done_at: now.toISOString(), lock_owner: null, locked_until: null, dedupe_key: null })
      .where('id', 'in', chunk)
      .where('lock_owner', '=', owner)
      .execute()
}

/** Records a failure: retried at `retryAt`, or finished for good when it is null. */
export async function failJob(
  db: Kysely<Database>,
  id: number,
  owner: string,
  error: string,
  retryAt: Date | null,
  now: Date
): Promise<void> {
  await db
    .updateTable('jobs')
    .set({
      last_error: error.slice(0, 2000),
      lock_owner: null,
      locked_until: null,
      ...(retryAt ? { run_at: retryAt.toISOString() } : { done_at: now.toISOString(), dedupe_key: null })
    })
    .where('id', '=', id)
    .where('lock_owner', '=', owner)
    .execute()
}

/** Keeps long jobs' claims alive. */
export async function extendJobLocks(
  db: Kysely<Database>,
  ids: readonly number[],
  owner: string,
  until: Date
): Promise<void> {
  for (const chunk of chunksOf(ids, 1))
    await db
      .updateTable('jobs')
      .set({ locked_until: until.toISOString() })
      .where('id', 'in', chunk)
      .where('lock_owner', '=', owner)
      .execute()
}

/** Runs claimed jobs again, each at its own time (not a failure: attempts start over), in one statement per thousand. */
export async function rescheduleJobs(
  db: Kysely<Database>,
  jobs: ReadonlyArray<{ id: number; at: Date }>,
  owner: string
): Promise<void> {
  for (const slice of chunksOf(jobs, 3))
    await db
      .updateTable('jobs')
      .set({
        run_at: sql<string>`case id ${sql.join(
          slice.map((j) => sql`when ${j.id} then cast(${j.at.toISOString()} as text)`),
          sql` `
        )} end`,
        lock_owner: null,
        locked_until: null,
        attempts: 0
      })
      .where(
        'id',
        'in',
        slice.map((j) => j.id)
      )
      .where('lock_owner', '=', owner)
      .execute()
}

/**
 * Runs the waiting jobs with these keys no later than `at`: new work for a loop
 * that is idling. A job waiting out a failure's backoff (attempts above zero)
 * keeps its time: new work must not hammer a receiver that is down.
 */
export async function bringJobsForward(db: Kysely<Database>, keys: readonly string[], at: Date): Promise<void> {
  if (keys.length === 0) return
  await db
    .updateTable('jobs')
    .set({ run_at: at.toISOString() })
    .where('dedupe_key', 'in', keys)
    .where('done_at', 'is', null)
    .where('attempts', '=', 0)
    .where('run_at', '>', at.toISOString())
    .execute()
}

/** Runs the waiting job with this key at `at` instead, when there is one; true when there was. One statement. */
export async function rescheduleWaitingJob(db: Kysely<Database>, key: string, at: Date): Promise<boolean> {
  const moved = await db
    .updateTable('jobs')
    .set({ run_at: at.toISOString() })
    .where('dedupe_key', '=', key)
    .where('done_at', 'is', null)
    .returning('id')
    .executeTakeFirst()
  return moved !== undefined
}
