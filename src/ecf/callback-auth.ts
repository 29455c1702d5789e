import { createHmac, timingSafeEqual, type X509Certificate } from 'node:crypto'
import type { CourtEntry } from '../../schemas/courts.js'
import { verifySignedSoap } from './ws-security.js'

/** The header a court sends its shared callback secret in (set per court by `callbackSecretRef`). */
export const CALLBACK_SECRET_HEADER = 'x-ecf-callback-secret'

const same = (a: string, b: string) => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** The header a court signs its callbacks in by default: `sha256=<hex HMAC-SHA256 of the raw body>`. */
export const DEFAULT_SIGNATURE_HEADER = 'x-court-signature'

/** How long ago (or ahead) a timestamped signature may have been made, by default. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300

type HmacAlgorithm = 'sha256' | 'sha512'
const LABEL: Record<HmacAlgorithm, RegExp> = { sha256: /^sha256=/i, sha512: /^sha512=/i }

/**
 * The MAC a signature header carries, as bytes: `sha256=<hex>`, bare hex, or base64 — courts write it each way;
 * null when it is none of them or has the wrong length for the algorithm.
 */
export function signatureBytes(value: string, algorithm: HmacAlgorithm): Buffer | null {
  const length = algorithm === 'sha256' ? 32 : 64
  const text = value.trim().replace(LABEL[algorithm], '')
  const bytes = /^[0-9a-f]+$/i.test(text) && text.length === length * 2 ? Buffer.from(text, 'hex') : null
  const decoded = bytes ?? (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : null)
  return decoded && decoded.length === length ? decoded : null
}

/** Why a signed callback was refused. */
export type SignatureRefusal = 'wrong signature' | 'no timestamp' | 'stale timestamp' | `ws-security: ${string}`

/** The courts that sign their callbacks' bodies with one key the same way. */
interface HmacSigner {
  key: string
  header: string
  algorithm: HmacAlgorithm
  timestampHeader: string | undefined
  toleranceMs: number
  courts: CourtEntry[]
}

/** The client certificate a caller presented over TLS, when it did and it chains to the configured client CA. */
export interface PeerCertificate {
  authorized: boolean
  fingerprint256: string | null
}

/**
 * Which configured courts a callback may come from: none, or every court whose
 * credential it carries. One e-filing manager often serves several courts with
 * one certificate, secret or key; its callback may then be about a filing of
 * any of them, and the filing it names tells which. A court
 * with `callbackCertFingerprint` is known only by that client certificate
 * (mutual TLS: the certificate chains to CLEARFILE_TLS_CLIENT_CA and has that
 * fingerprint); any other court by the shared secret it sends, compared in
 * constant time and read from the environment variable the courts file names;
 * a court with `callbackSignature` by the HMAC it signs each callback's raw
 * body with, and the time of signing where it sends one; a court with
 * `callbackWsSecurity` by the WS-Security signature of its certificate
 * (`certificates`, read at start) over the callback's Body and Timestamp (the
 * body is read first, within the callback body limit, for either).
 */
export function callbackAuthenticator(
  courts: ReadonlyMap<string, CourtEntry>,
  env: NodeJS.ProcessEnv = process.env,
  certificates: ReadonlyMap<string, X509Certificate> = new Map()
) {
  const byCert = new Map<string, CourtEntry[]>()
  for (const c of courts.values()) {
    if (c.callbackCertFingerprint)
      byCert.set(c.callbackCertFingerprint, [...(byCert.get(c.callbackCertFingerprint) ?? []), c])
  }
  const wsSigners = [...courts.values()].flatMap((c) => {
    const certificate = c.callbackWsSecurity && !c.callbackCertFingerprint ? certificates.get(c.id) : undefined
    return certificate ? [{ court: c, certificate }] : []
  })
  const signsItself = (c: CourtEntry) =>
    Boolean(c.callbackCertFingerprint || c.callbackSignature || c.callbackWsSecurity)
  // A court that signs its callbacks, or has a certificate, is never known by a bare secret.
  const secrets = [...courts.values()].flatMap((c) => {
    const secret = !signsItself(c) && c.callbackSecretRef ? env[c.callbackSecretRef] : undefined
    return secret ? [{ court: c, secret }] : []
  })
  // Courts that sign alike (one e-filing manager's fifty-eight courts, one key) are checked once, together.
  const signers = new Map<string, HmacSigner>()
  for (const c of courts.values()) {
    const signature = c.callbackSignature
    const key = signature && !c.callbackCertFingerprint && !c.callbackWsSecurity ? env[signature.secretRef] : undefined
    if (!signature || !key) continue
    const signer = {
      key,
      header: (signature.header ?? DEFAULT_SIGNATURE_HEADER).toLowerCase(),
      algorithm: signature.algorithm ?? 'sha256',
      timestampHeader: signature.timestampHeader?.toLowerCase(),
      toleranceMs: (signature.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS) * 1000
    }
    const alike = JSON.stringify(signer)
    const group = signers.get(alike)
    if (group) group.courts.push(c)
    else signers.set(alike, { ...signer, courts: [c] })
  }
  /** Whether the request carries an HMAC header some court could have made. */
  const carriesHmac = (headers: Record<string, string | string[] | undefined>) => {
    for (const s of signers.values()) if (typeof headers[s.header] === 'string') return true
    return false
  }
  return {
    /** From the headers alone: the courts a certificate or shared secret names (none: not known this way). */
    byHeaders(given: string | string[] | undefined, peer: PeerCertificate | null): CourtEntry[] {
      if (peer?.authorized && peer.fingerprint256) {
        const named = byCert.get(peer.fingerprint256)
        if (named) return named
      }
      return typeof given === 'string' ? secrets.filter((s) => same(s.secret, given)).map((s) => s.court) : []
    },
    /**
     * Whether the body must be read to tell who sent the request: it carries an HMAC header some court could have
     * made, or some court signs its callbacks with WS-Security (inside the body).
     */
    signed(headers: Record<string, string | string[] | undefined>): boolean {
      return wsSigners.length > 0 || carriesHmac(headers)
    },
    /**
     * The courts whose key made the signature over this raw body (and its timestamp, for a court that sends one),
     * compared in constant time; otherwise why the callback is refused. A timestamp further than the court's
     * tolerance from `now` is refused even when the signature holds: a recorded callback cannot be replayed later,
     * and a replay within the window changes nothing (the callback's digest is recorded once).
     */
    bySignature(
      headers: Record<string, string | string[] | undefined>,
      body: string,
      now: Date
    ): { courts: CourtEntry[]; body: string } | { refused: SignatureRefusal } {
      // WS-Security when no HMAC header came: what is read on is the signed Body, not the envelope around it.
      if (wsSigners.length > 0 && !carriesHmac(headers)) {
        const check = verifySignedSoap(
          body,
          wsSigners.map((w) => w.certificate),
          now
        )
        if (!check.ok) return { refused: `ws-security: ${check.text}` }
        const signedBy = wsSigners.filter((w) => w.certificate.fingerprint256 === check.certificate.fingerprint256)
        return { courts: signedBy.map((w) => w.court), body: check.body }
      }
      let refused: SignatureRefusal = 'wrong signature'
      const courtsSigned: CourtEntry[] = []
      // One MAC per key, algorithm and signed text, and one reading of each signature header (the signed text, the
      // body with its timestamp, is made only for a MAC not yet made).
      const macs = new Map<string, Buffer>()
      const given = new Map<string, Buffer | null>()
      for (const s of signers.values()) {
        const value = headers[s.header]
        if (typeof value !== 'string') continue
        const raw = s.timestampHeader ? headers[s.timestampHeader] : undefined
        const stamp = typeof raw === 'string' ? raw.trim() : undefined
        if (s.timestampHeader && (stamp === undefined || !/^\d{1,12}$/.test(stamp))) {
          refused = 'no timestamp'
          continue
        }
        const macKey = `${s.algorithm}\u0000${s.key}\u0000${stamp ?? ''}`
        let expected = macs.get(macKey)
        if (!expected) {
          const signed = stamp === undefined ? body : `${stamp}.${body}`
          macs.set(macKey, (expected = createHmac(s.algorithm, s.key).update(signed).digest()))
        }
        const givenKey = `${s.algorithm}\u0000${value}`
        let bytes = given.get(givenKey)
        if (bytes === undefined) given.set(givenKey, (bytes = signatureBytes(value, s.algorithm)))
        if (!bytes || !timingSafeEqual(bytes, expected)) continue
        if (stamp !== undefined && Math.abs(now.getTime() - Number(stamp) * 1000) > s.toleranceMs) {
          refused = 'stale timestamp'
          continue
        }
        courtsSigned.push(...s.courts)
      }
      return courtsSigned.length > 0 ? { courts: courtsSigned, body } : { refused }
    }
  }
}
