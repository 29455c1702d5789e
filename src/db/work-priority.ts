import { AsyncLocalStorage } from 'node:async_hooks'

const bulk = new AsyncLocalStorage<true>()

/**
 * Runs `work` (and everything it starts) as bulk work, which no person waits on at a screen's pace: where the
 * database has one connection (SQLite), its statements wait while a request's statements wait for it; on PostgreSQL it
 * holds at most all but two of the pool's connections (`requestFirstPool`). The job runner's lanes run so, a court's
 * callbacks, and the requests that store or file a batch: a batch of cases, a review's filings, a clerk's report. The
 * API's other requests (a deputy's listing, a case) do not.
 */
export function asBulkWork<T>(work: () => T): T {
  return bulk.run(true, work)
}

/** Whether the caller is bulk work (see `asBulkWork`). */
export function inBulkWork(): boolean {
  return bulk.getStore() === true
}
