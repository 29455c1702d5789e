import { timingSafeEqual } from 'node:crypto'
import type { CourtEntry } from '../../schemas/courts.js'

/** The header a court sends its shared callback secret in (set per court by `callbackSecretRef`). */
export const CALLBACK_SECRET_HEADER = 'x-ecf-callback-secret'

const same = (a: string, b: string) => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
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
 * constant time and read from the environment variable the courts file names.
 */
export function callbackAuthenticator(courts: ReadonlyMap<string, CourtEntry>, env: NodeJS.ProcessEnv = process.env) {
  const byCert = new Map(
    [...courts.values()].flatMap((c) => (c.callbackCertFingerprint ? [[c.callbackCertFingerprint, c] as const] : []))
  )
  const secrets = [...courts.values()].flatMap((c) => {
    const secret = !c.callbackCertFingerprint && c.callbackSecretRef ? env[c.callbackSecretRef] : undefined
    return secret ? [{ court: c, secret }] : []
  })
  return (given: string | string[] | undefined, peer: PeerCertificate | null): CourtEntry | undefined => {
    if (peer?.authorized && peer.fingerprint256) {
      const court = byCert.get(peer.fingerprint256)
      if (court) return court
    }
    return typeof given === 'string' ? secrets.find((s) => same(s.secret, given))?.court : undefined
  }
}
