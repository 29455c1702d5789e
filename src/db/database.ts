import { mkdirSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { Kysely, PostgresAdapter, PostgresDialect, sql } from 'kysely'
import { isPostgresUrl } from '../config.js'
import type { Database } from './schema.js'
import { ResponsiveSqliteDialect } from './sqlite-dialect.js'
import { PreparingClient, SessionClient } from './preparing-client.js'
import { ArrayParametersPlugin } from './array-parameters.js'
import { requestFirstPool } from './request-first-pool.js'
import { siblingModule } from '../workers/worker-pool.js'

export type Db = Kysely<Database>
export type DialectName = 'sqlite' | 'postgres'

export interface DatabaseOptions {
  /** `postgres://…` for PostgreSQL, otherwise a SQLite file path (or `:memory:`). */
  url: string
  /** PostgreSQL only: use (and create) this schema, so parallel test files never share tables. */
  schema?: string
  /** PostgreSQL pool size. */
  poolSize?: number
  /**
   * PostgreSQL: told when an idle pooled connection fails (a server restart, a
   * failover, pg_terminate_backend). The pool drops that connection and the next
   * query opens a new one; without a listener the error would end the process.
   */
  onConnectionError?: (err: Error) => void
  /** PostgreSQL: the name clearfile's connections carry in pg_stat_activity (default `clearfile`). */
  applicationName?: string
  /**
   * PostgreSQL: prepare the statements each connection is sent again and again (`PreparingClient`; default true). Off
   * behind a pooler that does not keep a session's prepared statements to it (PgBouncer in transaction mode).
   */
  prepareStatements?: boolean
  /** PostgreSQL: how long a query waits for a connection when none can be made (default 5 s). */
  connectionTimeoutMs?: number
  /**
   * SQLite file: checkpoint its write-ahead log on a thread of its own instead of in the commit that fills it. A
   * commit that checkpoints copies every page the log holds into the database file first, on the event loop: up to
   * 115 ms in bench:statewide, with /healthz and every request waiting. For a long-running service.
   */
  checkpointInBackground?: boolean
}

export interface DatabaseHandle {
  db: Db
  dialect: DialectName
  destroy: () => Promise<void>
}

const INT8_OID = 20
const NUMERIC_OID = 1700
/** PostgreSQL connections bulk work leaves to requests (see `requestFirstPool`). */
const REQUEST_CONNECTIONS = 2

/**
 * Opens the database clearfile runs on. SQLite is the embedded default; a
 * `postgres://` URL selects PostgreSQL. The rest of the code never asks which.
 */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (isPostgresUrl(options.url)) return openPostgres(options)
  return openSqlite(options.url, options.checkpointInBackground ?? false)
}

/** How often the background thread checkpoints a SQLite file's log. */
const CHECKPOINT_EVERY_MS = 250
/** Pages a commit lets the log grow to before checkpointing it itself (SQLite's default). */
const AUTOCHECKPOINT_PAGES = 1000

function openSqlite(file: string, checkpointInBackground: boolean): DatabaseHandle {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const database = new SQLite(file)
  database.pragma('journal_mode = WAL')
  database.pragma('foreign_keys = ON')
  database.pragma('busy_timeout = 5000')
  database.pragma('synchronous = NORMAL')
  const db = new Kysely<Database>({ dialect: new ResponsiveSqliteDialect(database) })
  const checkpointer = checkpointInBackground && file !== ':memory:' ? backgroundCheckpoints(database, file) : undefined
  return {
    db,
    dialect: 'sqlite',
    destroy: async () => {
      await checkpointer?.close()
      await db.destroy()
    }
  }
}

/**
 * Moves a SQLite file's checkpoints to a worker thread: commits stop checkpointing (`wal_autocheckpoint = 0`) while
 * it runs. Should the thread end, commits checkpoint again as before, so the log never grows without bound.
 */
function backgroundCheckpoints(database: SQLite.Database, file: string): { close: () => Promise<void> } {
  const worker = new Worker(siblingModule(import.meta.url, 'sqlite-checkpoint-worker'), {
    workerData: { file, intervalMs: CHECKPOINT_EVERY_MS }
  })
  worker.unref()
  database.pragma('wal_autocheckpoint = 0')
  const ended = new Promise<void>((resolve) => {
    const fallBack = () => {
      if (database.open) database.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`)
      resolve()
    }
    worker.once('exit', fallBack)
    worker.once('error', fallBack)
  })
  return {
    close: async () => {
      await worker.terminate()
      await ended
    }
  }
}

async function openPostgres(options: DatabaseOptions): Promise<DatabaseHandle> {
  const schema = options.schema
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}`)
  }
  const max = options.poolSize ?? 10
  const connectionTimeoutMs = options.connectionTimeoutMs ?? 5000
  const pool = new pg.Pool({
    // Statements sent again and again are prepared, not planned each time; a connection the server ended leaves.
    Client: options.prepareStatements !== false ? PreparingClient : SessionClient,
    connectionString: options.url,
    max,
    // While the server is away a request waits this long for a connection, then fails (503), instead of hanging.
    connectionTimeoutMillis: connectionTimeoutMs,
    // Names clearfile's connections in pg_stat_activity, for operators.
    application_name: options.applicationName ?? 'clearfile',
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
    // COUNT(*) and bigserial ids come back as int8; they fit a JS number here.
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID || oid === NUMERIC_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format as 'text')
    }
  })
  pool.on('error', (err) => options.onConnectionError?.(err))
  // A connection that fails while a query is running on it rejects that query (the request gets a 503) and then
  // emits 'error' on its client, which nothing else listens to: without this the process would end.
  pool.on('connect', (client) => {
    client.on('error', (err) => options.onConnectionError?.(err))
  })
  // Two connections are kept for requests: bulk work (jobs, a court's callbacks, batches) takes the others.
  const lanes = requestFirstPool(pool, {
    bulkMax: Math.max(1, max - REQUEST_CONNECTIONS),
    connectionTimeoutMs
  })
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: lanes }),
    plugins: [new ArrayParametersPlugin()]
  })
  if (schema !== undefined) await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(db)
  return { db, dialect: 'postgres', destroy: () => db.destroy() }
}

/** Which dialect a kysely instance speaks; migrations use it for the few types that differ. */
// biome-ignore lint/suspicious/noExplicitAny: any schema (migrations pass Kysely<any>)
export function dialectOf(db: Kysely<any>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite'
}

/** True when a database error is a unique-constraint violation, on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string }
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}

/** PostgreSQL SQLSTATEs meaning the server cannot serve now: connection exceptions (08…), shutdowns (57P01–57P03), too many connections, a read-only transaction or standby. */
const PG_UNAVAILABLE = /^(08\w{3}|57P0[1-3]|53300|25006)$/
const NET_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN'
])
/** SQLite result codes meaning the file cannot be written or read now (extended codes start with these). */
const SQLITE_UNAVAILABLE = /^SQLITE_(READONLY|BUSY|LOCKED|CANTOPEN|IOERR|FULL|NOTADB|CORRUPT)/

/**
 * True when an error says the database cannot serve at the moment (gone, restarting, full, read-only, locked)
 * rather than that the request was wrong: the API answers 503 with Retry-After and jobs wait and try again.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null
  if (!e || typeof e !== 'object') return false
  const code = typeof e.code === 'string' ? e.code : ''
  const message = typeof e.message === 'string' ? e.message : ''
  return (
    PG_UNAVAILABLE.test(code) ||
    NET_UNAVAILABLE.has(code) ||
    SQLITE_UNAVAILABLE.test(code) ||
    /Connection terminated|timeout exceeded when trying to connect|connection is not open|is not queryable|driver has already been destroyed|Cannot use a pool after calling end/i.test(
      message
    )
  )
}

/**
 * Throws unless the database takes writes: a write that changes nothing, so a read-only SQLite file, a
 * PostgreSQL standby or a read-only transaction default is found at start and by readiness, not at the first
 * real write.
 */
export async function assertWritable(db: Db): Promise<void> {
  await sql`update api_clients set last_used_at = last_used_at where 1 = 0`.execute(db)
}
