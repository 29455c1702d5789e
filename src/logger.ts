import { type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from 'fastify'
import type { Config } from './config.js'

/*
 * Criminal records are sensitive: names, dates of birth, CII and SSN numbers must
 * never reach a log. Request bodies are never logged; these paths redact the same
 * fields wherever an object carrying them is logged by mistake, and the request
 * serializer drops query values and headers (API keys live in Authorization).
 */
export const REDACTED_KEYS = [
  'name',
  'names',
  'aliases',
  'dob',
  'birthDate',
  'cii',
  'ssn',
  'person',
  'people',
  'defendantName',
  'defendant_name',
  'defendantDob',
  'defendant_dob',
  'pri_name',
  'pri_dob',
  'body',
  'authorization'
]

export const redactPaths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`])

/** `/v1/events?after=12&county=X` → `/v1/events?after=…&county=…`: keeps what was asked, not the values. */
export function urlWithoutQueryValues(url: string): string {
  const q = url.indexOf('?')
  if (q === -1) return url
  const keys = new URLSearchParams(url.slice(q + 1)).keys()
  return `${url.slice(0, q)}?${[...new Set(keys)].map((k) => `${k}=…`).join('&')}`
}

export function loggerOptions(
  config: Pick<Config, 'logLevel'>,
  stream?: NodeJS.WritableStream
): NonNullable<FastifyServerOptions['logger']> {
  return {
    level: config.logLevel,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: {
      req(req: { method: string; url: string }) {
        return { method: req.method, url: urlWithoutQueryValues(req.url) }
      }
    },
    ...(stream ? { stream } : {})
  } as NonNullable<FastifyServerOptions['logger']>
}

/**
 * One log line a request at `info`, written when it is answered: its method and path (`req`, as serialized above),
 * its status (`res`) and how long it took. Fastify's default also writes a line at `info` as each request comes in,
 * which says nothing the answer's line does not: a county's sends bring a court callback each, and every line is a
 * redaction of the paths above and a write. That line is kept at `debug`, for a request that is never answered.
 */
export class RequestLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request')
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return
    const line = { req: request, res: reply, responseTime: reply.elapsedTime }
    if (error) reply.log.error({ ...line, err: error }, 'request errored')
    else reply.log.info(line, 'request completed')
  }
}
