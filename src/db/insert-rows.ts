import { type CompiledQuery, type Insertable, type Kysely, type RawBuilder, type SelectQueryBuilder, sql } from 'kysely'
import { copyStatement } from './copy-rows.js'
import { chunksOf, rowChunks } from './chunks.js'
import { dialectOf } from './database.js'
import type { Database } from './schema.js'

/** Rows for one table, every row with the same columns, every value one JSON carries (text, numbers, null). */
export type TableRows = {
  [T in keyof Database]: { table: T; rows: ReadonlyArray<Insertable<Database[T]>> }
}[keyof Database]

/** Rows one PostgreSQL statement carries at most, over all its tables (a county's batch of 1,000 cases is ~13,000). */
const ROWS_PER_STATEMENT = 20_000

/**
 * Rows a PostgreSQL write carries at least to go by COPY (`copyStatement`); fewer go as one statement of JSON
 * parameters (a case from a DA system: about a dozen rows in six tables). Either way one statement carries them all.
 */
const COPY_FROM_ROWS = 100

/** Statements compiled to write rows, run in order; the last one's rows are `read`'s answer if `answers`. */
interface Writes {
  statements: CompiledQuery[]
  answers: boolean
}

/**
 * Inserts rows into several tables, in the order given, in as few statements
 * as will hold them.
 *
 * On PostgreSQL many rows (`COPY_FROM_ROWS`) go by COPY, every table in one statement.
 * Fewer travel as one JSON parameter a table, turned into rows by
 * `json_populate_recordset` with the table's own column types, and
 * consecutive tables share one statement as data-modifying CTEs (foreign keys
 * are checked at the end of the statement, so a parent and its children may
 * share one). A case from a DA system spent most of its time on a round trip
 * per table, and a batch of them on PostgreSQL parsing and planning
 * multi-row VALUES lists of tens of thousands of parameters, then parsing
 * JSON. SQLite, in process, takes one VALUES insert per slice of rows.
 *
 * `read`, a select, is answered with them: with JSON parameters, as the main
 * query of the last statement, the inserts its CTEs (a round trip saved; it
 * sees the database as it was before the statement, not the rows it inserts);
 * otherwise as a statement of its own after them. Its rows are returned (none
 * without it).
 */
export async function insertRows<R = never>(
  db: Kysely<Database>,
  inserts: readonly TableRows[],
  // biome-ignore lint/suspicious/noExplicitAny: any select of the schema
  read?: SelectQueryBuilder<Database, any, R>
): Promise<R[]> {
  return runWrites<R>(db, compileWrites(db, inserts, read))
}

/** The statements of `insertRows`, every row encoded: work done before the database is waited for. */
function compileWrites(
  db: Kysely<Database>,
  inserts: readonly TableRows[],
  // biome-ignore lint/suspicious/noExplicitAny: any select of the schema
  read: SelectQueryBuilder<Database, any, unknown> | undefined
): Writes {
  const postgres = dialectOf(db) === 'postgres'
  const answeredApart = (statements: CompiledQuery[]): Writes =>
    read ? { statements: [...statements, read.compile()], answers: true } : { statements, answers: false }
  if (!postgres)
    return answeredApart(
      inserts.flatMap(({ table, rows }) =>
        [...rowChunks<object>(rows)].map((chunk) =>
          db
            .insertInto(table)
            .values(chunk as never)
            .compile()
        )
      )
    )
  const filled = inserts.filter(({ rows }) => rows.length > 0)
  if (filled.reduce((n, { rows }) => n + rows.length, 0) >= COPY_FROM_ROWS)
    return answeredApart([copyStatement(filled)])
  const units = filled.flatMap(({ table, rows }) =>
    [...chunksOf<object>(rows, 1, 5000)].map((chunk) => ({ table, rows: chunk }))
  )
  if (units.length === 0) return answeredApart([])
  const statements: CompiledQuery[] = []
  let answers = false
  // Consecutive units, packed while they fit one statement. The parts of one statement run in no set order, so a
  // table takes one part of a statement at most: its rows keep the order given (events, audit trail).
  let at = 0
  while (at < units.length) {
    let end = at + 1
    let count = units[at]!.rows.length
    const tables = new Set([units[at]!.table])
    while (
      end < units.length &&
      count + units[end]!.rows.length <= ROWS_PER_STATEMENT &&
      !tables.has(units[end]!.table)
    ) {
      tables.add(units[end]!.table)
      count += units[end++]!.rows.length
    }
    const parts = units.slice(at, end).map((u) => jsonInsert(u.table, u.rows))
    answers = read !== undefined && end === units.length
    const last = answers ? read! : parts.pop()!
    const statement =
      parts.length === 0
        ? last
        : sql`with ${sql.join(
            parts.map((part, i) => sql`${sql.id(`w${i}`)} as (${part})`),
            sql`, `
          )} ${last}`
    statements.push(statement.compile(db))
    at = end
  }
  return { statements, answers }
}

/** Runs `writes`' statements in order; `read`'s answer, if they give one. */
async function runWrites<R>(db: Kysely<Database>, writes: Writes): Promise<R[]> {
  let answer: R[] = []
  for (const [i, statement] of writes.statements.entries()) {
    const { rows } = await db.executeQuery<R>(statement)
    if (writes.answers && i === writes.statements.length - 1) answer = rows
  }
  return answer
}

/** `insert into t (columns) select columns from json_populate_recordset(null::t, $1)`: the rows as one parameter. */
function jsonInsert(table: string, rows: readonly object[]): RawBuilder<unknown> {
  const columns = Object.keys(rows[0]!).map((c) => sql.id(c))
  const list = sql.join(columns)
  return sql`insert into ${sql.table(table)} (${list}) select ${list} from json_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(rows)}::json)`
}

/**
 * `insertRows` for each slice's rows, in order, making and encoding the next slice's rows while the database writes
 * the last: work in JavaScript (deciding, serializing) and in PostgreSQL share the two cores instead of taking turns.
 * One statement at a time is in flight, as a transaction's connection allows; `makeRows` runs once per slice, in order.
 * `read` is answered with the first slice (`insertRows`) and its rows returned; with no slices it is not run.
 */
export async function insertSlices<S, R = never>(
  db: Kysely<Database>,
  slices: Iterable<S>,
  makeRows: (slice: S) => readonly TableRows[],
  // biome-ignore lint/suspicious/noExplicitAny: any select of the schema
  read?: SelectQueryBuilder<Database, any, R>
): Promise<R[]> {
  let answer: R[] = []
  let writing: Promise<unknown> = Promise.resolve()
  let first = true
  for (const slice of slices) {
    let writes: Writes
    try {
      writes = compileWrites(db, makeRows(slice), first ? read : undefined)
    } catch (error) {
      await writing.catch(() => undefined)
      throw error
    }
    await writing
    writing = first
      ? runWrites<R>(db, writes).then((found) => {
          answer = found
        })
      : runWrites(db, writes)
    first = false
    // Handled here so that a failure while the next slice is made is not an unhandled rejection; awaited below.
    writing.catch(() => undefined)
    // The statement reaches the database through a few promise steps: let them run before the next slice is made.
    await new Promise(setImmediate)
  }
  await writing
  return answer
}
