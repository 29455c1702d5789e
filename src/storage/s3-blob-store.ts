import { createReadStream } from 'node:fs'
import { unlink } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { XMLParser } from 'fast-xml-parser'
import { type Dispatcher, Pool } from 'undici'
import { ClearfileError } from '../errors.js'
import { assertBlobKey, type BlobStore, scratchCopy } from './blob-store.js'
import { awsUriEncode, sha256Hex, signS3Request } from './s3-signature.js'

/** Where an S3-compatible store is and how clearfile signs in to it. */
export interface S3StoreOptions {
  /** The service's base URL, e.g. `https://s3.us-west-2.amazonaws.com` or a MinIO/Ceph address. */
  endpoint: string
  bucket: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  /** A key prefix inside the bucket (no leading or trailing slash), e.g. the deployment's name. */
  prefix?: string
  /** Files larger than this go up in parts of this size (S3's smallest part is 5 MiB). */
  partBytes?: number
  now?: () => Date
}

const DEFAULT_PART_BYTES = 8 * 1024 * 1024
const ATTEMPTS = 3
const xml = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true })

/** The `<Error><Code>` of an S3 answer, if it has one (a proxy's 503 page has none). */
function errorCodeOf(text: string): string | undefined {
  try {
    return (xml.parse(text) as { Error?: { Code?: string } })?.Error?.Code
  } catch {
    return undefined
  }
}

interface S3Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Dispatcher.ResponseData['body']
}

/**
 * Keeps each key as an object in an S3-compatible bucket (path-style URLs,
 * Signature Version 4), for deployments whose machines share no disk and would
 * rather not keep files in the database. Files larger than a part go up as a
 * multipart upload a part at a time, so memory stays flat in their size.
 * Failures a retry can cure (connection errors, 5xx, 429) are retried twice;
 * then the call fails with CLEARFILE_ERR_STORAGE_UNAVAILABLE and the job that
 * made it is retried by the runner.
 */
export function s3BlobStore(options: S3StoreOptions): BlobStore {
  const base = new URL(options.endpoint)
  const pool = new Pool(base.origin, { connections: 16 })
  const basePath = base.pathname.replace(/\/$/, '')
  const partBytes = options.partBytes ?? DEFAULT_PART_BYTES
  const now = options.now ?? (() => new Date())
  const objectPath = (key: string) =>
    `${basePath}/${awsUriEncode(options.bucket)}/${awsUriEncode(options.prefix ? `${options.prefix}/${assertBlobKey(key)}` : assertBlobKey(key), true)}`

  /**
   * One signed request; bodies are buffers, so a failed attempt can be sent again as it was. Null when the key is
   * not there (404 NoSuchKey; a HEAD's 404, which has no body to say more) — a missing bucket is an error.
   */
  async function send(
    method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE',
    key: string,
    opts: { query?: Record<string, string>; body?: Buffer } = {}
  ): Promise<S3Answer | null> {
    const path = objectPath(key)
    const query = opts.query ?? {}
    const search = Object.entries(query)
      .map(([k, v]) => (v === '' ? awsUriEncode(k) : `${awsUriEncode(k)}=${awsUriEncode(v)}`))
      .join('&')
    let last = ''
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const headers = signS3Request({
        method,
        path,
        query,
        headers: {
          host: base.host,
          ...(opts.body ? { 'content-length': String(opts.body.length) } : {})
        },
        payloadHash: sha256Hex(opts.body ?? ''),
        region: options.region,
        accessKeyId: options.accessKeyId,
        secretAccessKey: options.secretAccessKey,
        now: now()
      })
      try {
        const answer = await pool.request({
          method,
          path: search ? `${path}?${search}` : path,
          headers,
          ...(opts.body ? { body: opts.body } : {})
        })
        const status = answer.statusCode
        if (status >= 200 && status < 300) return { status, headers: answer.headers, body: answer.body }
        const text = await answer.body.text()
        const code = errorCodeOf(text)
        if (status === 404 && (code === 'NoSuchKey' || (method === 'HEAD' && !code))) return null
        last = `${method} ${key}: ${status}${code ? ` ${code}` : ''}`
        if (status < 500 && status !== 429) break
      } catch (err) {
        last = `${method} ${key}: ${(err as Error).message}`
      }
      if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, 100 * 4 ** (attempt - 1)))
    }
    throw new ClearfileError('CLEARFILE_ERR_STORAGE_UNAVAILABLE', `object store ${last}`)
  }

  const sent = async (...args: Parameters<typeof send>): Promise<S3Answer> => {
    const res = await send(...args)
    if (!res) throw new ClearfileError('CLEARFILE_ERR_STORAGE_UNAVAILABLE', `object store ${args[0]} ${args[1]}: 404`)
    return res
  }
  const getStream = async (key: string): Promise<Readable | null> => (await send('GET', key))?.body ?? null

  async function putInParts(key: string, path: string): Promise<void> {
    const started = await sent('POST', key, { query: { uploads: '' } })
    const uploadId = String(
      (xml.parse(await started.body.text()) as { InitiateMultipartUploadResult?: { UploadId?: string } })
        .InitiateMultipartUploadResult?.UploadId ?? ''
    )
    if (!uploadId) throw new ClearfileError('CLEARFILE_ERR_STORAGE_UNAVAILABLE', `object store gave no upload id`)
    try {
      const parts: string[] = []
      for await (const chunk of createReadStream(path, { highWaterMark: partBytes })) {
        const n = parts.length + 1
        const res = await sent('PUT', key, {
          query: { partNumber: String(n), uploadId },
          body: chunk as Buffer
        })
        await res.body.dump()
        parts.push(`<Part><PartNumber>${n}</PartNumber><ETag>${String(res.headers.etag ?? '')}</ETag></Part>`)
      }
      const done = await sent('POST', key, {
        query: { uploadId },
        body: Buffer.from(`<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`)
      })
      // S3 may answer 200 and still fail the completion, saying so in the body.
      const code = errorCodeOf(await done.body.text())
      if (code) throw new ClearfileError('CLEARFILE_ERR_STORAGE_UNAVAILABLE', `object store ${code}`)
    } catch (err) {
      await send('DELETE', key, { query: { uploadId } })
        .then((r) => r?.body.dump())
        .catch(() => undefined)
      throw err
    }
  }

  const store: BlobStore = {
    kind: 's3',
    async put(key, bytes) {
      const res = await sent('PUT', key, { body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) })
      await res.body.dump()
    },
    async putFile(key, path) {
      // A first chunk smaller than a part is the whole file: one PUT.
      let first: Buffer | undefined
      for await (const chunk of createReadStream(path, { highWaterMark: partBytes })) {
        first = chunk as Buffer
        break
      }
      if (!first || first.length < partBytes) await store.put(key, first ?? Buffer.alloc(0))
      else await putInParts(key, path)
      await unlink(path)
    },
    async get(key) {
      const stream = await getStream(key)
      if (!stream) return null
      const chunks: Buffer[] = []
      for await (const chunk of stream) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks)
    },
    getStream,
    async has(key) {
      const res = await send('HEAD', key)
      await res?.body.dump()
      return res !== null
    },
    async delete(key) {
      // S3 answers 204 for a key that is not there; a 404 NoSuchKey from another store means the same.
      await (await send('DELETE', key))?.body.dump()
    },
    localFile: (key, scratchDir) => scratchCopy(store, key, scratchDir),
    close: () => pool.close()
  }
  return store
}
