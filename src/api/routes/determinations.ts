import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParams, authErrors, bodyErrors, errorResponses } from '../../../schemas/api/common.js'
import {
  BulkDecisionInput,
  BulkDecisionView,
  DecisionInput,
  DeterminationPage,
  DeterminationQuery,
  DeterminationView
} from '../../../schemas/api/determinations.js'
import { recordAudit, type AuditContext } from '../../db/audit-repository.js'
import {
  countDeterminations,
  determinationCursor,
  listDeterminations,
  searchDeterminations,
  splitCitations,
  toDecision,
  type DeterminationQuery as Query
} from '../../db/determination-repository.js'
import type { Db } from '../../db/database.js'
import type { Services } from '../../services.js'
import { auditContext } from '../auth.js'
import { MAY } from '../roles.js'
import { decideDeterminations } from '../../ingest/decisions.js'
import { keysetPage, type PagingParams } from '../paging.js'

/**
 * A page of determinations with the case and person they concern, and the count of all that match. Listing
 * shows names, so each person on the page gets a read audit row.
 */
export async function determinationPage(
  db: Db,
  ctx: AuditContext,
  q: Omit<Query, 'search'> & PagingParams & { q?: string | undefined }
) {
  const query: Query = { ...q, search: await searchDeterminations(db, q.county, q.q) }
  const { page, links, total } = await keysetPage(q, {
    list: (request) => listDeterminations(db, { ...query, ...request }),
    count: () => countDeterminations(db, query),
    cursorOf: (r) => determinationCursor(query, r)
  })
  await recordAudit(
    db,
    ctx,
    [...new Map(page.map((r) => [r.person_id, r])).values()].map((r) => ({
      action: 'determination.list',
      recordType: 'person',
      recordId: r.person_id,
      county: r.county
    }))
  )
  return {
    items: page.map((r) => ({
      id: r.id,
      outcome: r.outcome,
      remedy: r.remedy,
      section: r.section,
      sectionAsRecorded: r.code_section_raw,
      severity: r.severity ?? '',
      convictionDate: r.conviction_date,
      reason: r.reason,
      citations: splitCitations(r.citations),
      decision: toDecision(r),
      reviewId: r.review_run_id,
      case: { id: r.case_id, caseNumber: r.case_number, court: r.court_id, countOrder: r.count_order },
      person: { id: r.person_id, name: r.person_name, dob: r.person_dob },
      createdAt: r.created_at
    })),
    ...links,
    total
  }
}

export const determinationRoutes: FastifyPluginAsyncTypebox<Services> = async (app, { db, clock }) => {
  app.get(
    '/determinations',
    {
      schema: {
        tags: ['determinations'],
        operationId: 'listDeterminations',
        summary: 'Determinations of the county, e.g. the review queue: ?outcome=needs_review&undecided=true',
        querystring: DeterminationQuery,
        response: { 200: DeterminationPage, ...errorResponses(400), ...authErrors }
      }
    },
    async (request) => {
      const ctx = auditContext(request, clock)
      const q = request.query
      return determinationPage(db, ctx, { ...q, county: ctx.principal.county })
    }
  )

  app.post(
    '/determinations/:id/decision',
    {
      config: { roles: [...MAY.decide] },
      schema: {
        tags: ['determinations'],
        operationId: 'decideDetermination',
        summary: "A deputy DA's decision on a determination, with a reason; the engine's outcome stays visible",
        params: IdParams,
        body: DecisionInput,
        response: { 200: DeterminationView, ...bodyErrors, ...errorResponses(404), ...authErrors }
      }
    },
    async (request) => {
      const ctx = auditContext(request, clock)
      const [view] = await db
        .transaction()
        .execute((trx) => decideDeterminations(trx, ctx, [request.params.id], request.body))
      return view!
    }
  )

  app.post(
    '/determinations/decisions',
    {
      config: { roles: [...MAY.decide] },
      schema: {
        tags: ['determinations'],
        operationId: 'decideDeterminations',
        summary:
          'One decision, with one reason, on many determinations (up to 500): all or none, an event and an audit row for each',
        body: BulkDecisionInput,
        response: { 200: BulkDecisionView, ...bodyErrors, ...errorResponses(404), ...authErrors }
      }
    },
    async (request) => {
      const ctx = auditContext(request, clock)
      const { ids, ...decision } = request.body
      const items = await db.transaction().execute((trx) => decideDeterminations(trx, ctx, ids, decision))
      return { decided: items.length, items }
    }
  )
}
