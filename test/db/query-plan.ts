import { CompiledQuery, type Kysely, type QueryResult, type RootOperationNode, sql } from 'kysely'
import { dialectOf } from '../../src/db/database.js'
import type { Database } from '../../src/db/schema.js'

/**
 * The plan the database makes for the first statement `read` sends (EXPLAIN, not run). On PostgreSQL: for its
 * parameters' values, or `generic`, the plan a prepared statement settles on after its first few runs (the one a busy
 * service uses). On SQLite: EXPLAIN QUERY PLAN's steps, one a line.
 */
export async function planOf(
  db: Kysely<Database>,
  read: (db: Kysely<Database>) => Promise<unknown>,
  { generic = false } = {}
): Promise<string> {
  // The node last transformed before a statement's result is the statement's own: a union's parts come before it.
  let latest: RootOperationNode | undefined
  let first: RootOperationNode | undefined
  const capturing = db.withPlugin({
    transformQuery: ({ node }) => {
      latest = node
      return node
    },
    transformResult: async ({ result }) => {
      first ??= latest
      return result as QueryResult<never>
    }
  })
  await read(capturing)
  const compiled = db.getExecutor().compileQuery(first!, { queryId: 'plan' })
  const parameters = [...compiled.parameters]
  if (dialectOf(db) === 'sqlite') {
    const { rows } = await db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${compiled.sql}`, parameters)
    )
    return rows.map((r) => r.detail).join('\n')
  }
  const rows = await db.connection().execute(async (conn) => {
    if (!generic)
      return (
        await conn.executeQuery<{ 'QUERY PLAN': string }>(
          CompiledQuery.raw(`explain (costs off) ${compiled.sql}`, parameters)
        )
      ).rows
    await sql`set plan_cache_mode = force_generic_plan`.execute(conn)
    await conn.executeQuery(CompiledQuery.raw(`prepare generic_plan as ${compiled.sql}`))
    // EXECUTE takes its values as literals (EXPLAIN EXECUTE cannot be given bind parameters).
    const literal = (v: unknown): string =>
      Array.isArray(v) ? `array[${v.map(literal).join(', ')}]` : `'${String(v).replaceAll("'", "''")}'`
    const { rows } = await conn.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`explain (costs off) execute generic_plan(${parameters.map(literal).join(', ')})`)
    )
    await sql`deallocate generic_plan`.execute(conn)
    await sql`reset plan_cache_mode`.execute(conn)
    return rows
  })
  // The ids of the in-list are left out: the plan's shape is what is read.
  return rows.map((r) => r['QUERY PLAN'].replace(/'\{[^}]*\}'/g, '…')).join('\n')
}
