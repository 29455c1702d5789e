import type { PostgresPool, PostgresPoolClient } from 'kysely'
import { inBulkWork } from './work-priority.js'

/**
 * A PostgreSQL pool whose bulk work (see `asBulkWork`: the job runner's lanes, a court's callbacks, a batch of
 * cases or filings, a clerk's report) holds at most `bulkMax` of its connections at once; the rest are kept for the
 * requests a person waits on at a screen. Bulk work past its share waits here, in the order it asked, and takes a
 * connection as one of its own is given back. Why: a court calling back 300 times a second kept all ten connections
 * busy, and a deputy's listing waited behind the callbacks' queue for one (the listing's p99 inside the service was
 * 240–280 ms, bench:statewide --scale 0.1, 2026-12-05); more connections would not have sent the callbacks faster on
 * a machine already busy.
 */
export function requestFirstPool(
  pool: PostgresPool,
  o: { bulkMax: number; connectionTimeoutMs: number }
): PostgresPool {
  if (!(Number.isInteger(o.bulkMax) && o.bulkMax >= 1)) throw new Error('bulkMax must be 1 or more')
  let held = 0
  const waiting = new Set<() => void>()
  const giveBack = () => {
    const [next] = waiting
    // A waiter takes the share over as it is given back: `held` stays as it was.
    if (next) {
      waiting.delete(next)
      next()
    } else held--
  }
  // Waits as long as pg-pool would for a connection, and fails as it does: work that held a connection and asked
  // for another while every share was held would otherwise wait for ever.
  const share = (): Promise<void> => {
    if (held < o.bulkMax) {
      held++
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(take)
        reject(new Error('timeout exceeded when trying to connect'))
      }, o.connectionTimeoutMs)
      const take = () => {
        clearTimeout(timer)
        resolve()
      }
      waiting.add(take)
    })
  }
  return {
    async connect(): Promise<PostgresPoolClient> {
      if (!inBulkWork()) return pool.connect()
      await share()
      let client: PostgresPoolClient
      try {
        client = await pool.connect()
      } catch (err) {
        giveBack()
        throw err
      }
      // pg-pool gives each checkout a release of its own; this one gives the share back with the connection.
      const release = client.release
      let released = false
      client.release = (destroy?: boolean) => {
        if (!released) {
          released = true
          giveBack()
        }
        release.call(client, destroy)
      }
      return client
    },
    end: () => pool.end()
  }
}
