import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import { findPrincipalByKey, normalizeCounty, type Principal, type Role } from '../db/api-client-repository.js'
import type { AuditContext } from '../db/audit-repository.js'
import type { Database } from '../db/schema.js'
import { ClearfileError } from '../errors.js'
import type { Clock } from '../clock.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
  }
  interface FastifyContextConfig {
    /** Roles allowed on this route; admin is always allowed. */
    roles?: readonly Role[]
  }
}

/** Roles a route without a `roles` list admits: every role that works with records (metrics keys only read /metrics). */
const RECORD_ROLES: readonly Role[] = ['da_system', 'deputy_da', 'clerk', 'admin']

/**
 * Counts refused keys per client address in one-minute windows. Past the
 * limit, that address is answered 429 before any key is looked up, so keys
 * cannot be guessed at speed and the database is not asked for each guess.
 */
export class AuthFailureLimiter {
  readonly #windows = new Map<string, { start: number; failures: number }>()
  constructor(
    readonly limitPerMinute: number,
    readonly clock: Clock
  ) {}

  /** Seconds until the address may try again, or 0 when it may now. */
  retryAfterSeconds(address: string): number {
    const w = this.#windows.get(address)
    const now = this.clock.now().getTime()
    if (!w || now - w.start >= 60_000 || w.failures < this.limitPerMinute) return 0
    return Math.ceil((w.start + 60_000 - now) / 1000)
  }

  fail(address: string): void {
    const now = this.clock.now().getTime()
    const w = this.#windows.get(address)
    if (w && now - w.start < 60_000) w.failures++
    else {
      // Forget finished windows now and then: the map holds only addresses seen in the last minute.
      if (this.#windows.size > 10_000)
        for (const [k, v] of this.#windows) if (now - v.start >= 60_000) this.#windows.delete(k)
      this.#windows.set(address, { start: now, failures: 1 })
    }
  }
}

/**
 * Resolves `Authorization: Bearer <key>` to a principal (401 when missing,
 * unknown, revoked or expired; 429 after too many refusals from one address),
 * then checks the route's roles (a route without a list admits every
 * record role). The onRequest hook of /v1 and /metrics. Refusals are logged with the client address
 * and at most the key's public prefix, never the key.
 */
export function authenticate(deps: { db: Kysely<Database>; clock: Clock; authFailures: AuthFailureLimiter }) {
  return async function authenticateRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const wait = deps.authFailures.retryAfterSeconds(request.ip)
    if (wait > 0) {
      reply.header('retry-after', String(wait))
      throw new ClearfileError('CLEARFILE_ERR_RATE_LIMITED', 'Too many refused API keys from this address; try later')
    }
    const header = request.headers.authorization
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    const key = match?.[1]
    const principal = key ? await findPrincipalByKey(deps.db, key, deps.clock.now()) : null
    if (!principal) {
      deps.authFailures.fail(request.ip)
      request.log.warn(
        {
          ip: request.ip,
          reason: key ? 'unknown, revoked or expired key' : 'no bearer key',
          ...(key?.startsWith('cfk_') ? { keyPrefix: key.slice(0, 12) } : {})
        },
        'API key refused'
      )
      throw new ClearfileError('CLEARFILE_ERR_UNAUTHENTICATED')
    }
    request.principal = principal
    const roles = request.routeOptions.config.roles ?? RECORD_ROLES
    if (principal.role !== 'admin' && !roles.includes(principal.role)) {
      throw new ClearfileError('CLEARFILE_ERR_FORBIDDEN', `This route needs one of the roles: ${roles.join(', ')}`)
    }
  }
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ClearfileError('CLEARFILE_ERR_UNAUTHENTICATED')
  return request.principal
}

/** Who did it, for which request, when: what every audit row needs. */
export function auditContext(request: FastifyRequest, clock: Clock): AuditContext {
  return { principal: principalOf(request), requestId: request.id, now: clock.now() }
}

/**
 * The county a request acts on: the key's own county, or for admin keys the
 * one named in the request (required then). Naming another county with a
 * county key is refused.
 */
export function actingCounty(principal: Principal, requested: string | undefined, where = '/county'): string {
  const named = requested ? normalizeCounty(requested) : undefined
  if (principal.county !== null) {
    if (named !== undefined && named !== principal.county) {
      throw new ClearfileError('CLEARFILE_ERR_COUNTY_SCOPE', undefined, [
        { path: where, message: 'is not the county of this API key' }
      ])
    }
    return principal.county
  }
  if (!named)
    throw new ClearfileError('CLEARFILE_ERR_VALIDATION', 'Admin keys must name the county', [
      { path: where, message: 'is required for admin keys' }
    ])
  return named
}
