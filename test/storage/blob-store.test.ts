import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { assertBlobKey, type BlobStore, processScratchDir, removeDeadScratch } from '../../src/storage/blob-store.js'
import { BLOB_CHUNK_BYTES, databaseBlobStore, purgeStagedChunks } from '../../src/storage/database-blob-store.js'
import { localBlobStore } from '../../src/storage/local-blob-store.js'
import { s3BlobStore } from '../../src/storage/s3-blob-store.js'
import { signS3Request } from '../../src/storage/s3-signature.js'
import { openTestDatabase } from '../helper.js'
import { S3RVER_KEYS, startS3 } from './s3-server.js'

/** One contract, every store: what the features rely on. */
async function blobStoreContract(t: Test, make: () => Promise<BlobStore>): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'clearfile-blob-scratch-'))
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }))
  const store = await make()
  t.teardown(() => store.close())

  t.test('bytes put under a key come back the same; a missing key is null, not an error', async (t) => {
    const bytes = randomBytes(70_000)
    await store.put('documents/ab/abcdef.pdf', bytes)
    t.same(await store.get('documents/ab/abcdef.pdf'), bytes)
    t.equal(await store.has('documents/ab/abcdef.pdf'), true)
    t.equal(await store.get('documents/ab/missing.pdf'), null)
    t.equal(await store.getStream('documents/ab/missing.pdf'), null)
    t.equal(await store.has('documents/ab/missing.pdf'), false)
    t.equal(await store.localFile('documents/ab/missing.pdf', scratch), null)
  })

  t.test('an empty file is a file: stored, found and read back empty', async (t) => {
    await store.put('filings/empty.xml', new Uint8Array(0))
    t.equal(await store.has('filings/empty.xml'), true)
    t.same(await store.get('filings/empty.xml'), Buffer.alloc(0))
  })

  t.test('writing a key again with the same bytes changes nothing a reader sees', async (t) => {
    const bytes = Buffer.from('<ReviewFilingRequestMessage/>')
    await store.put('filings/again.xml', bytes)
    await store.put('filings/again.xml', bytes)
    t.same(await store.get('filings/again.xml'), bytes)
  })

  t.test('a file larger than several chunks is taken, streamed back and copied to disk byte for byte', async (t) => {
    const bytes = randomBytes(BLOB_CHUNK_BYTES * 2 + 12_345)
    const path = join(scratch, 'upload.part')
    writeFileSync(path, bytes)
    await store.putFile('uploads/run-1.csv', path)
    t.notOk(existsSync(path), 'the file is taken')
    const chunks: Buffer[] = []
    for await (const chunk of (await store.getStream('uploads/run-1.csv'))!) chunks.push(chunk as Buffer)
    t.ok(Buffer.concat(chunks).equals(bytes), 'streamed back whole')
    const local = (await store.localFile('uploads/run-1.csv', scratch))!
    t.ok(readFileSync(local.path).equals(bytes), 'the local file holds the bytes')
    await local.release()
    if (store.kind !== 'local') t.notOk(existsSync(local.path), 'a copy is removed when released')
    else t.ok(existsSync(local.path), "the local store's own file stays")
  })

  t.test('a deleted key is gone, and deleting it again is not an error', async (t) => {
    await store.put('outcome-reports/r.upload', Buffer.from('case,outcome\n'))
    await store.delete('outcome-reports/r.upload')
    t.equal(await store.has('outcome-reports/r.upload'), false)
    t.equal(await store.get('outcome-reports/r.upload'), null)
    await store.delete('outcome-reports/r.upload')
  })

  t.test('a key that could name a place outside the store is refused before anything is touched', async (t) => {
    for (const key of ['../etc/passwd', '/etc/passwd', 'documents/../../x', 'a//b', '', 'uploads/x#staging'])
      await t.rejects(store.put(key, Buffer.from('x')), { code: 'CLEARFILE_ERR_INTERNAL' }, JSON.stringify(key))
  })

  t.test('many writers at once: every key holds its own bytes', async (t) => {
    const items = Array.from({ length: 40 }, (_, i) => ({
      key: `documents/c${i % 4}/doc-${i}.pdf`,
      bytes: randomBytes(2_000 + i)
    }))
    await Promise.all(items.map((i) => store.put(i.key, i.bytes)))
    const back = await Promise.all(items.map((i) => store.get(i.key)))
    t.ok(
      back.every((b, n) => b?.equals(items[n]!.bytes)),
      'all 40 read back as written'
    )
  })
}

t.test('the local store', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'clearfile-blob-local-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  await blobStoreContract(t, async () => localBlobStore(root))
  t.test('keeps its files under the data folder, by key, with no temporary file left behind', async (t) => {
    const store = localBlobStore(root)
    await store.put('documents/zz/zz1.pdf', Buffer.from('%PDF-1.7'))
    t.same(readdirSync(join(root, 'documents', 'zz')), ['zz1.pdf'])
  })
  t.test('a folder removed behind its back is made again, for bytes and for files', async (t) => {
    const store = localBlobStore(root)
    await store.put('filings/f1.xml', Buffer.from('<a/>'))
    rmSync(join(root, 'filings'), { recursive: true, force: true })
    await store.put('filings/f2.xml', Buffer.from('<b/>'))
    t.equal(String(await store.get('filings/f2.xml')), '<b/>')
    rmSync(join(root, 'filings'), { recursive: true, force: true })
    const scratch = mkdtempSync(join(root, 'scratch-'))
    writeFileSync(join(scratch, 'upload.csv'), 'a,b\n')
    await store.putFile('filings/f3.csv', join(scratch, 'upload.csv'))
    t.equal(String(await store.get('filings/f3.csv')), 'a,b\n')
    await t.rejects(store.putFile('filings/f4.csv', join(scratch, 'no-such-file.csv')), { code: 'ENOENT' })
  })
})

t.test('the database store', async (t) => {
  const { db } = await openTestDatabase(t)
  await blobStoreContract(t, async () => databaseBlobStore(db))
  t.test('a file being taken is invisible until it is whole, and a failed one leaves no chunks', async (t) => {
    const store = databaseBlobStore(db)
    await t.rejects(store.putFile('uploads/never.csv', join(tmpdir(), 'clearfile-no-such-file')))
    t.equal(await store.has('uploads/never.csv'), false)
    const left = await db.selectFrom('blob_chunks').select('key').where('key', 'like', 'uploads/never.csv%').execute()
    t.same(left, [])
  })
  t.test('a key with bytes is read in one statement, an empty or missing one in two', async (t) => {
    let statements = 0
    const counted = db.withPlugin({
      transformQuery: (args) => {
        statements++
        return args.node
      },
      transformResult: async (args) => args.result
    })
    const store = databaseBlobStore(counted)
    const bytes = randomBytes(BLOB_CHUNK_BYTES + 10)
    await store.put('filings/counted.xml', bytes)
    await store.put('filings/counted-empty.xml', new Uint8Array(0))
    const read = async (key: string) => {
      statements = 0
      const found = await store.get(key)
      return { found, statements }
    }
    t.same(await read('filings/counted.xml'), { found: bytes, statements: 1 })
    t.same(await read('filings/counted-empty.xml'), { found: Buffer.alloc(0), statements: 2 })
    t.same(await read('filings/counted-missing.xml'), { found: null, statements: 2 })
  })
  t.test('bytes put again shorter, then empty, leave none of the longer ones behind', async (t) => {
    const store = databaseBlobStore(db)
    const chunkRows = async () =>
      (await db.selectFrom('blob_chunks').select('seq').where('key', '=', 'filings/shrinks.xml').execute()).length
    const long = randomBytes(2 * BLOB_CHUNK_BYTES + 5)
    await store.put('filings/shrinks.xml', long)
    t.same(await store.get('filings/shrinks.xml'), long)
    t.equal(await chunkRows(), 3)
    const short = randomBytes(100)
    await store.put('filings/shrinks.xml', short)
    t.same(await store.get('filings/shrinks.xml'), short)
    t.equal(await chunkRows(), 1)
    await store.put('filings/shrinks.xml', new Uint8Array(0))
    t.same(await store.get('filings/shrinks.xml'), Buffer.alloc(0))
    t.equal(await chunkRows(), 0)
    const row = await db.selectFrom('blobs').select('size').where('key', '=', 'filings/shrinks.xml').executeTakeFirst()
    t.equal(Number(row?.size), 0)
  })
  t.test('the same key put by several processes at once is stored whole, none of them failing', async (t) => {
    const bytes = randomBytes(BLOB_CHUNK_BYTES + 1)
    await Promise.all(Array.from({ length: 6 }, () => databaseBlobStore(db).put('documents/ab/raced.pdf', bytes)))
    t.same(await databaseBlobStore(db).get('documents/ab/raced.pdf'), bytes)
  })
  t.test(
    'files taken under one key by several processes at once are all taken; one of them is kept whole',
    async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'clearfile-raced-files-'))
      t.teardown(() => rmSync(dir, { recursive: true, force: true }))
      const contents = Array.from({ length: 4 }, (_, i) => randomBytes(BLOB_CHUNK_BYTES + 1000 * (i + 1)))
      await Promise.all(
        contents.map((bytes, i) => {
          const path = join(dir, `output-${i}.csv`)
          writeFileSync(path, bytes)
          return databaseBlobStore(db).putFile('reviews/raced/determinations.csv', path)
        })
      )
      const kept = await databaseBlobStore(db).get('reviews/raced/determinations.csv')
      t.ok(kept && contents.some((c) => c.equals(kept)), 'the key holds one of the files, whole')
      t.same(readdirSync(dir), [], 'every file was taken')
    }
  )
})

t.test(
  "the database store's purge deletes what a killed process was storing a day ago, not what one stores now",
  async (t) => {
    const { db } = await openTestDatabase(t)
    const day = 86_400_000
    const at = Date.parse('2026-11-28T12:00:00Z')
    for (const [key, stagedAt] of [
      ['uploads/killed.csv', at - 2 * day],
      ['uploads/arriving.csv', at - 60_000]
    ] as const)
      await db
        .insertInto('blob_chunks')
        .values({ key: `${key}#staging-${stagedAt}-0b5c`, seq: 0, data: Buffer.from('CII,NAME\n') })
        .execute()
    await databaseBlobStore(db).put('documents/kept.pdf', Buffer.from('%PDF'))
    t.equal(await purgeStagedChunks(db, new Date(at - day)), 1)
    const left = (await db.selectFrom('blob_chunks').select('key').orderBy('key').execute()).map((r) => r.key)
    t.same(left, ['documents/kept.pdf', `uploads/arriving.csv#staging-${at - 60_000}-0b5c`])
  }
)

t.test('storage keys: plain relative paths only', async (t) => {
  t.equal(assertBlobKey('reviews/0192-abc/determinations.csv'), 'reviews/0192-abc/determinations.csv')
  t.throws(() => assertBlobKey('reviews/./x'))
  t.throws(() => assertBlobKey('x'.repeat(513)))
})

t.test('the S3 store, against an independent S3 server that checks signatures', async (t) => {
  const endpoint = await startS3(t)
  const options = { endpoint, bucket: 'clearfile', region: 'us-east-1', prefix: 'county-sf', ...S3RVER_KEYS }
  await blobStoreContract(t, async () => s3BlobStore(options))

  t.test('a file larger than a part goes up in parts and comes back whole', async (t) => {
    const store = s3BlobStore({ ...options, partBytes: 5 * 1024 * 1024 })
    t.teardown(() => store.close())
    const scratch = mkdtempSync(join(tmpdir(), 'clearfile-s3-parts-'))
    t.teardown(() => rmSync(scratch, { recursive: true, force: true }))
    const bytes = randomBytes(11 * 1024 * 1024 + 7)
    writeFileSync(join(scratch, 'big.csv'), bytes)
    await store.putFile('uploads/big.csv', join(scratch, 'big.csv'))
    t.ok((await store.get('uploads/big.csv'))?.equals(bytes), '11 MiB in three parts, read back byte for byte')
  })

  t.test(
    'a wrong secret is refused by the server and reported as the store unavailable, naming no secret',
    async (t) => {
      const store = s3BlobStore({ ...options, secretAccessKey: 'not-the-secret' })
      t.teardown(() => store.close())
      const err = await store
        .put('documents/x.pdf', Buffer.from('x'))
        .catch((e: unknown) => e as Error & { code: string })
      t.equal(err?.code, 'CLEARFILE_ERR_STORAGE_UNAVAILABLE')
      t.match(err?.message, /403 SignatureDoesNotMatch/)
      t.notMatch(err?.message, /not-the-secret/)
    }
  )

  t.test('a bucket that is not there is an error, not an empty store', async (t) => {
    const store = s3BlobStore({ ...options, bucket: 'no-such-bucket' })
    t.teardown(() => store.close())
    await t.rejects(store.get('documents/x.pdf'), {
      code: 'CLEARFILE_ERR_STORAGE_UNAVAILABLE',
      message: /NoSuchBucket/
    })
  })

  t.test('a 503 that is not S3 XML (a proxy in front of the store) is tried three times, then reported', async (t) => {
    let requests = 0
    const proxy = createServer((_req, res) => {
      requests++
      res.writeHead(503, { 'content-type': 'text/html' }).end('<html><body>Service Unavailable')
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    t.teardown(() => proxy.close())
    const store = s3BlobStore({ ...options, endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` })
    t.teardown(() => store.close())
    await t.rejects(store.put('documents/x.pdf', Buffer.from('x')), {
      code: 'CLEARFILE_ERR_STORAGE_UNAVAILABLE',
      message: /PUT documents\/x\.pdf: 503$/
    })
    t.equal(requests, 3)
  })

  t.test('a store that does not answer is retried, then reported unavailable', async (t) => {
    const store = s3BlobStore({ ...options, endpoint: 'http://127.0.0.1:9' })
    t.teardown(() => store.close())
    await t.rejects(store.has('documents/x.pdf'), { code: 'CLEARFILE_ERR_STORAGE_UNAVAILABLE' })
  })
})

t.test("Signature Version 4 gives AWS's own documented example signature (GET Object with a Range)", async (t) => {
  // From AWS's "Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk".
  const headers = signS3Request({
    method: 'GET',
    path: '/test.txt',
    query: {},
    headers: { host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9' },
    payloadHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    region: 'us-east-1',
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    now: new Date('2013-05-24T00:00:00Z')
  })
  t.equal(headers['x-amz-date'], '20130524T000000Z')
  t.equal(
    headers.authorization,
    'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'
  )
})

t.test(
  "a start removes the scratch folders of processes that are gone (a killed review's DOJ copy), never a running one's",
  async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'clearfile-scratch-'))
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!
    for (const name of [String(gone), String(process.pid), String(process.ppid), 'left-by-an-older-version']) {
      mkdirSync(processScratchDir(dataDir, name), { recursive: true })
      writeFileSync(join(processScratchDir(dataDir, name), 'doj.csv'), 'CII,NAME\n')
    }
    const removed = await removeDeadScratch(dataDir)
    t.same(removed.sort(), [String(gone), String(process.pid), 'left-by-an-older-version'].sort())
    t.same(readdirSync(join(dataDir, 'scratch')), [String(process.ppid)], "the running parent's folder stays")
  }
)
