import { CompiledQuery } from 'kysely'
import type pg from 'pg'

/*
 * PostgreSQL's COPY … FROM STDIN, through kysely: `copyStatement` compiles rows into a statement whose one parameter
 * is the rows already encoded (`CopyData`); the connection (`SessionClient`) sends such a statement as COPYs instead
 * of a query (`CopyIn`). Why: a batch of cases sent as JSON (`json_populate_recordset`) cost PostgreSQL more CPU than
 * the same rows copied (6,000 determinations with their people, cases and counts: 0.92 s against 0.44 s in psql,
 * rolled back; in the service 0.24–0.28 ms a case against 0.27–0.37, 2026-12-04), and cost clearfile a second,
 * escaped copy of every explanation (35 µs a case to encode against 57).
 */

/** Rows encoded in COPY's text format, a few hundred kilobytes a piece: the parameter of a `copyStatement`. */
export class CopyData {
  constructor(
    /** Each table's pieces, in the order of the statement's COPYs; a piece ends with a whole row. */
    readonly tables: readonly (readonly Buffer[])[]
  ) {}
}

/** Encoded text sent in one CopyData message at most: large enough to be few, small enough not to be copied twice. */
const PIECE_CHARS = 256 * 1024

const SPECIALS = /[\\\n\r\t]/g
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/**
 * Whether `text` holds a character COPY's text format escapes: four `includes` (a fast scan each) took a tenth of a
 * regular expression's time.
 */
const special = (text: string) =>
  text.includes('\\') || text.includes('\n') || text.includes('\r') || text.includes('\t')

/** One value in COPY's text format: `\N` for null, a backslash before what would end a field or a row. */
function field(value: unknown, column: string): string {
  if (value === null || value === undefined) return '\\N'
  if (typeof value === 'string') return special(value) ? value.replace(SPECIALS, (c) => ESCAPED[c]!) : value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value === 'bigint') return String(value)
  if (typeof value === 'boolean') return value ? 't' : 'f'
  throw new TypeError(`column ${column}: a ${typeof value} cannot be copied (text, numbers, booleans or null)`)
}

/**
 * `copy table (columns) from stdin`, a table at a time in the order given, as one statement (one message, one round
 * trip) with the rows as its data: a table's columns are its first row's keys, as an insert's would be (a column a
 * row leaves out is null in it, one no row has takes its default). The COPYs run as one: outside a transaction, all
 * are stored or none.
 */
export function copyStatement(inserts: ReadonlyArray<{ table: string; rows: readonly object[] }>): CompiledQuery {
  const statements: string[] = []
  const tables: Buffer[][] = []
  for (const { table, rows } of inserts) {
    const columns = Object.keys(rows[0] ?? {})
    const pieces: Buffer[] = []
    let text = ''
    for (const row of rows) {
      const values = row as Record<string, unknown>
      let line = ''
      for (let c = 0; c < columns.length; c++) {
        const column = columns[c]!
        line += (c === 0 ? '' : '\t') + field(values[column], column)
      }
      text += `${line}\n`
      if (text.length >= PIECE_CHARS) {
        pieces.push(Buffer.from(text, 'utf8'))
        text = ''
      }
    }
    if (text.length > 0) pieces.push(Buffer.from(text, 'utf8'))
    statements.push(`copy ${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) from stdin`)
    tables.push(pieces)
  }
  return CompiledQuery.raw(statements.join('; '), [new CopyData(tables)])
}

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`

/** What of pg's connection a COPY uses: the simple query and the copy-in messages. */
interface CopyConnection {
  query(text: string): void
  sendCopyFromChunk(chunk: Buffer): void
  endCopyFrom(): void
}

/**
 * A statement of COPYs (`copyStatement`), as pg's client runs a query it is handed (a `Submittable`, as
 * pg-copy-streams is): the query, then each table's data and its end, sent at once. Waiting for the server's
 * CopyInResponse before sending a table's data, as psql does, left the data to wait in turn for this thread, busy
 * making a batch's next slice: a COPY of 125 people took 19–27 ms where it took 2 ms without the wait, and a table a
 * round trip left PostgreSQL idle between tables for the same reason. The server reads each table's data once it has
 * begun that COPY; after an error it ends the statement, and drops the data that follows ("simply dropped", as the
 * protocol asks of it). `result` settles once: rejected on the first error (the server's, or the connection's), else
 * resolved when the server is ready again.
 */
export class CopyIn implements pg.Submittable {
  readonly result: Promise<pg.QueryResult>
  #resolve!: (result: pg.QueryResult) => void
  #reject!: (error: Error) => void
  #rowCount = 0
  #failed = false

  constructor(
    readonly text: string,
    readonly data: CopyData
  ) {
    this.result = new Promise((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
  }

  submit(connection: pg.Connection): void {
    const copying = connection as unknown as CopyConnection
    copying.query(this.text)
    for (const pieces of this.data.tables) {
      for (const piece of pieces) copying.sendCopyFromChunk(piece)
      copying.endCopyFrom()
    }
  }

  // The data went with the query.
  handleCopyInResponse(): void {}

  handleCommandComplete(message: { text?: string }): void {
    // "COPY 125", one a table
    this.#rowCount += Number(message.text?.split(' ')[1] ?? 0)
  }

  handleError(error: Error): void {
    this.#failed = true
    this.#reject(error)
  }

  handleReadyForQuery(): void {
    if (this.#failed) return
    this.#resolve({ command: 'COPY', rowCount: this.#rowCount, rows: [], oid: 0, fields: [] })
  }

  // A COPY from the client returns no rows and reads nothing back.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleEmptyQuery(): void {}
  handleCopyData(): void {}
}
