import type { Insertable, Kysely } from 'kysely'
import { rowChunks, MAX_PARAMETERS } from './chunks.js'
import { dialectOf } from './database.js'
import type { Database } from './schema.js'

/** Rows for one table. */
export type TableRows = {
  [T in keyof Database]: { table: T; rows: ReadonlyArray<Insertable<Database[T]>> }
}[keyof Database]

/**
 * Inserts rows into several tables, in the order given, in as few statements
 * as the parameter limit allows. On PostgreSQL consecutive inserts share one
 * statement as data-modifying CTEs (foreign keys are checked at the end of the
 * statement, so a parent and its children may share one): a case from a DA
 * system spent most of its time on a round trip per table. SQLite, in
 * process, takes one insert at a time.
 */
export async function insertRows(db: Kysely<Database>, inserts: readonly TableRows[]): Promise<void> {
  const units = inserts.flatMap(({ table, rows }) =>
    [...rowChunks<object>(rows)].map((chunk) => ({ table, rows: chunk, parameters: chunk.length * width(chunk) }))
  )
  if (dialectOf(db) !== 'postgres') {
    for (const u of units)
      await db
        .insertInto(u.table)
        .values(u.rows as never)
        .execute()
    return
  }
  // Consecutive units, packed while their parameters fit one statement. The parts of one statement run in no set
  // order, so a table takes one part of a statement at most: its rows keep the order given (events, audit trail).
  let at = 0
  while (at < units.length) {
    let end = at + 1
    let parameters = units[at]!.parameters
    const tables = new Set([units[at]!.table])
    while (
      end < units.length &&
      parameters + units[end]!.parameters <= MAX_PARAMETERS &&
      !tables.has(units[end]!.table)
    ) {
      tables.add(units[end]!.table)
      parameters += units[end++]!.parameters
    }
    const packed = units.slice(at, end)
    // The statement is built table-agnostic; each unit's rows were typed for its table above.
    // biome-ignore lint/suspicious/noExplicitAny: one statement over several tables
    let statement: Kysely<any> = db
    packed.slice(0, -1).forEach((u, i) => {
      statement = statement.with(`w${i}`, (qc) => qc.insertInto(u.table).values(u.rows as never)) as typeof statement
    })
    const last = packed[packed.length - 1]!
    await statement
      .insertInto(last.table)
      .values(last.rows as never)
      .execute()
    at = end
  }
}

const width = (rows: readonly object[]) => (rows.length > 0 ? Object.keys(rows[0]!).length : 0)
