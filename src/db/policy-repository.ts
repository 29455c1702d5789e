import type { Kysely, Selectable } from 'kysely'
import type { CountyPoliciesTable, Database } from './schema.js'

export type CountyPolicyRow = Selectable<CountyPoliciesTable>

/** The county's newest stored policy row, if it has set one. */
export async function newestCountyPolicy(db: Kysely<Database>, county: string): Promise<CountyPolicyRow | undefined> {
  return db
    .selectFrom('county_policies')
    .selectAll()
    .where('county', '=', county)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
}

export async function insertCountyPolicy(db: Kysely<Database>, row: CountyPolicyRow): Promise<void> {
  await db.insertInto('county_policies').values(row).execute()
}
