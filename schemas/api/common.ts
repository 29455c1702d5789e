import Type from 'typebox'

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

/** Error responses every authenticated route can give. */
export const authErrors = {
  401: ErrorRef,
  403: ErrorRef,
  429: ErrorRef
}
