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

/**
 * An onRequest hook for /v1: resolves `Authorization: Bearer <key>` to a
 * principal (401 when missing, unknown or revoked), then checks the route's roles.
 */
export function authenticate(db: Kysely<Database>) {
  return async function authenticateRequest(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    const principal = match?.[1] ? await findPrincipalByKey(db, match[1]) : null
    if (!principal) throw new ClearfileError('CLEARFILE_ERR_UNAUTHENTICATED')
    request.principal = principal
    const roles = request.routeOptions.config.roles
    if (roles && principal.role !== 'admin' && !roles.includes(principal.role)) {
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
