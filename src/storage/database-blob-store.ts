import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { unlink } from 'node:fs/promises'
import { Readable } from 'node:stream'
import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import { assertBlobKey, type BlobStore, scratchCopy } from './blob-store.js'

/** Bytes per chunk row: a large file is written and read a mebibyte at a time. */
export const BLOB_CHUNK_BYTES = 1024 * 1024

/**
 * Keeps each key's bytes in the database itself (tables `blobs` and
 * `blob_chunks`): servers and workers on several machines share documents with
 * no infrastructure but the PostgreSQL they already share. Works on SQLite too.
 *
 * A file is written chunk by chunk under a staging key no real key can take
 * (it holds `#`), each chunk its own short statement — a slow upload never
 * holds a transaction open — then named in one short transaction that also
 * writes the key's `blobs` row: until then no reader sees any of it.
 */
export function databaseBlobStore(db: Kysely<Database>, now: () => Date = () => new Date()): BlobStore {
  // Every transaction that gives a key bytes writes the key's row first: the row holds a second process writing the
  // same key (a job done again elsewhere after its lease lapsed) until the first commits; then it deletes the first's
  // chunks and writes its own, where both would otherwise give the key a chunk 0 and the second fail on the first's.
  const writeKey = async (key: string, size: number, writeChunks: (trx: Transaction<Database>) => Promise<unknown>) =>
    db.transaction().execute(async (trx) => {
      await upsertBlob(trx, key, size, now().toISOString())
      await trx.deleteFrom('blob_chunks').where('key', '=', key).execute()
      await writeChunks(trx)
    })
  const chunksOf = async function* (key: string): AsyncGenerator<Buffer> {
    let seq = -1
    for (;;) {
      const row = await db
        .selectFrom('blob_chunks')
        .select(['seq', 'data'])
        .where('key', '=', key)
        .where('seq', '>', seq)
        .orderBy('seq')
        .limit(1)
        .executeTakeFirst()
      if (!row) return
      seq = row.seq
      yield Buffer.from(row.data)
    }
  }
  const has = async (key: string) =>
    (await db.selectFrom('blobs').select('key').where('key', '=', assertBlobKey(key)).executeTakeFirst()) !== undefined
  const store: BlobStore = {
    kind: 'database',
    async put(key, bytes) {
      assertBlobKey(key)
      await writeKey(key, bytes.length, async (trx) => {
        for (let seq = 0; seq * BLOB_CHUNK_BYTES < bytes.length; seq++) {
          const data = bytes.subarray(seq * BLOB_CHUNK_BYTES, (seq + 1) * BLOB_CHUNK_BYTES)
          await trx.insertInto('blob_chunks').values({ key, seq, data }).execute()
        }
      })
    },
    async putFile(key, path) {
      assertBlobKey(key)
      // The time in the staging key lets a purge find what a killed process left (purgeStagedChunks).
      const staging = `${key}#staging-${now().getTime()}-${randomUUID()}`
      let seq = 0
      let size = 0
      try {
        for await (const chunk of createReadStream(path, { highWaterMark: BLOB_CHUNK_BYTES })) {
          const data = chunk as Buffer
          await db.insertInto('blob_chunks').values({ key: staging, seq: seq++, data }).execute()
          size += data.length
        }
        await writeKey(key, size, (trx) =>
          trx.updateTable('blob_chunks').set({ key }).where('key', '=', staging).execute()
        )
      } catch (err) {
        await db
          .deleteFrom('blob_chunks')
          .where('key', '=', staging)
          .execute()
          .catch(() => undefined)
        throw err
      }
      await unlink(path)
    },
    async get(key) {
      // One statement for a key with bytes (every document and filing message): chunks are only ever written with
      // their key's row, in one transaction. Only a key with none is asked after: empty, or not there at all.
      const rows = await db
        .selectFrom('blob_chunks')
        .select('data')
        .where('key', '=', assertBlobKey(key))
        .orderBy('seq')
        .execute()
      if (rows.length > 0) return Buffer.concat(rows.map((r) => r.data))
      return (await has(key)) ? Buffer.alloc(0) : null
    },
    async getStream(key) {
      if (!(await has(key))) return null
      return Readable.from(chunksOf(key), { objectMode: false })
    },
    has,
    async delete(key) {
      assertBlobKey(key)
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('blobs').where('key', '=', key).execute()
        await trx.deleteFrom('blob_chunks').where('key', '=', key).execute()
      })
    },
    localFile: (key, scratchDir) => scratchCopy(store, key, scratchDir),
    async close() {}
  }
  return store
}

async function upsertBlob(trx: Transaction<Database>, key: string, size: number, at: string): Promise<void> {
  await trx
    .insertInto('blobs')
    .values({ key, size, created_at: at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ size, created_at: at }))
    .execute()
}

/**
 * Deletes the chunks of files a killed process was taking when it died (staged before `before`, never named): they
 * may hold a DOJ file. Returns how many files' chunks were deleted. For the retention job.
 */
export async function purgeStagedChunks(db: Kysely<Database>, before: Date): Promise<number> {
  const staged = await db
    .selectFrom('blob_chunks')
    .select('key')
    .distinct()
    .where('key', 'like', '%#staging-%')
    .execute()
  const stale = staged
    .map((r) => r.key)
    .filter((key) => Number(/#staging-(\d+)-/.exec(key)?.[1] ?? 0) < before.getTime())
  for (const key of stale) await db.deleteFrom('blob_chunks').where('key', '=', key).execute()
  return stale.length
}
