import { Migrator, type MigrationResultSet } from 'kysely'
import { migrations } from '../../migrations/index.js'
import type { Db } from './database.js'

/** Runs every pending migration. Like kysely's Migrator, returns the result set and never throws. */
export async function migrateToLatest (db: Db): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations }
  })
  return migrator.migrateToLatest()
}

/** Runs pending migrations and throws a readable error when one fails (for startup paths). */
export async function migrateOrThrow (db: Db): Promise<string[]> {
  const { error, results } = await migrateToLatest(db)
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new Error(`migration ${failed} failed: ${(error as Error).message ?? String(error)}`, { cause: error })
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
