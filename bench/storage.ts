import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from '@20minutes/s3rver'
import { openDatabase } from '../src/db/database.js'
import { migrateOrThrow } from '../src/db/migrate.js'
import type { BlobStore } from '../src/storage/blob-store.js'
import { databaseBlobStore } from '../src/storage/database-blob-store.js'
import { localBlobStore } from '../src/storage/local-blob-store.js'
import { s3BlobStore } from '../src/storage/s3-blob-store.js'

/*
 * npm run bench:storage [-- --documents 2000 --upload-mb 200]
 *
 * The document stores side by side in one run: papers (36 KB PDFs, as bench:filing's) written and read back 8 at a
 * time, and a DOJ upload taken from a file and copied back to scratch, with the process's peak RSS. The local disk
 * is the baseline; the database store runs on DATABASE_URL (a SQLite file by default); the S3 store against
 * @20minutes/s3rver on loopback (an S3 server that keeps objects on disk and checks signatures).
 */
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const DOCUMENTS = arg('documents', 2000)
const UPLOAD_MB = arg('upload-mb', 200)
const dir = mkdtempSync(join(tmpdir(), 'clearfile-bench-storage-'))

async function measure(name: string, store: BlobStore) {
  const docs = Array.from({ length: DOCUMENTS }, (_, i) => ({
    key: `documents/${i % 256}/doc-${i}.pdf`,
    bytes: randomBytes(36 * 1024)
  }))
  let peak = process.memoryUsage.rss()
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, 20)
  const inTurns = async (work: (d: (typeof docs)[number]) => Promise<unknown>) => {
    const started = performance.now()
    for (let i = 0; i < docs.length; i += 8) await Promise.all(docs.slice(i, i + 8).map(work))
    return docs.length / ((performance.now() - started) / 1000)
  }
  const put = await inTurns((d) => store.put(d.key, d.bytes))
  const get = await inTurns((d) => store.get(d.key))
  const upload = join(dir, `${name}-upload.csv`)
  writeFileSync(upload, randomBytes(UPLOAD_MB * 1024 * 1024))
  let started = performance.now()
  await store.putFile('uploads/run.csv', upload)
  const putFileMbs = UPLOAD_MB / ((performance.now() - started) / 1000)
  started = performance.now()
  const local = await store.localFile('uploads/run.csv', join(dir, 'scratch'))
  const copyMbs = UPLOAD_MB / ((performance.now() - started) / 1000)
  await local?.release()
  clearInterval(sampler)
  await store.close()
  return { name, put, get, putFileMbs, copyMbs, peakMb: peak / 1048576 }
}

const s3Dir = mkdtempSync(join(tmpdir(), 'clearfile-bench-s3-'))
const s3 = new S3rver({
  port: 0,
  address: '127.0.0.1',
  silent: true,
  directory: s3Dir,
  configureBuckets: [{ name: 'clearfile' }]
})
const { port } = await s3.run()
const databaseUrl = process.env.DATABASE_URL || join(dir, 'storage.db')
const handle = await openDatabase({ url: databaseUrl })
try {
  await migrateOrThrow(handle.db)
  const rows = [
    await measure('local', localBlobStore(join(dir, 'local'))),
    await measure(`database (${handle.dialect})`, databaseBlobStore(handle.db)),
    await measure(
      's3 (s3rver)',
      s3BlobStore({
        endpoint: `http://127.0.0.1:${port}`,
        bucket: 'clearfile',
        region: 'us-east-1',
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER'
      })
    )
  ]
  console.log(
    `${'store'.padEnd(20)} ${'put docs/s'.padStart(11)} ${'get docs/s'.padStart(11)} ${`${UPLOAD_MB} MB in MB/s`.padStart(15)} ${'copy out MB/s'.padStart(14)} ${'peak RSS MB'.padStart(12)}`
  )
  for (const r of rows)
    console.log(
      `${r.name.padEnd(20)} ${r.put.toFixed(0).padStart(11)} ${r.get.toFixed(0).padStart(11)} ${r.putFileMbs.toFixed(0).padStart(15)} ${r.copyMbs.toFixed(0).padStart(14)} ${r.peakMb.toFixed(0).padStart(12)}`
    )
  const base = rows[0]!
  for (const r of rows.slice(1))
    console.log(
      `${r.name} vs local: put ${(r.put / base.put).toFixed(2)}x, get ${(r.get / base.get).toFixed(2)}x, upload ${(r.putFileMbs / base.putFileMbs).toFixed(2)}x`
    )
} finally {
  await handle.destroy()
  await s3.close()
  rmSync(dir, { recursive: true, force: true })
  rmSync(s3Dir, { recursive: true, force: true })
}
