import { AsyncLocalStorage } from 'node:async_hooks'

const background = new AsyncLocalStorage<true>()

/**
 * Runs `work` (and everything it starts) as background work: where the database has one connection (SQLite), its
 * statements wait while a request's statements wait for it. The job runner's lanes run so; requests do not.
 */
export function asBackgroundWork<T>(work: () => T): T {
  return background.run(true, work)
}

/** Whether the caller is background work (see `asBackgroundWork`). */
export function inBackgroundWork(): boolean {
  return background.getStore() === true
}
