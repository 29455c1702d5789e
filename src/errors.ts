/**
 * The one catalog of clearfile error codes. Clients match on `code`, never on
 * message text, so codes are stable strings and messages may improve.
 * (Modeled on fastify's lib/errors.js and undici's lib/core/errors.js.)
 */
export const ERRORS = {
  // request shape and authorization
  CLEARFILE_ERR_VALIDATION: { status: 400, message: 'The request is invalid' },
  CLEARFILE_ERR_UNAUTHENTICATED: { status: 401, message: 'A valid API key is required (Authorization: Bearer <key>)' },
  CLEARFILE_ERR_FORBIDDEN: { status: 403, message: 'This API key may not do that' },
  CLEARFILE_ERR_COUNTY_SCOPE: { status: 403, message: "This API key may only act on its own county's records" },
  CLEARFILE_ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  CLEARFILE_ERR_ROUTE_NOT_FOUND: { status: 404, message: 'No such route' },
  CLEARFILE_ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  CLEARFILE_ERR_IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    message: 'This Idempotency-Key was already used with a different request body'
  },
  CLEARFILE_ERR_IDEMPOTENCY_IN_PROGRESS: {
    status: 409,
    message: 'A request with this Idempotency-Key is still being processed'
  },
  CLEARFILE_ERR_CASE_EXISTS: { status: 409, message: 'This court case is already on file' },
  CLEARFILE_ERR_DA_PROFILE_MISSING: {
    status: 409,
    message: 'This county has no DA profile configured (CLEARFILE_DA_PROFILES), so its court papers cannot be signed'
  },
  CLEARFILE_ERR_COURT_NOT_CONFIGURED: {
    status: 409,
    message: 'No court is configured for this case (CLEARFILE_COURTS)'
  },
  CLEARFILE_ERR_DOCUMENTS_MISSING: { status: 409, message: "The case's papers have not been prepared" },
  CLEARFILE_ERR_ALREADY_FILED: {
    status: 409,
    message: 'The case is already in a filing that stands (queued, at the court or ruled on)'
  },
  CLEARFILE_ERR_FILING_STATE: { status: 409, message: "The filing's state does not allow this" },
  CLEARFILE_ERR_COURT_FILING_ID_TAKEN: {
    status: 409,
    message: 'Another filing with the same court already holds this court filing id'
  },
  CLEARFILE_ERR_REVIEW_NOT_FINISHED: { status: 409, message: 'The review has not finished yet' },
  CLEARFILE_ERR_REPORT_NOT_FINISHED: { status: 409, message: 'The outcome report has not been reconciled yet' },
  CLEARFILE_ERR_CONCURRENT_WRITE: {
    status: 409,
    message: 'Another request stored the same record at the same moment; send this request again'
  },
  CLEARFILE_ERR_PERSON_MISMATCH: {
    status: 409,
    message: 'The person does not match the person on file with the same identifier'
  },
  CLEARFILE_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  CLEARFILE_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type' },
  CLEARFILE_ERR_COURT_OTHER_COUNTY: {
    status: 422,
    message: "The case names another county's court; a case is filed with its own county's Superior Court"
  },
  CLEARFILE_ERR_NOT_ELIGIBLE: { status: 422, message: 'The conviction is not eligible for that relief' },
  CLEARFILE_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests' },
  // server side
  CLEARFILE_ERR_INTERNAL: { status: 500, message: 'Internal server error' },
  CLEARFILE_ERR_DATABASE_UNAVAILABLE: { status: 503, message: 'The database is not reachable' },
  CLEARFILE_ERR_STORAGE_UNAVAILABLE: { status: 503, message: 'The document store is not reachable' },
  CLEARFILE_ERR_SHUTTING_DOWN: {
    status: 503,
    message: 'The service is shutting down; send the request again shortly (to another instance, if there is one)'
  },
  CLEARFILE_ERR_ECF_INVALID: { status: 500, message: 'A court message failed schema validation and was not sent' },
  CLEARFILE_ERR_ECF_UNSAFE: {
    status: 400,
    message: 'The XML declares a document type; court XML with entities is refused'
  },
  CLEARFILE_ERR_ECF_MALFORMED: { status: 400, message: 'The court XML is not a well-formed ECF message' },
  CLEARFILE_ERR_COURT_REJECTED: { status: 502, message: 'The court rejected the filing' },
  CLEARFILE_ERR_COURT_POLICY: {
    status: 422,
    message:
      "The filing does not meet the court's published policy (its code lists, sizes or operations); it was not sent"
  },
  CLEARFILE_ERR_COURT_FEE: {
    status: 422,
    message: 'The court would charge a fee for the filing; a DA files fee-exempt, so it was not sent'
  },
  CLEARFILE_ERR_COURT_UNAVAILABLE: { status: 503, message: 'The court is not reachable' },
  CLEARFILE_ERR_COURT_TIMEOUT: { status: 504, message: 'The court did not answer in time' },
  // configuration (never sent over HTTP; the process exits)
  CLEARFILE_ERR_CONFIG: { status: 500, message: 'The configuration is invalid' }
} as const satisfies Record<string, { status: number; message: string }>

export type ErrorCode = keyof typeof ERRORS

/** One problem inside a request, located by its JSON pointer (RFC 6901), e.g. `/cases/3/counts/0/severity`. */
export interface ProblemDetail {
  path: string
  message: string
}

export class ClearfileError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  readonly details: ProblemDetail[] | undefined

  constructor(code: ErrorCode, message?: string, details?: ProblemDetail[], options?: { cause?: unknown }) {
    super(message ?? ERRORS[code].message, options)
    this.name = 'ClearfileError'
    this.code = code
    this.statusCode = ERRORS[code].status
    this.details = details
  }
}

export function isClearfileError(err: unknown): err is ClearfileError {
  return err instanceof ClearfileError
}
