import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { Kysely, Selectable } from 'kysely'
import type { ApiClientsTable, Database } from './schema.js'

export type Role = ApiClientsTable['role']
export const ROLES: readonly Role[] = ['da_system', 'deputy_da', 'clerk', 'admin']

/** Who is calling: resolved from an API key on every /v1 request. */
export interface Principal {
  clientId: string
  role: Role
  /** Upper-case county; null for admin keys, which see every county. */
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
  input: { role: Role; county?: string | null; name?: string | null },
  now: Date
): Promise<CreatedApiKey> {
  if (!ROLES.includes(input.role))
    throw new Error(`unknown role ${JSON.stringify(input.role)}; use one of ${ROLES.join(', ')}`)
  const county = input.county ? normalizeCounty(input.county) : null
  if (county === null && input.role !== 'admin') throw new Error(`a ${input.role} key needs a county`)
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
    last_used_at: null
  }
  await db.insertInto('api_clients').values(client).execute()
  return {
    key,
    client: { clientId: client.id, role: client.role, county, name: client.name, keyPrefix: client.key_prefix }
  }
}

export async function findPrincipalByKey(db: Kysely<Database>, key: string): Promise<Principal | null> {
  if (!key.startsWith(KEY_PREFIX)) return null
  const row = await db
    .selectFrom('api_clients')
    .select(['id', 'role', 'county'])
    .where('key_sha256', '=', hashApiKey(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return row ? { clientId: row.id, role: row.role, county: row.county } : null
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
    .select(['id', 'name', 'role', 'county', 'key_prefix', 'created_at', 'revoked_at'])
    .orderBy('created_at')
    .execute()
}

/** An API client's role, by id, if the client exists. */
export async function apiClientRole(
  db: Kysely<Database>,
  id: string
): Promise<Pick<Selectable<ApiClientsTable>, 'id' | 'role'> | undefined> {
  return db.selectFrom('api_clients').select(['id', 'role']).where('id', '=', id).executeTakeFirst()
}
