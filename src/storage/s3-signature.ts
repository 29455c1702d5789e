import { createHash, createHmac } from 'node:crypto'

/** What a request signed with AWS Signature Version 4 for S3 is made of. */
export interface S3SigningInput {
  method: string
  /** The path as sent (`/bucket/key`), each segment already percent-encoded. */
  path: string
  /** Query parameters; a parameter with no value (`?uploads`) has the empty string. */
  query: Record<string, string>
  /** Headers to sign besides those added here (`host` at least), lowercase names. */
  headers: Record<string, string>
  /** Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`. */
  payloadHash: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  now: Date
}

/** RFC 3986 percent-encoding as SigV4 asks for it: everything but A–Z a–z 0–9 - . _ ~ (and `/` in paths when told). */
export function awsUriEncode(value: string, keepSlash = false): string {
  let out = ''
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte)
    out +=
      /[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')
        ? c
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex')
const hmac = (key: Uint8Array | string, data: string) => createHmac('sha256', key).update(data).digest()

/**
 * Signs a request to an S3-compatible store (AWS Signature Version 4, the
 * `Authorization` header form): returns the headers to send — the given ones
 * plus `x-amz-date`, `x-amz-content-sha256` and `authorization`. Every header
 * given is signed.
 */
export function signS3Request(input: S3SigningInput): Record<string, string> {
  const amzDate = input.now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
  const day = amzDate.slice(0, 8)
  const headers: Record<string, string> = {
    ...Object.fromEntries(Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v])),
    'x-amz-content-sha256': input.payloadHash,
    'x-amz-date': amzDate
  }
  const names = Object.keys(headers).sort()
  const canonicalHeaders = names.map((n) => `${n}:${headers[n]!.trim().replace(/\s+/g, ' ')}\n`).join('')
  const signedHeaders = names.join(';')
  const canonicalQuery = Object.entries(input.query)
    .map(([k, v]) => [awsUriEncode(k), awsUriEncode(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
  const canonicalRequest = [
    input.method,
    input.path,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    input.payloadHash
  ].join('\n')
  const scope = `${day}/${input.region}/s3/aws4_request`
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n')
  const key = hmac(hmac(hmac(hmac(`AWS4${input.secretAccessKey}`, day), input.region), 's3'), 'aws4_request')
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex')
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`
  return headers
}

export { sha256Hex }
