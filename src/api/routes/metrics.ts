import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { authErrors } from '../../../schemas/api/common.js'
import { PipelineQuery, PipelineView } from '../../../schemas/api/metrics.js'
import { normalizeCounty } from '../../db/api-client-repository.js'
import { gauge, Metrics } from '../../metrics.js'
import { pipelineFigures } from '../../outcomes/pipeline-figures.js'
import type { Services } from '../../services.js'

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
        response: { 200: PipelineView, ...authErrors }
      }
    },
    async (request) => {
      const own = request.principal!.county
      const county = own ?? (request.query.county ? normalizeCounty(request.query.county) : null)
      return pipelineFigures(db, county, courts)
    }
  )
}

/** /metrics for Prometheus: counts only, nothing about a person. */
export const prometheusRoutes: FastifyPluginAsyncTypebox<Services> = async (app, deps) => {
  const { db } = deps
  const metrics = deps.metrics ?? new Metrics()

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const [jobs, filings] = await Promise.all([
      db
        .selectFrom('jobs')
        .select((eb) => ['kind', eb.fn.countAll().as('n')])
        .where('done_at', 'is', null)
        .groupBy('kind')
        .execute(),
      db
        .selectFrom('filings')
        .select((eb) => ['court_id', 'state', eb.fn.countAll().as('n')])
        .groupBy(['court_id', 'state'])
        .execute()
    ])
    const text =
      metrics.render() +
      gauge(
        'clearfile_queue_depth',
        'Background jobs not yet done, by kind.',
        jobs.map((j) => ({ labels: { kind: j.kind }, value: Number(j.n) }))
      ) +
      gauge(
        'clearfile_filings',
        'Filings by court and state.',
        filings.map((f) => ({ labels: { court: f.court_id, state: f.state }, value: Number(f.n) }))
      )
    return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(text)
  })
}
