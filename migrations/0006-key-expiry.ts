import type { Migration } from 'kysely'

/** An API key may expire (set when it is created or rotated); a rotated key keeps working until then. */
export const keyExpiry: Migration = {
  async up(db) {
    await db.schema.alterTable('api_clients').addColumn('expires_at', 'text').execute()
  },
  async down(db) {
    await db.schema.alterTable('api_clients').dropColumn('expires_at').execute()
  }
}
