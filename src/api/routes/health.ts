import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { sql } from 'kysely'
import type { Services } from '../../services.js'

const Health = Type.Object({ status: Type.String() })
const Ready = Type.Object({ status: Type.String(), database: Type.String() })

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
        summary: 'The database answers',
        response: { 200: Ready, 503: Ready }
      }
    },
    async (request, reply) => {
      try {
        await sql`select 1`.execute(db)
        return { status: 'ready', database: dialect }
      } catch (err) {
        request.log.warn({ err }, 'readiness check failed')
        return reply.status(503).send({ status: 'unavailable', database: dialect })
      }
    }
  )
}
