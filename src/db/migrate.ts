import {
  type DatabaseIntrospector,
  type Kysely,
  Migrator,
  sql,
  type MigrationResultSet,
  type TableMetadata
} from 'kysely'
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

/** clearfile's migrations, for the schema the connection writes to (its tables and introspection that schema's only). */
export async function migratorOf(db: Db): Promise<Migrator> {
  const schema = await currentSchema(db)
  return new Migrator({
    db: schema !== null ? withIntrospectionOf(db, schema) : db,
    provider: { getMigrations: async () => migrations },
    ...(schema !== null ? { migrationTableSchema: schema } : {})
  })
}

/** Runs every pending migration. Like kysely's Migrator, returns the result set and never throws. */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  let migrator: Migrator
  try {
    migrator = await migratorOf(db)
  } catch (error) {
    return { error }
  }
  return migrator.migrateToLatest()
}

/**
 * The database as the migrator sees it, its introspection limited to one schema. kysely's own reads every table of
 * every schema in the database, naming each (`pg_get_serial_sequence('schema.table', …)`): a schema another process
 * dropped meanwhile failed the migration with `relation "t_….people" does not exist` (CI, where each test file has a
 * schema of its own and drops it when done), and the read grows with every schema the database holds.
 */
function withIntrospectionOf(db: Db, schema: string): Db {
  const introspection: DatabaseIntrospector = {
    async getSchemas() {
      const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace
        where nspname = ${schema}`.execute(db)
      return rows
    },
    async getTables(): Promise<TableMetadata[]> {
      const { rows } = await sql<{ name: string; kind: string }>`select c.relname as name, c.relkind as kind
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ${schema} and c.relkind in ('r', 'v', 'p')`.execute(db)
      // The migrator asks only whether its tables are there: names, not columns.
      return rows.map((r) => ({ name: r.name, schema, isView: r.kind === 'v', columns: [] }))
    },
    async getMetadata() {
      return { tables: await this.getTables() }
    }
  }
  return new Proxy(db, {
    get(target, property) {
      if (property === 'introspection') return introspection
      const value = Reflect.get(target, property, target)
      // kysely's methods read private fields: they are called on the instance itself, not on the proxy.
      return typeof value === 'function' ? value.bind(target) : value
    }
  }) as Kysely<never> as Db
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
