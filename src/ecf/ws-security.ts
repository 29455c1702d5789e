import { X509Certificate, createPrivateKey, randomUUID } from 'node:crypto'
import { DOMParser } from '@xmldom/xmldom'
import { SignedXml } from 'xml-crypto'
import { createWorkerPool, siblingModule, type WorkerPool } from '../workers/worker-pool.js'
import { SOAP_NS } from './soap.js'

/*
 * WS-Security for the messages clearfile sends a court, as the ECF 4.01 Web Services SIP asks (WS-I Basic
 * Security Profile 1.0): a wsse:Security header holding the DA office's X.509 certificate as a
 * BinarySecurityToken, a wsu:Timestamp, and an XML signature (exclusive c14n, RSA-SHA256, SHA-256 digests) over
 * the Timestamp and the Body, whose KeyInfo points at the token. Canonicalisation and signing are xml-crypto's
 * (a kept library), not ours.
 */

export const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd'
export const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd'
const X509_TOKEN = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3'
const BASE64 = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary'
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#'

/** The DA office's signing identity as the courts file gives it: certificate and private key (PEM). */
export interface WsSecurityIdentity {
  cert: Buffer | string
  key: Buffer | string
  passphrase?: string
  /** How long a message stays valid after it is signed (the Timestamp's Expires), default 300 s. */
  ttlSeconds?: number
}

/** A signing identity read once: the certificate as a BinarySecurityToken carries it, the key ready to sign. */
export interface WsSecuritySigner {
  /** The certificate's DER bytes in base64. */
  token: string
  /** The private key, unencrypted PKCS#8 PEM (it stays in memory only). */
  privateKey: string
  ttlSeconds: number
}

/** Reads a signing identity; throws when the certificate or key cannot be read (or the passphrase is wrong). */
export function wsSecuritySigner(identity: WsSecurityIdentity): WsSecuritySigner {
  const certificate = new X509Certificate(identity.cert)
  const key = createPrivateKey({
    key: identity.key,
    ...(identity.passphrase ? { passphrase: identity.passphrase } : {})
  })
  if (!certificate.checkPrivateKey(key)) throw new Error("the private key is not the certificate's")
  return {
    token: certificate.raw.toString('base64'),
    privateKey: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
    ttlSeconds: identity.ttlSeconds ?? 300
  }
}

/**
 * A SOAP 1.1 envelope around `messageXml` whose Timestamp and Body are signed with the signer's key (see the
 * module comment). `now` is the signing time; ids are fresh for each message.
 */
export function signedSoapEnvelope(messageXml: string, signer: WsSecuritySigner, now: Date): string {
  const body = messageXml.replace(/^\s*<\?xml[^>]*\?>\s*/, '')
  const id = randomUUID()
  const [tokenId, timestampId, bodyId] = [`X509-${id}`, `TS-${id}`, `Body-${id}`]
  const expires = new Date(now.getTime() + signer.ttlSeconds * 1000)
  const iso = (d: Date) => `${d.toISOString().slice(0, 19)}Z`
  const envelope =
    `<soap:Envelope xmlns:soap="${SOAP_NS}" xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}">` +
    '<soap:Header><wsse:Security soap:mustUnderstand="1">' +
    `<wsse:BinarySecurityToken EncodingType="${BASE64}" ValueType="${X509_TOKEN}" wsu:Id="${tokenId}">` +
    `${signer.token}</wsse:BinarySecurityToken>` +
    `<wsu:Timestamp wsu:Id="${timestampId}"><wsu:Created>${iso(now)}</wsu:Created><wsu:Expires>${iso(expires)}</wsu:Expires></wsu:Timestamp>` +
    '</wsse:Security></soap:Header>' +
    `<soap:Body wsu:Id="${bodyId}">${body}</soap:Body></soap:Envelope>`

  const signature = new SignedXml({
    idMode: 'wssecurity',
    privateKey: signer.privateKey,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: EXC_C14N,
    // BSP 1.0: the signature's key is named by a reference to the token, not by a copy of the certificate.
    getKeyInfoContent: () =>
      `<wsse:SecurityTokenReference><wsse:Reference URI="#${tokenId}" ValueType="${X509_TOKEN}"/></wsse:SecurityTokenReference>`
  })
  for (const local of ['Timestamp', 'Body'])
    signature.addReference({
      xpath: `//*[local-name(.)='${local}' and @*[local-name(.)='Id']]`,
      transforms: [EXC_C14N],
      digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256'
    })
  signature.computeSignature(envelope, {
    prefix: 'ds',
    location: { reference: "//*[local-name(.)='Security']", action: 'append' },
    existingPrefixes: { wsse: WSSE_NS, wsu: WSU_NS, soap: SOAP_NS }
  })
  return `<?xml version="1.0" encoding="UTF-8"?>${signature.getSignedXml()}`
}

const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#'

/** A WS-Security check: the certificate that signed and the signed Body, or why the message is refused. */
export type WsSecurityCheck =
  | { ok: true; certificate: X509Certificate; body: string }
  | { ok: false; code: 'wsse:InvalidSecurity' | 'wsse:FailedAuthentication' | 'wsse:MessageExpired'; text: string }

/** xmldom, failing on malformed XML instead of printing a warning and going on. */
const strictParser = () =>
  new DOMParser({
    errorHandler: (level: string, msg: unknown) => {
      if (level !== 'warning') throw new Error(String(msg))
    }
  })

/** How far ahead of our clock a sender's Created time may be. */
const CLOCK_SKEW_MS = 5 * 60_000

/**
 * Verifies a SOAP message signed as `signedSoapEnvelope` signs (BSP 1.0: an X.509 BinarySecurityToken, a signature
 * over the Timestamp and the Body) by one of the `trusted` certificates, whose Timestamp has not expired at `now`.
 * Verification is xml-crypto's. What it returns as `body` is the signed Body itself, canonicalised — callers read
 * the message from it, never from the envelope, so no element moved or added outside the signature (a wrapping
 * attack) can be read as signed. Fault codes are WS-Security 1.0's.
 */
export function verifySignedSoap(envelope: string, trusted: readonly X509Certificate[], now: Date): WsSecurityCheck {
  const invalid = (text: string): WsSecurityCheck => ({ ok: false, code: 'wsse:InvalidSecurity', text })
  const failed = (text: string): WsSecurityCheck => ({ ok: false, code: 'wsse:FailedAuthentication', text })
  if (/<!DOCTYPE/i.test(envelope)) return invalid('a message with a document type is refused')
  let doc: Document
  try {
    doc = strictParser().parseFromString(envelope, 'text/xml') as unknown as Document
  } catch {
    return invalid('the message is not XML')
  }
  const all = (ns: string, local: string) => Array.from(doc.getElementsByTagNameNS(ns, local))
  const signatures = all(DSIG_NS, 'Signature')
  const tokens = all(WSSE_NS, 'BinarySecurityToken')
  if (signatures.length !== 1 || tokens.length !== 1)
    return invalid('the message carries no WS-Security signature (one signature and one token)')
  let signer: X509Certificate
  try {
    signer = new X509Certificate(Buffer.from((tokens[0]!.textContent ?? '').replace(/\s+/g, ''), 'base64'))
  } catch {
    return invalid('the security token is not an X.509 certificate')
  }
  const known = trusted.find((c) => c.fingerprint256 === signer.fingerprint256)
  if (!known) return failed('the message is signed by a certificate that is not trusted')
  const verifier = new SignedXml({ publicCert: known.toString(), idMode: 'wssecurity' })
  let valid = false
  try {
    verifier.loadSignature(signatures[0] as unknown as Node)
    valid = verifier.checkSignature(envelope)
  } catch {
    valid = false
  }
  if (!valid) return failed('the signature does not verify')
  // Only what the signature covers is read from here on.
  const signed = verifier.getSignedReferences().map((xml) => {
    const root = strictParser().parseFromString(xml, 'text/xml').documentElement
    return { xml, root }
  })
  const body = signed.find((s) => s.root?.namespaceURI === SOAP_NS && s.root.localName === 'Body')
  const timestamp = signed.find((s) => s.root?.namespaceURI === WSU_NS && s.root.localName === 'Timestamp')
  if (!body) return invalid('the Body is not signed')
  if (!timestamp) return invalid('the Timestamp is not signed')
  const time = (local: string) =>
    Date.parse(timestamp.root!.getElementsByTagNameNS(WSU_NS, local)[0]?.textContent ?? '')
  const [created, expires] = [time('Created'), time('Expires')]
  if (!(expires > now.getTime())) return { ok: false, code: 'wsse:MessageExpired', text: 'the message has expired' }
  if (created > now.getTime() + CLOCK_SKEW_MS)
    return { ok: false, code: 'wsse:MessageExpired', text: 'the message was signed in the future' }
  return { ok: true, certificate: known, body: body.xml }
}

/** Signs messages for one identity: on worker threads, or on the calling thread with `threads: 0`. */
export interface WsSecuritySigning {
  sign: (messageXml: string, now: Date) => Promise<string>
  close: () => Promise<void>
  readonly threads: number
}

/**
 * WS-Security signing off the event loop: a message of a filing takes about 10 ms to canonicalise and sign
 * (RSA-2048; `npm run bench:filing`), which on the calling thread would hold up every request the process answers
 * and cap sending at about a hundred filings a second. The workers start at the first message and each keeps the
 * identity it was given.
 */
export function wsSecuritySigning(signer: WsSecuritySigner, options: { threads: number }): WsSecuritySigning {
  if (options.threads === 0)
    return {
      sign: async (messageXml, now) => signedSoapEnvelope(messageXml, signer, now),
      close: async () => undefined,
      threads: 0
    }
  let pool: WorkerPool<{ message: string; now: number }, string> | undefined
  return {
    sign(messageXml, now) {
      pool ??= createWorkerPool(siblingModule(import.meta.url, 'ws-security-worker'), {
        size: options.threads,
        workerData: signer
      })
      const used = pool
      return used.run({ message: messageXml, now: now.getTime() }).catch((err: unknown) => {
        // A worker that died takes its pool with it: the next message starts a new one.
        if (pool === used) pool = undefined
        void used.close()
        throw err
      })
    },
    close: async () => {
      await pool?.close()
    },
    threads: options.threads
  }
}
