import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
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
      schema: { tags: ['health'], operationId: 'health', summary: 'The process is up', response: { 200: Health } }
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
        response: { 200: Ready, 503: Ready }
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
