import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { Kysely, Selectable } from 'kysely'
import type { ApiClientsTable, Database } from './schema.js'

export type Role = ApiClientsTable['role']
export const ROLES: readonly Role[] = ['da_system', 'deputy_da', 'clerk', 'admin', 'metrics']
/** Roles whose keys belong to no county: admin (every county) and metrics (no records at all). */
const COUNTY_FREE_ROLES: readonly Role[] = ['admin', 'metrics']
/** last_used_at is written at most this often per key, so a busy key does not turn every read into a write. */
const LAST_USED_RESOLUTION_MS = 60_000

/** Who is calling: resolved from an API key on every /v1 request. */
export interface Principal {
  clientId: string
  role: Role
  /** Upper-case county; null for admin keys, which see every county, and for metrics keys, which see none. */
  county: string | null
}

const KEY_PREFIX = 'cfk_'

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

/** County names are compared upper-case and with single spaces, as the DOJ file writes them. */
export function normalizeCounty(county: string): string {
  return county.trim().replace(/\s+/g, ' ').toUpperCase()
}

export interface CreatedApiKey {
  /** The key itself: shown once, never stored. */
  key: string
  client: Principal & { name: string | null; keyPrefix: string }
}

/**
 * Creates an API client and returns its key. Keys carry 256 random bits, so a
 * plain SHA-256 is a safe stored form (no password-stretching needed).
 */
export async function createApiClient(
  db: Kysely<Database>,
  input: { role: Role; county?: string | null; name?: string | null; expiresAt?: Date | null },
  now: Date
): Promise<CreatedApiKey> {
  if (!ROLES.includes(input.role))
    throw new Error(`unknown role ${JSON.stringify(input.role)}; use one of ${ROLES.join(', ')}`)
  const county = input.county ? normalizeCounty(input.county) : null
  if (county === null && !COUNTY_FREE_ROLES.includes(input.role)) throw new Error(`a ${input.role} key needs a county`)
  if (county !== null && COUNTY_FREE_ROLES.includes(input.role))
    throw new Error(`a ${input.role} key belongs to no county`)
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) throw new Error('the expiry must be in the future')
  const key = KEY_PREFIX + randomBytes(32).toString('base64url')
  const client = {
    id: randomUUID(),
    name: input.name ?? null,
    role: input.role,
    county,
    key_prefix: key.slice(0, 12),
    key_sha256: hashApiKey(key),
    created_at: now.toISOString(),
    revoked_at: null,
    last_used_at: null,
    expires_at: input.expiresAt ? input.expiresAt.toISOString() : null
  }
  await db.insertInto('api_clients').values(client).execute()
  return {
    key,
    client: { clientId: client.id, role: client.role, county, name: client.name, keyPrefix: client.key_prefix }
  }
}

/**
 * The principal a key stands for, or null when the key is unknown, revoked or
 * expired. Notes when the key was used (at most once a minute per key).
 */
export async function findPrincipalByKey(db: Kysely<Database>, key: string, now: Date): Promise<Principal | null> {
  if (!key.startsWith(KEY_PREFIX)) return null
  const row = await db
    .selectFrom('api_clients')
    .select(['id', 'role', 'county', 'expires_at', 'last_used_at'])
    .where('key_sha256', '=', hashApiKey(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  if (!row) return null
  if (row.expires_at !== null && Date.parse(row.expires_at) <= now.getTime()) return null
  if (row.last_used_at === null || now.getTime() - Date.parse(row.last_used_at) >= LAST_USED_RESOLUTION_MS) {
    await db.updateTable('api_clients').set({ last_used_at: now.toISOString() }).where('id', '=', row.id).execute()
  }
  return { clientId: row.id, role: row.role, county: row.county }
}

export async function countApiClients(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('api_clients')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function revokeApiClient(db: Kysely<Database>, keyPrefixOrId: string, now: Date): Promise<number> {
  const result = await db
    .updateTable('api_clients')
    .set({ revoked_at: now.toISOString() })
    .where((eb) => eb.or([eb('id', '=', keyPrefixOrId), eb('key_prefix', '=', keyPrefixOrId)]))
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

export async function listApiClients(db: Kysely<Database>) {
  return db
    .selectFrom('api_clients')
    .select(['id', 'name', 'role', 'county', 'key_prefix', 'created_at', 'revoked_at', 'expires_at', 'last_used_at'])
    .orderBy('created_at')
    .execute()
}

/**
 * Rotation: a new key with the old one's role, county and name, while the old
 * key keeps working for `overlapMs` (0: refused at once) so the holder can
 * switch without an outage. Throws when there is no active key by that id or prefix.
 */
export async function rotateApiClient(
  db: Kysely<Database>,
  keyPrefixOrId: string,
  input: { now: Date; overlapMs: number; expiresAt?: Date | null }
): Promise<CreatedApiKey & { replaced: string }> {
  return db.transaction().execute(async (trx) => {
    const old = await trx
      .selectFrom('api_clients')
      .select(['id', 'name', 'role', 'county', 'key_prefix', 'expires_at'])
      .where((eb) => eb.or([eb('id', '=', keyPrefixOrId), eb('key_prefix', '=', keyPrefixOrId)]))
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    if (!old || (old.expires_at !== null && Date.parse(old.expires_at) <= input.now.getTime()))
      throw new Error(`no active key ${keyPrefixOrId}`)
    const created = await createApiClient(
      trx,
      { role: old.role, county: old.county, name: old.name, expiresAt: input.expiresAt ?? null },
      input.now
    )
    const until = new Date(input.now.getTime() + input.overlapMs)
    if (input.overlapMs <= 0) {
      await trx
        .updateTable('api_clients')
        .set({ revoked_at: input.now.toISOString() })
        .where('id', '=', old.id)
        .execute()
    } else if (old.expires_at === null || Date.parse(old.expires_at) > until.getTime()) {
      await trx.updateTable('api_clients').set({ expires_at: until.toISOString() }).where('id', '=', old.id).execute()
    }
    return { ...created, replaced: old.key_prefix }
  })
}

/** An API client's role, by id, if the client exists. */
export async function apiClientRole(
  db: Kysely<Database>,
  id: string
): Promise<Pick<Selectable<ApiClientsTable>, 'id' | 'role'> | undefined> {
  return db.selectFrom('api_clients').select(['id', 'role']).where('id', '=', id).executeTakeFirst()
}
