import { createHash } from 'node:crypto'
import pg from 'pg'
import { CopyData, CopyIn } from './copy-rows.js'

/**
 * Which statement texts one connection prepares, and under what names: a text the second time it is sent, at most
 * `max` of them (a text that varies — IN lists of every length — cannot fill the server's memory), counting up to
 * `counted` texts before it starts counting again. A text `refused` is never prepared again.
 */
export class PreparedNames {
  readonly #counts = new Map<string, number>()
  /** Each prepared text's name; null for a text never to be prepared again. */
  readonly #names = new Map<string, string | null>()
  #prepared = 0

  constructor(
    private readonly max = 200,
    private readonly counted = 2_000
  ) {}

  /** The name to send `text` under, or undefined to send it unnamed. */
  nameOf(text: string): string | undefined {
    const known = this.#names.get(text)
    if (known !== undefined) return known ?? undefined
    if (this.#prepared >= this.max) return undefined
    const seen = (this.#counts.get(text) ?? 0) + 1
    if (seen < 2) {
      if (this.#counts.size >= this.counted) this.#counts.clear()
      this.#counts.set(text, seen)
      return undefined
    }
    this.#counts.delete(text)
    const name = `clearfile_${createHash('sha1').update(text).digest('hex')}`
    this.#names.set(text, name)
    this.#prepared++
    return name
  }

  /** Never prepares `text` again. */
  refuse(text: string): void {
    this.#names.set(text, null)
  }
}

/**
 * A PostgreSQL connection that ends itself once the server has ended its session with a FATAL error (an
 * administrator's `pg_terminate_backend`, a shutdown, a failover). The server closes the socket right after, but the
 * failed query's rejection reaches kysely, which hands the connection back to the pool, before the close does: the
 * pool kept it as idle and gave it to the next query, which failed too ("Connection terminated unexpectedly"). Ended,
 * it leaves the pool when it is handed back, and the next query gets a new connection.
 *
 * A statement whose one parameter is `CopyData` (`copyStatement`) is run as the COPY it is.
 */
export class SessionClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query() has a dozen overloads; every call passes as given
  override query(config: any, values?: any, callback?: any): any {
    const result = (
      isCopy(config, values) ? super.query(new CopyIn(config, values[0])).result : super.query(config, values, callback)
    ) as Partial<Promise<unknown>> | undefined
    // A promise (what kysely asks for); a cursor or a callback's query is left as it is.
    if (typeof result?.then !== 'function' || typeof result.catch !== 'function') return result
    return result.catch((err: unknown) => {
      const severity = (err as { severity?: string }).severity
      if (severity === 'FATAL' || severity === 'PANIC') this.end().catch(() => {})
      throw err
    })
  }
}

/**
 * A PostgreSQL connection that prepares the statements it is sent again and again. kysely sends every statement
 * unnamed, so the server parses and plans each one each time; for the few sent thousands of times — a court's
 * callback recorded, a job claimed — planning cost as much as running them (pg_stat_statements with track_planning
 * in bench:statewide at scale 0.1: 0.54 ms planning and 0.52 ms running a callback's record; 11 s of planning to 37 s
 * of running over the whole run). A text with parameters is prepared under a name (`PreparedNames`); after that the
 * server plans it from its cache (`plan_cache_mode`). A prepared text whose rows change shape under it (a migration
 * run meanwhile: "cached plan must not change result type") fails that once and is sent unnamed from then on.
 */
export class PreparingClient extends SessionClient {
  readonly #names = new PreparedNames()

  // biome-ignore lint/suspicious/noExplicitAny: pg's query() has a dozen overloads; every other call passes as given
  override query(config: any, values?: any, callback?: any): any {
    const name =
      typeof config === 'string' &&
      Array.isArray(values) &&
      values.length > 0 &&
      callback === undefined &&
      !isCopy(config, values)
        ? this.#names.nameOf(config)
        : undefined
    if (!name) return super.query(config, values, callback)
    return (super.query({ name, text: config, values }) as Promise<pg.QueryResult>).catch((err: unknown) => {
      if ((err as { code?: string }).code === '0A000') this.#names.refuse(config)
      throw err
    })
  }
}

// biome-ignore lint/suspicious/noExplicitAny: as query()'s own arguments
const isCopy = (config: any, values: any): values is [CopyData] =>
  typeof config === 'string' && Array.isArray(values) && values.length === 1 && values[0] instanceof CopyData
