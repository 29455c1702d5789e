import type { Migration } from 'kysely'
import { dialectOf } from '../src/db/database.js'

/**
 * The database document store (src/storage/database-blob-store.ts): each
 * stored key's size, and its bytes in chunks of up to a mebibyte, so a large
 * upload is written and read a chunk at a time. A key's bytes are visible once
 * its `blobs` row is written, in the transaction that names its chunks.
 */
export const blobs: Migration = {
  async up(db) {
    await db.schema
      .createTable('blobs')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute()
    await db.schema
      .createTable('blob_chunks')
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('data', dialectOf(db) === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
      .addPrimaryKeyConstraint('blob_chunks_pk', ['key', 'seq'])
      .execute()
  },
  async down(db) {
    await db.schema.dropTable('blob_chunks').execute()
    await db.schema.dropTable('blobs').execute()
  }
}
