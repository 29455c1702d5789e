import { createHash, randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { stableStringify } from '../db/json.js'
import { insertCountyPolicy, newestCountyPolicy } from '../db/policy-repository.js'
import type { Database } from '../db/schema.js'
import { DEFAULT_POLICY } from '../eligibility/policies.js'
import { parsePolicy } from '../eligibility/parse-policy.js'
import type { Policy } from '../eligibility/policy.js'

export interface ActivePolicy {
  policy: Policy
  /** Null when the county has set none and the shipped statewide default applies. */
  id: string | null
  sha256: string
  createdAt: string | null
}

export const policySha256 = (policy: Policy) => createHash('sha256').update(stableStringify(policy)).digest('hex')

/** The county's newest policy, or the statewide default when it has none. */
export async function activePolicy(db: Kysely<Database>, county: string): Promise<ActivePolicy> {
  const row = await newestCountyPolicy(db, county)
  if (!row) return { policy: DEFAULT_POLICY, id: null, sha256: policySha256(DEFAULT_POLICY), createdAt: null }
  return {
    policy: parsePolicy(JSON.parse(row.policy)),
    id: row.id,
    sha256: row.policy_sha256,
    createdAt: row.created_at
  }
}

/** Makes a policy the county's active one; earlier ones stay as history. */
export async function savePolicy(
  db: Kysely<Database>,
  county: string,
  policy: Policy,
  by: string | null,
  now: Date
): Promise<ActivePolicy> {
  const id = randomUUID()
  const sha256 = policySha256(policy)
  const createdAt = now.toISOString()
  await insertCountyPolicy(db, {
    id,
    county,
    name: policy.name,
    version: policy.version,
    policy: JSON.stringify(policy),
    policy_sha256: sha256,
    created_by: by,
    created_at: createdAt
  })
  return { policy, id, sha256, createdAt }
}
