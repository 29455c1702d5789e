import { randomUUID } from 'node:crypto'
import { Server as NetServer } from 'node:net'
import { AjvCompiler } from '@fastify/ajv-compiler'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ErrorResponse } from '../schemas/api/common.js'
import { AuthFailureLimiter, authenticate } from './api/auth.js'
import { errorHandler } from './api/error-handler.js'
import { caseRoutes } from './api/routes/cases.js'
import { determinationRoutes } from './api/routes/determinations.js'
import { documentRoutes } from './api/routes/documents.js'
import { ecfCallbackRoutes } from './api/routes/ecf-callback.js'
import { webhookRoutes } from './api/routes/webhooks.js'
import { dashboardRoutes } from './api/routes/dashboard.js'
import { pipelineMetricsRoutes, prometheusRoutes } from './api/routes/metrics.js'
import { exportRoutes, outcomeReportRoutes } from './api/routes/outcome-reports.js'
import { filingRoutes } from './api/routes/filings.js'
import { healthRoutes } from './api/routes/health.js'
import { policyRoutes } from './api/routes/policies.js'
import { reviewRoutes } from './api/routes/reviews.js'
import { sessionRoutes } from './api/routes/session.js'
import { ClearfileError } from './errors.js'
import { loggerOptions, RequestLogController } from './logger.js'
import type { Services } from './services.js'

export type App = FastifyInstance

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Starts a graceful shutdown's first phase: no new connection is taken, new requests on open ones are answered
     * 503 with `Connection: close` (so a keep-alive client does not send on a connection about to close) while
     * those in flight finish. Resolves when none is in flight, or after `maxMs`.
     */
    drain: (maxMs: number) => Promise<void>
  }
}

export interface AppOptions {
  /** Where logs go (stdout when absent). */
  logStream?: NodeJS.WritableStream
}

const validators = AjvCompiler()

/**
 * Validators that take a JSON body as sent: `123` is not the string "123" nor `"30"` the number 30, and
 * `null` is not an empty string. Query strings, path parameters and headers are text by nature and keep
 * fastify's coercion (`?limit=10` is the number 10).
 */
function bodiesAsSent(
  externalSchemas: Parameters<ReturnType<typeof AjvCompiler>>[0],
  options: Parameters<ReturnType<typeof AjvCompiler>>[1]
) {
  const coercing = validators(externalSchemas, options)
  const exactOptions = { ...options, customOptions: { ...options?.customOptions, coerceTypes: false } }
  const exact = validators(externalSchemas, exactOptions as typeof options)
  return (route: Parameters<typeof coercing>[0]) => (route.httpPart === 'body' ? exact : coercing)(route)
}

/** `CLEARFILE_TRUST_PROXY` as fastify takes it: `true` (any proxy), or a list of addresses and CIDRs. */
function proxiesToTrust(setting: string): true | string[] {
  return setting === 'true' ? true : setting.split(',').map((a) => a.trim())
}

/**
 * Builds the clearfile HTTP app from the services (src/services.ts). It opens
 * no socket, reads no file and owns no database: src/server.ts listens, and
 * closes what it opened. Tests build the app from services of their own (an
 * in-memory database, a fixed clock, a log sink).
 */
export async function buildApp(deps: Services, options: AppOptions = {}): Promise<App> {
  // With a client CA, TLS asks every client for a certificate but lets those without one in: API
  // clients use keys; a court calling back is checked against its certificate's fingerprint.
  const https = deps.tls
    ? {
        cert: deps.tls.cert,
        key: deps.tls.key,
        ...(deps.tls.ca ? { ca: deps.tls.ca, requestCert: true, rejectUnauthorized: false } : {})
      }
    : null
  const app = (Fastify as unknown as (options: FastifyServerOptions & { https: object | null }) => FastifyInstance)({
    https,
    logger: loggerOptions(deps.config, options.logStream),
    logController: new RequestLogController(),
    bodyLimit: deps.config.bodyLimitBytes,
    genReqId: () => randomUUID(),
    ...(deps.config.trustProxy ? { trustProxy: proxiesToTrust(deps.config.trustProxy) } : {}),
    // allErrors: a DA system learns every problem in one round trip, each by its JSON path.
    ajv: { customOptions: { allErrors: true } },
    schemaController: { compilersFactory: { buildValidator: bodiesAsSent } }
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.decorateRequest('principal', null)

  let draining = false
  let inFlight = 0
  let idle: (() => void) | null = null
  app.addHook('onRequest', async (request, reply) => {
    if (draining && request.url !== '/healthz') {
      reply.header('connection', 'close').header('retry-after', '5')
      throw new ClearfileError('CLEARFILE_ERR_SHUTTING_DOWN')
    }
    inFlight++
    // The response's close: sent in full, or its connection gone.
    reply.raw.once('close', () => {
      if (--inFlight === 0) idle?.()
    })
  })
  // Every answer given while draining closes its connection, a 201 as much as a 503: a keep-alive client never
  // sends its next request on a connection the server is about to close.
  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close')
  })
  app.decorate('drain', async (maxMs: number) => {
    draining = true
    // No new connections: one taken now could have its request still unread when the server closes, and be reset
    // with the request in it. Refused, a client knows nothing was sent. (net.Server's close only stops accepting;
    // http.Server's would also drop idle keep-alive connections a client may be sending on this moment.)
    if (app.server.listening) NetServer.prototype.close.call(app.server)
    // A moment first, even with nothing in flight: a keep-alive client about to send on an open connection
    // is answered 503 with Connection: close, instead of finding the connection closed under it.
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, maxMs)))
    if (inFlight === 0) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, maxMs - 1000))
      idle = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  app.addSchema(ErrorResponse)
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(() => {
    throw new ClearfileError('CLEARFILE_ERR_ROUTE_NOT_FOUND')
  })

  await app.register(swagger, {
    // Shared schemas keep their $id as their component name (#/components/schemas/ErrorResponse, not def-0).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'clearfile',
        version: '0.1.0',
        description:
          'Court e-filing integration for record clearance: case intake, eligibility determinations, motions, filings and outcomes.',
        license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' }
      },
      // Relative: the API is where this document is served from, whatever name or port that is.
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'clearfile keys create --role … --county …' }
        }
      },
      security: [{ apiKey: [] }],
      tags: [
        { name: 'cases', description: 'Court cases sent by DA case-management systems' },
        { name: 'reviews', description: 'Bulk reviews of DOJ files' },
        { name: 'determinations', description: 'Eligibility determinations and the review queue' },
        { name: 'policy', description: "The county's Prop 64 policy" },
        { name: 'documents', description: 'Court papers: motions, proposed orders, bulk motions and schedules' },
        { name: 'filings', description: 'Filings with the courts and their timelines' },
        { name: 'events', description: 'Webhooks and the events feed: determinations, filing moves, outcomes' },
        { name: 'outcomes', description: "Courts' rulings: clerks' outcome reports and their reconciliation" },
        { name: 'session', description: "Who a key is: role, county, time zone, what it may do, its county's courts" },
        { name: 'health', description: 'Liveness and readiness' }
      ]
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  // One count of refused keys per app, shared by /v1 and /metrics.
  const checkKey = authenticate({
    db: deps.db,
    clock: deps.clock,
    authFailures: new AuthFailureLimiter(deps.config.authFailuresPerMinute, deps.clock)
  })

  await app.register(healthRoutes, deps)
  await app.register(async (scraped) => {
    scraped.addHook('onRequest', checkKey)
    await scraped.register(prometheusRoutes, deps)
  })
  await app.register(dashboardRoutes, deps)
  await app.register(ecfCallbackRoutes, deps)
  await app.register(
    async (v1) => {
      v1.addHook('onRequest', checkKey)
      // Responses carry criminal-record data: never let a proxy or browser keep them.
      v1.addHook('onSend', async (_request, reply) => {
        reply.header('cache-control', 'no-store')
      })
      await v1.register(caseRoutes, deps)
      await v1.register(policyRoutes, deps)
      await v1.register(determinationRoutes, deps)
      await v1.register(reviewRoutes, deps)
      await v1.register(documentRoutes, deps)
      await v1.register(filingRoutes, deps)
      await v1.register(outcomeReportRoutes, deps)
      await v1.register(exportRoutes, deps)
      await v1.register(webhookRoutes, deps)
      await v1.register(pipelineMetricsRoutes, deps)
      await v1.register(sessionRoutes, deps)
    },
    { prefix: '/v1' }
  )

  return app
}
