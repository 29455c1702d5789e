import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { authErrors } from '../../../schemas/api/common.js'
import type { Services } from '../../services.js'
import { principalOf } from '../auth.js'
import { mayOf } from '../roles.js'

const SessionView = Type.Object({
  role: Type.String(),
  county: Type.Union([Type.String(), Type.Null()], { description: 'Null for an admin key: every county' }),
  timeZone: Type.String({ description: "The county's time zone, for showing times" }),
  may: Type.Object({
    decide: Type.Boolean(),
    uploadOutcomeReports: Type.Boolean(),
    file: Type.Boolean(),
    settle: Type.Boolean(),
    cancel: Type.Boolean()
  }),
  courts: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), county: Type.String() }), {
    description: "The courts of the key's county (every court for an admin key), from the courts file"
  })
})

/** Who the key is: its role and county, what it may do, and its county's courts by name (what the dashboard shows). */
export const sessionRoutes: FastifyPluginAsyncTypebox<Services> = async (app, { config, courts }) => {
  app.get(
    '/session',
    {
      config: { roles: ['da_system', 'deputy_da', 'clerk'] },
      schema: {
        tags: ['session'],
        operationId: 'getSession',
        summary: "The key's role, county, time zone, what it may do and its county's courts",
        response: { 200: SessionView, ...authErrors }
      }
    },
    async (request) => {
      const { role, county } = principalOf(request)
      return {
        role,
        county,
        timeZone: config.timeZone,
        may: mayOf(role),
        courts: [...courts.values()]
          .filter((c) => county === null || c.county === county)
          .map((c) => ({ id: c.id, name: c.name, county: c.county }))
      }
    }
  )
}
