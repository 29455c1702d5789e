import type SQLite from 'better-sqlite3'
import {
  SqliteDialect,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type TransactionSettings
} from 'kysely'
import { inBulkWork } from './work-priority.js'

/** How long queries may hold the event loop before the next one lets it turn. */
const HOLD_MS = 2

/** Prepared statements kept per database; past this many (varying `in (…)` lists) the cache starts over. */
const STATEMENT_CACHE_SIZE = 500

/**
 * kysely's SQLite dialect, made to share the event loop. better-sqlite3 runs
 * each statement synchronously and kysely hands its one connection from query
 * to query in promise callbacks, so two hundred waiting writes used to run back
 * to back without the event loop turning once: `/healthz`, reads and new
 * requests waited seconds behind them. Here a statement that comes after the
 * database has held the loop for 2 ms lets it turn first (one `setImmediate`),
 * so what needs no database is answered meanwhile and waiting requests are
 * taken in turn. That holds inside a transaction too: a review storing a
 * batch of people held the loop for 400 ms. A transaction keeps the connection
 * throughout, so it is never interleaved with other statements; only work that
 * needs no database runs between its statements.
 * Statements are prepared once per SQL text (kysely prepares each time).
 */
export class ResponsiveSqliteDialect extends SqliteDialect {
  readonly #database: SQLite.Database

  constructor(database: SQLite.Database) {
    super({ database })
    this.#database = database
  }

  override createDriver(): Driver {
    return new ResponsiveSqliteDriver(super.createDriver(), new CachedStatementConnection(this.#database))
  }
}

class ResponsiveSqliteDriver implements Driver {
  readonly #turn = new ConnectionTurns()

  constructor(
    private readonly inner: Driver,
    private readonly connection: CachedStatementConnection
  ) {}

  init(): Promise<void> {
    return this.inner.init()
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#turn.take(inBulkWork())
    try {
      this.connection.inner = await this.inner.acquireConnection()
    } catch (err) {
      this.#turn.pass()
      throw err
    }
    return this.connection
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings)
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection)
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection)
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.releaseConnection(connection)
    } finally {
      this.#turn.pass()
    }
  }

  destroy(): Promise<void> {
    return this.inner.destroy()
  }
}

/**
 * Who has the one connection next: a request's statement or transaction before any bulk work's (the job
 * runner's), each in the order they asked. Jobs queued hundreds of statements deep used to keep a deputy's listing
 * waiting behind them, statement after statement (bench:statewide, scale 0.1: p99 219 ms while filings were sent).
 */
class ConnectionTurns {
  #held = false
  readonly #requests: Array<() => void> = []
  readonly #bulk: Array<() => void> = []

  take(bulk: boolean): Promise<void> {
    if (!this.#held) {
      this.#held = true
      return Promise.resolve()
    }
    return new Promise((resolve) => (bulk ? this.#bulk : this.#requests).push(resolve))
  }

  pass(): void {
    const next = this.#requests.shift() ?? this.#bulk.shift()
    if (next) next()
    else this.#held = false
  }
}

/** The one SQLite connection, with its statements prepared once; streaming is left to kysely's own connection. */
class CachedStatementConnection implements DatabaseConnection {
  readonly #statements = new Map<string, SQLite.Statement>()
  readonly #turns = new LoopTurns()
  inner: DatabaseConnection | undefined

  constructor(private readonly database: SQLite.Database) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    await this.#turns.letTurnIfHeld()
    const { sql, parameters } = compiledQuery
    let statement = this.#statements.get(sql)
    if (!statement) {
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) this.#statements.clear()
      statement = this.database.prepare(sql)
      this.#statements.set(sql, statement)
    }
    if (statement.reader) return { rows: statement.all(parameters as unknown[]) as R[] }
    const { changes, lastInsertRowid } = statement.run(parameters as unknown[])
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] }
  }

  streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    if (!this.inner) throw new Error('sqlite: stream outside an acquired connection')
    return this.inner.streamQuery<R>(compiledQuery, chunkSize)
  }
}

/** When the event loop last turned, and a turn for it when the database has held it longer than `HOLD_MS`. */
class LoopTurns {
  /** When the event loop last ran its immediates: the time the database has had the loop to itself since. */
  private lastTurn = performance.now()
  private turnPending = false

  /** Only when the loop has not turned for a while: a request's own few statements are not slowed down. */
  async letTurnIfHeld(): Promise<void> {
    if (performance.now() - this.lastTurn > HOLD_MS) await new Promise((resolve) => setImmediate(resolve))
    this.noteTurn()
  }

  private noteTurn(): void {
    if (this.turnPending) return
    this.turnPending = true
    setImmediate(() => {
      this.turnPending = false
      this.lastTurn = performance.now()
    })
  }
}
