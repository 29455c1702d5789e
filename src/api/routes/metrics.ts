import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { authErrors, errorResponses } from '../../../schemas/api/common.js'
import { PipelineQuery, PipelineView } from '../../../schemas/api/metrics.js'
import { normalizeCounty } from '../../db/api-client-repository.js'
import { pipelineFigures } from '../../outcomes/pipeline-figures.js'
import type { Services } from '../../services.js'
import { filingsByCourtAndState, openJobsByKind } from '../../db/figures-repository.js'

/** GET /v1/metrics/pipeline: the dashboard's figures, for the key's county (admin keys: one county or all). */
export const pipelineMetricsRoutes: FastifyPluginAsyncTypebox<Services> = async (app, deps) => {
  const { db } = deps
  const { courts } = deps
  app.get(
    '/metrics/pipeline',
    {
      schema: {
        tags: ['outcomes'],
        operationId: 'pipelineMetrics',
        summary:
          'Pipeline figures per court and overall — eligible, needs review, prepared, submitted, accepted, rejected, granted, denied — and week by week',
        querystring: PipelineQuery,
        response: { 200: PipelineView, ...errorResponses(400), ...authErrors }
      }
    },
    async (request) => {
      const own = request.principal!.county
      const county = own ?? (request.query.county ? normalizeCounty(request.query.county) : null)
      return pipelineFigures(db, county, courts)
    }
  )
}

/**
 * /metrics for Prometheus: counts only, nothing about a person, yet filings per court and state are the
 * service's business, so the scraper holds a key of its own (`clearfile keys create --role metrics`, sent as a
 * bearer token) that opens nothing else.
 */
export const prometheusRoutes: FastifyPluginAsyncTypebox<Services> = async (app, deps) => {
  const { db } = deps
  const { metrics } = deps
  // The gauges are read from the database at each scrape, by prom-client's collect().
  metrics.readGaugesWith({ queueDepth: () => openJobsByKind(db), filings: () => filingsByCourtAndState(db) })

  app.get('/metrics', { schema: { hide: true }, config: { roles: ['metrics'] } }, async (_request, reply) => {
    const text = await metrics.render()
    return reply.header('content-type', metrics.contentType).send(text)
  })
}
