import { Migrator, sql, type MigrationResultSet } from 'kysely'
import { migrations } from '../../migrations/index.js'
import { dialectOf, type Db } from './database.js'

/**
 * The PostgreSQL schema the connection writes to (null on SQLite). The migrator
 * must be told it: otherwise it sees another schema's migration tables and
 * skips creating its own.
 */
export async function currentSchema(db: Db): Promise<string | null> {
  if (dialectOf(db) !== 'postgres') return null
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
  return rows[0]?.schema ?? null
}

/** Runs every pending migration. Like kysely's Migrator, returns the result set and never throws. */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  let schema: string | null
  try {
    schema = await currentSchema(db)
  } catch (error) {
    return { error }
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    ...(schema !== null ? { migrationTableSchema: schema } : {})
  })
  return migrator.migrateToLatest()
}

/** Runs pending migrations and throws a readable error when one fails (for startup paths). */
export async function migrateOrThrow(db: Db): Promise<string[]> {
  const { error, results } = await migrateToLatest(db)
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    const what = failed ? `migration ${failed} failed` : 'migrations could not run'
    throw new Error(`${what}: ${(error as Error).message ?? String(error)}`, { cause: error })
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
