import type { Kysely, Selectable } from 'kysely'
import type { Database, IdempotencyKeysTable } from './schema.js'

type Db = Kysely<Database>
export type IdempotencyKeyRow = Selectable<IdempotencyKeysTable>

/** The answer stored under a client's Idempotency-Key, if there is one. */
export async function storedIdempotencyKey(
  db: Db,
  clientId: string,
  key: string
): Promise<IdempotencyKeyRow | undefined> {
  return db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('client_id', '=', clientId)
    .where('key', '=', key)
    .executeTakeFirst()
}

export async function deleteIdempotencyKey(db: Db, clientId: string, key: string): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('client_id', '=', clientId).where('key', '=', key).execute()
}

export async function insertIdempotencyKey(db: Db, row: IdempotencyKeyRow): Promise<void> {
  await db.insertInto('idempotency_keys').values(row).execute()
}

/** Deletes stored answers made before `cutoff` (they hold whole case views: names, dates of birth, CII). */
export async function purgeIdempotencyKeys(db: Db, cutoff: Date): Promise<number> {
  const result = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', cutoff.toISOString())
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
