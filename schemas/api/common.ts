import type { SwaggerTransform } from '@fastify/swagger'
import Type, { type TSchema } from 'typebox'

export const ProblemDetail = Type.Object({
  path: Type.String({ description: 'JSON pointer (RFC 6901) to the problem inside the request part' }),
  in: Type.Optional(Type.String({ description: 'body, params, querystring or headers' })),
  message: Type.String()
})

/** Every error response has this shape; `code` is one of the CLEARFILE_ERR_* codes. */
export const ErrorResponse = Type.Object(
  {
    code: Type.String({ description: 'Stable machine-readable error code, CLEARFILE_ERR_*' }),
    message: Type.String(),
    requestId: Type.String(),
    details: Type.Optional(Type.Array(ProblemDetail))
  },
  { $id: 'ErrorResponse', description: 'An error' }
)

export const IsoDate = Type.String({ format: 'date', description: 'YYYY-MM-DD' })
export const IsoDateTime = Type.String({ format: 'date-time' })
export const Id = Type.String({ format: 'uuid' })

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Replaying the same key with the same body returns the first result; a different body is a 409'
    })
  )
})

/** Reference to the shared error schema, for `response: { 400: ErrorRef, … }`. */
export const ErrorRef = Type.Ref('ErrorResponse')

/** What each error status means on this API; the codes are those of src/errors.ts. */
const ERROR_MEANINGS = {
  400: 'The request is invalid: `details` names each problem by its JSON pointer (CLEARFILE_ERR_VALIDATION)',
  401: 'No valid API key: missing, unknown, revoked or expired (CLEARFILE_ERR_UNAUTHENTICATED)',
  403: "The key's role may not do this, or the request names another county (CLEARFILE_ERR_FORBIDDEN, CLEARFILE_ERR_COUNTY_SCOPE)",
  404: "No such record in the key's county (CLEARFILE_ERR_NOT_FOUND)",
  409: "The request conflicts with a record's state or with another request; `code` says which (e.g. CLEARFILE_ERR_REVIEW_NOT_FINISHED)",
  413: 'The body is larger than the route takes (CLEARFILE_ERR_PAYLOAD_TOO_LARGE)',
  415: 'The Content-Type is not one the route takes (CLEARFILE_ERR_UNSUPPORTED_MEDIA_TYPE)',
  422: 'The case or conviction does not allow this (CLEARFILE_ERR_NOT_ELIGIBLE, CLEARFILE_ERR_COURT_OTHER_COUNTY)',
  429: 'Too many refused API keys from this address; Retry-After says when to try again (CLEARFILE_ERR_RATE_LIMITED)',
  500: 'An unexpected failure; the body holds only the request id to look it up by (CLEARFILE_ERR_INTERNAL)',
  503: 'The database is unreachable or the service is shutting down; send again after Retry-After (CLEARFILE_ERR_DATABASE_UNAVAILABLE, CLEARFILE_ERR_SHUTTING_DOWN)'
} as const

export type ErrorStatus = keyof typeof ERROR_MEANINGS

/**
 * The shared error body for each status given, described by what the status means here:
 * `response: { 200: View, ...errorResponses(400, 404), ...authErrors }`.
 */
export function errorResponses<S extends ErrorStatus>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((s) => [s, Type.Ref('ErrorResponse', { description: ERROR_MEANINGS[s] })])
  ) as {
    [K in S]: ReturnType<typeof Type.Ref<'ErrorResponse'>>
  }
}

/** Error responses every authenticated route can give: the key (401, 403, 429) and the server (500, 503). */
export const authErrors = errorResponses(401, 403, 429, 500, 503)

/** Error responses of a route that takes a body: unreadable or invalid (400), too large (413), of another type (415). */
export const bodyErrors = errorResponses(400, 413, 415)

/**
 * A response that is not JSON, by media type: `200: mediaResponse('The CSV', { 'text/csv': Type.String() })`.
 * Fastify sends strings, buffers and streams as they are: the schemas only document the body.
 */
export function mediaResponse<C extends Record<string, TSchema>>(description: string, content: C) {
  return {
    description,
    content: Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema }])) as {
      [K in keyof C]: { schema: C[K] }
    }
  }
}

/** A file's bytes, as OpenAPI 3.0 writes binary content. */
export const Binary = Type.String({ format: 'binary' })

/**
 * Documents a request body that the route reads as a stream, by media type. A `schema.body` would have fastify
 * validate the body, and a stream is no JSON: the body is added to the OpenAPI operation only, as the route's
 * `config.swaggerTransform`.
 */
export function streamedBody(content: Record<string, TSchema>): SwaggerTransform {
  return ({ schema, url }) => ({
    schema: {
      ...schema,
      body: {
        content: Object.fromEntries(Object.entries(content).map(([type, body]) => [type, { schema: body }]))
      }
    },
    url
  })
}
