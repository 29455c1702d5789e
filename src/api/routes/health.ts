import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { errorResponses } from '../../../schemas/api/common.js'
import { assertWritable, isDatabaseUnavailable } from '../../db/database.js'
import type { Services } from '../../services.js'

const Health = Type.Object({ status: Type.String() })
const Ready = Type.Object({
  status: Type.String(),
  database: Type.String(),
  reason: Type.Optional(Type.String({ description: 'Why not ready: unreachable or read-only' }))
})

export const healthRoutes: FastifyPluginAsyncTypebox<Services> = async (app, { db, dialect }) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        operationId: 'health',
        summary: 'The process is up',
        // Public: a load balancer or orchestrator asks without a key.
        security: [],
        response: { 200: Health, ...errorResponses(500) }
      }
    },
    async () => ({ status: 'ok' })
  )

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        operationId: 'ready',
        summary: 'The database answers and takes writes',
        security: [],
        response: {
          200: Ready,
          // Not ready: the database is away (Ready), or the service is draining and refuses every request but
          // /healthz (the error body, which a Ready-only schema could not serialize).
          503: Type.Union([Ready, Type.Ref('ErrorResponse')], {
            description: 'Not ready: the database is unreachable or read-only, or the service is shutting down'
          }),
          ...errorResponses(500)
        }
      }
    },
    async (request, reply) => {
      try {
        await assertWritable(db)
        return { status: 'ready', database: dialect }
      } catch (err) {
        const code = (err as { code?: unknown }).code
        const readOnly = code === '25006' || (typeof code === 'string' && code.startsWith('SQLITE_READONLY'))
        request.log.warn({ code, unavailable: isDatabaseUnavailable(err) }, 'readiness check failed')
        return reply
          .status(503)
          .header('retry-after', '5')
          .send({ status: 'unavailable', database: dialect, reason: readOnly ? 'read-only' : 'unreachable' })
      }
    }
  )
}
