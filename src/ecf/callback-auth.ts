import { createHmac, timingSafeEqual } from 'node:crypto'
import type { CourtEntry } from '../../schemas/courts.js'

/** The header a court sends its shared callback secret in (set per court by `callbackSecretRef`). */
export const CALLBACK_SECRET_HEADER = 'x-ecf-callback-secret'

const same = (a: string, b: string) => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** The header a court signs its callbacks in by default: `sha256=<hex HMAC-SHA256 of the raw body>`. */
export const DEFAULT_SIGNATURE_HEADER = 'x-court-signature'

/** The signature a court with `callbackSignature` sends over a callback's raw body. */
export function signCallback(key: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`
}

/** The client certificate a caller presented over TLS, when it did and it chains to the configured client CA. */
export interface PeerCertificate {
  authorized: boolean
  fingerprint256: string | null
}

/**
 * Which configured court a callback comes from, or undefined when none. A court
 * with `callbackCertFingerprint` is known only by that client certificate
 * (mutual TLS: the certificate chains to CLEARFILE_TLS_CLIENT_CA and has that
 * fingerprint); any other court by the shared secret it sends, compared in
 * constant time and read from the environment variable the courts file names;
 * a court with `callbackSignature` by the HMAC-SHA256 it signs each callback's
 * raw body with (the body is read first, within the callback body limit).
 */
export function callbackAuthenticator(courts: ReadonlyMap<string, CourtEntry>, env: NodeJS.ProcessEnv = process.env) {
  const byCert = new Map(
    [...courts.values()].flatMap((c) => (c.callbackCertFingerprint ? [[c.callbackCertFingerprint, c] as const] : []))
  )
  // A court that signs its callbacks, or has a certificate, is never known by a bare secret.
  const secrets = [...courts.values()].flatMap((c) => {
    const secret =
      !c.callbackCertFingerprint && !c.callbackSignature && c.callbackSecretRef ? env[c.callbackSecretRef] : undefined
    return secret ? [{ court: c, secret }] : []
  })
  const signers = [...courts.values()].flatMap((c) => {
    const key = c.callbackSignature && !c.callbackCertFingerprint ? env[c.callbackSignature.secretRef] : undefined
    const header = (c.callbackSignature?.header ?? DEFAULT_SIGNATURE_HEADER).toLowerCase()
    return key ? [{ court: c, key, header }] : []
  })
  return {
    /** From the headers alone: the court a certificate or shared secret names. */
    byHeaders(given: string | string[] | undefined, peer: PeerCertificate | null): CourtEntry | undefined {
      if (peer?.authorized && peer.fingerprint256) {
        const court = byCert.get(peer.fingerprint256)
        if (court) return court
      }
      return typeof given === 'string' ? secrets.find((s) => same(s.secret, given))?.court : undefined
    },
    /** Whether the request carries a signature some court could have made (its body must then be read to tell). */
    signed(headers: Record<string, string | string[] | undefined>): boolean {
      return signers.some((s) => typeof headers[s.header] === 'string')
    },
    /** The court whose key made the signature over this raw body, compared in constant time. */
    bySignature(headers: Record<string, string | string[] | undefined>, body: string): CourtEntry | undefined {
      return signers.find((s) => {
        const given = headers[s.header]
        return typeof given === 'string' && same(signCallback(s.key, body), given.trim().toLowerCase())
      })?.court
    }
  }
}
