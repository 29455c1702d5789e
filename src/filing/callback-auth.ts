import { timingSafeEqual } from 'node:crypto'
import type { CourtEntry } from '../../schemas/courts.js'

/** The header a court sends its shared callback secret in (set per court by `callbackSecretRef`). */
export const CALLBACK_SECRET_HEADER = 'x-ecf-callback-secret'

const same = (a: string, b: string) => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * Which configured court a callback comes from, by the shared secret it sent
 * (compared in constant time), or undefined when no court has that secret.
 * Secrets are read from the environment variables the courts file names.
 */
export function callbackAuthenticator (courts: ReadonlyMap<string, CourtEntry>, env: NodeJS.ProcessEnv = process.env) {
  const secrets = [...courts.values()].flatMap((c) => {
    const secret = c.callbackSecretRef ? env[c.callbackSecretRef] : undefined
    return secret ? [{ court: c, secret }] : []
  })
  return (given: string | string[] | undefined): CourtEntry | undefined =>
    typeof given === 'string' ? secrets.find((s) => same(s.secret, given))?.court : undefined
}
