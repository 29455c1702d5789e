import { sql, type Kysely, type Migration } from 'kysely'
import { dialectOf } from '../src/db/database.js'

/**
 * Large values (a determination's explanation of about 2.4 KB, a stored answer to a batch, a filing message's
 * chunks in the database store) compressed with LZ4 instead of PostgreSQL's default pglz. Storing 20,000
 * explanations took 38 ms with LZ4 against 172 ms with pglz, and their compressed size was about the same (7.5 MB
 * against 7.8 MB): pglz was the largest named function of PostgreSQL's CPU while a review stored its determinations.
 *
 * Every text, bytea and jsonb column of the schema's tables, so that no large column is left to pglz. Only where the
 * server can (PostgreSQL 14 or later, built with LZ4: `default_toast_compression` offers it); elsewhere, and on
 * SQLite, nothing changes. Values stored before keep their compression; PostgreSQL reads both.
 */
export const lz4Compression: Migration = {
  up: (db) => compressWith(db, 'lz4'),
  down: (db) => compressWith(db, 'default')
}

async function compressWith(db: Kysely<unknown>, method: 'lz4' | 'default'): Promise<void> {
  if (dialectOf(db) !== 'postgres') return
  const { rows: offered } = await sql<{ lz4: boolean }>`
    select 'lz4' = any(enumvals) as lz4 from pg_settings where name = 'default_toast_compression'`.execute(db)
  if (!offered[0]?.lz4) return
  const { rows: columns } = await sql<{ table: string; column: string }>`
    select c.table_name as "table", c.column_name as "column"
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
      and c.data_type in ('text', 'bytea', 'jsonb') and c.table_name not like 'kysely\_%'
    order by 1, 2`.execute(db)
  // A catalog change only: no table is rewritten.
  for (const { table, column } of columns)
    await sql`alter table ${sql.id(table)} alter column ${sql.id(column)} set compression ${sql.raw(method)}`.execute(
      db
    )
}
