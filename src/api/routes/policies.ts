import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { authErrors, bodyErrors, errorResponses } from '../../../schemas/api/common.js'
import { CountyQuery, PolicyView } from '../../../schemas/api/policies.js'
import { recordAudit } from '../../db/audit-repository.js'
import { activePolicy, savePolicy, type ActivePolicy } from '../../ingest/county-policy.js'
import { parsePolicy } from '../../eligibility/parse-policy.js'
import type { Services } from '../../services.js'
import { actingCounty, auditContext, principalOf } from '../auth.js'

const view = (county: string, p: ActivePolicy) => ({
  county,
  id: p.id,
  sha256: p.sha256,
  createdAt: p.createdAt,
  policy: p.policy
})

export const policyRoutes: FastifyPluginAsyncTypebox<Services> = async (app, { db, clock }) => {
  app.get(
    '/policy',
    {
      schema: {
        tags: ['policy'],
        operationId: 'getPolicy',
        summary: "The county's active Prop 64 policy (the statewide default until one is set)",
        querystring: CountyQuery,
        response: { 200: PolicyView, ...errorResponses(400), ...authErrors }
      }
    },
    async (request) => {
      const county = actingCounty(principalOf(request), request.query.county)
      return view(county, await activePolicy(db, county))
    }
  )

  app.put(
    '/policy',
    {
      config: { roles: ['deputy_da'] },
      schema: {
        tags: ['policy'],
        operationId: 'setPolicy',
        summary:
          "Make a policy the county's active one: clearfile's format (schemas/policy.schema.json) or a gogen eligibility-options file",
        querystring: CountyQuery,
        body: Type.Unknown(),
        response: { 200: PolicyView, ...bodyErrors, ...authErrors }
      }
    },
    async (request) => {
      const ctx = auditContext(request, clock)
      const county = actingCounty(ctx.principal, request.query.county)
      const policy = parsePolicy(request.body)
      const saved = await db.transaction().execute(async (trx) => {
        const p = await savePolicy(trx, county, policy, ctx.principal.clientId, ctx.now)
        await recordAudit(trx, ctx, [
          {
            action: 'policy.set',
            recordType: 'county_policy',
            recordId: p.id!,
            county,
            detail: { name: policy.name, version: policy.version }
          }
        ])
        return p
      })
      return view(county, saved)
    }
  )
}
