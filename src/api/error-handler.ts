import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { isDatabaseUnavailable, isUniqueViolation } from '../db/database.js'
import { ERRORS, isClearfileError, type ErrorCode, type ProblemDetail } from '../errors.js'

interface AjvLikeError {
  instancePath?: string
  keyword?: string
  message?: string
  params?: Record<string, unknown>
}

/** Turns ajv's errors into `{path, message}` pairs whose path points at the bad field itself. */
export function validationDetails(errors: readonly AjvLikeError[], part: string | undefined): ProblemDetail[] {
  return errors.map((e) => {
    let path = e.instancePath ?? ''
    const params = e.params ?? {}
    if (e.keyword === 'required' && typeof params.missingProperty === 'string') path += `/${params.missingProperty}`
    if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string')
      path += `/${params.additionalProperty}`
    let message = e.message ?? 'is invalid'
    if (e.keyword === 'required') message = 'is required'
    if (e.keyword === 'additionalProperties') message = 'is not an accepted field'
    if (e.keyword === 'enum' && Array.isArray(params.allowedValues))
      message = `must be one of ${params.allowedValues.join(', ')}`
    return { path: path === '' ? '/' : path, ...(part ? { in: part } : {}), message }
  })
}

/** What a client is told to wait when the database is away: about one reconnect attempt of the pool. */
const DATABASE_RETRY_AFTER_SECONDS = 5

/** Fastify's own 4xx errors, mapped into the catalog. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'CLEARFILE_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'CLEARFILE_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'CLEARFILE_ERR_VALIDATION',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'CLEARFILE_ERR_VALIDATION',
  FST_ERR_CTP_INVALID_JSON_BODY: 'CLEARFILE_ERR_VALIDATION'
}

/**
 * The one error handler. Client errors say what was wrong, with a stable code
 * and the path of each problem; server errors say nothing internal and are
 * logged with the request id the body carries.
 */
export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  let code: ErrorCode
  let message: string
  let details: ProblemDetail[] | undefined
  if (isClearfileError(err)) {
    code = err.code
    message = err.message
    details = err.details
  } else if (err.validation) {
    code = 'CLEARFILE_ERR_VALIDATION'
    message = `The request ${err.validationContext ?? 'input'} is invalid`
    details = validationDetails(err.validation, err.validationContext)
  } else if (err.code && FASTIFY_CODES[err.code]) {
    code = FASTIFY_CODES[err.code]!
    message = err.message
  } else if (isUniqueViolation(err)) {
    // A race for a unique key the retries did not win. Its message names the key's values (a subject id): never logged.
    code = 'CLEARFILE_ERR_CONCURRENT_WRITE'
    message = ERRORS.CLEARFILE_ERR_CONCURRENT_WRITE.message
  } else if (isDatabaseUnavailable(err)) {
    // The database is away (restarting, failing over, read-only): the client should come back, not give up.
    code = 'CLEARFILE_ERR_DATABASE_UNAVAILABLE'
    message = ERRORS.CLEARFILE_ERR_DATABASE_UNAVAILABLE.message
    reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
  } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    code = err.statusCode === 404 ? 'CLEARFILE_ERR_NOT_FOUND' : 'CLEARFILE_ERR_VALIDATION'
    message = err.message
  } else {
    code = 'CLEARFILE_ERR_INTERNAL'
    message = ERRORS.CLEARFILE_ERR_INTERNAL.message
  }
  const status = ERRORS[code].status
  if (code === 'CLEARFILE_ERR_DATABASE_UNAVAILABLE') {
    // Expected during a restart or failover: one line with the driver's code, no stack, no query text.
    request.log.warn(
      { code: (err as { code?: unknown }).code, route: request.routeOptions.url },
      'database unavailable'
    )
    message = ERRORS[code].message
    details = undefined
  } else if (status >= 500) {
    request.log.error(
      { err, method: request.method, route: request.routeOptions.url, params: request.params },
      'request failed'
    )
    // 5xx bodies reveal nothing internal: the catalog message and the request id to look it up by.
    message = ERRORS[code].message
    details = undefined
  } else {
    request.log.info({ code, status, route: request.routeOptions.url }, 'request refused')
  }
  return reply.status(status).send({ code, message, requestId: request.id, ...(details ? { details } : {}) })
}
