import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Value } from 'typebox/value'
import { CourtsFile, type CourtEntry } from '../../schemas/courts.js'
import { normalizeCounty } from '../db/api-client-repository.js'
import { ClearfileError } from '../errors.js'
import type { CourtCredentials } from '../ecf/court-adapter.js'
import { wsSecuritySigner } from '../ecf/ws-security.js'

/**
 * Reads the courts configuration (CLEARFILE_COURTS: a JSON list; schema in
 * schemas/courts.ts): each court's id, name, county, adapter, endpoint, the
 * names of the variables holding its credentials, and its limits.
 */
export function loadCourts(path: string): Map<string, CourtEntry> {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new ClearfileError('CLEARFILE_ERR_CONFIG', `courts ${path}: ${(err as Error).message}`)
  }
  if (!Value.Check(CourtsFile, json)) {
    const problems = [...Value.Errors(CourtsFile, json)].map((e) => `${e.instancePath || '/'} ${e.message}`)
    throw new ClearfileError('CLEARFILE_ERR_CONFIG', `courts ${path} is invalid: ${problems.join('; ')}`)
  }
  const courts = new Map<string, CourtEntry>()
  for (const [i, c] of json.entries()) {
    if (courts.has(c.id))
      throw new ClearfileError('CLEARFILE_ERR_CONFIG', `courts ${path}: /${i}/id ${c.id} is listed twice`)
    courts.set(c.id, { ...c, county: normalizeCounty(c.county) })
  }
  return courts
}

/**
 * The certificates courts sign their callbacks with (`callbackWsSecurity.certFile`), by court id, read once at
 * start: a file that cannot be read or is not a certificate stops the start, naming the court.
 */
export function callbackCertificates(courts: ReadonlyMap<string, CourtEntry>): Map<string, X509Certificate> {
  const out = new Map<string, X509Certificate>()
  for (const court of courts.values()) {
    const path = court.callbackWsSecurity?.certFile
    if (!path) continue
    try {
      out.set(court.id, new X509Certificate(readFileSync(path)))
    } catch (err) {
      throw new ClearfileError(
        'CLEARFILE_ERR_CONFIG',
        `court ${court.id}: callbackWsSecurity.certFile ${path} is not a readable certificate (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`
      )
    }
  }
  return out
}

/**
 * What clearfile presents to a court (see CourtCredentials): the vendor login of `credentialsRef`
 * (`username:password`, HTTP Basic) or the token of `bearerTokenRef`, the client certificate of
 * `clientCertificate`, and the signing certificate and key of `wsSecurity`. A variable that is unset or a file that cannot be read stops the start, naming the court.
 */
export function courtCredentials(court: CourtEntry, env: NodeJS.ProcessEnv): CourtCredentials {
  const fail = (what: string) => new ClearfileError('CLEARFILE_ERR_CONFIG', `court ${court.id}: ${what}`)
  const secret = (ref: string, field: string) => {
    const value = env[ref]
    if (!value) throw fail(`${field} names ${ref}, which is not set`)
    return value
  }
  const file = (path: string, field: string) => {
    try {
      return readFileSync(path)
    } catch (err) {
      throw fail(`${field} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`)
    }
  }
  if (court.credentialsRef && court.bearerTokenRef)
    throw fail('give credentialsRef (a vendor login) or bearerTokenRef (a token), not both')
  const out: CourtCredentials = {}
  if (court.credentialsRef) {
    const login = secret(court.credentialsRef, 'credentialsRef')
    if (!login.includes(':')) throw fail(`${court.credentialsRef} must hold username:password`)
    out.authorization = `Basic ${Buffer.from(login, 'utf8').toString('base64')}`
  }
  if (court.bearerTokenRef) out.authorization = `Bearer ${secret(court.bearerTokenRef, 'bearerTokenRef').trim()}`
  const w = court.wsSecurity
  if (w) {
    const identity = {
      cert: file(w.certFile, 'wsSecurity.certFile'),
      key: file(w.keyFile, 'wsSecurity.keyFile'),
      ...(w.passphraseRef ? { passphrase: secret(w.passphraseRef, 'wsSecurity.passphraseRef') } : {}),
      ...(w.ttlSeconds ? { ttlSeconds: w.ttlSeconds } : {})
    }
    try {
      out.wsSecurity = wsSecuritySigner(identity)
    } catch (err) {
      throw fail(`wsSecurity: ${w.certFile} and ${w.keyFile} cannot sign: ${(err as Error).message}`)
    }
  }
  const c = court.clientCertificate
  if (c)
    out.tls = {
      cert: file(c.certFile, 'clientCertificate.certFile'),
      key: file(c.keyFile, 'clientCertificate.keyFile'),
      ...(c.passphraseRef ? { passphrase: secret(c.passphraseRef, 'clientCertificate.passphraseRef') } : {}),
      ...(c.caFile ? { ca: file(c.caFile, 'clientCertificate.caFile') } : {})
    }
  return out
}
