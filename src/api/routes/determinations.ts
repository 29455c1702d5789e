import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParams, authErrors, bodyErrors, errorResponses } from '../../../schemas/api/common.js'
import {
  DecisionInput,
  DeterminationPage,
  DeterminationQuery,
  DeterminationView
} from '../../../schemas/api/determinations.js'
import { appendEvents } from '../../webhooks/events.js'
import { recordAudit, type AuditContext } from '../../db/audit-repository.js'
import {
  findDetermination,
  listDeterminations,
  recordDecision,
  splitCitations,
  toDecision,
  toDeterminationView,
  type DeterminationQuery as Query
} from '../../db/determination-repository.js'
import type { Db } from '../../db/database.js'
import { ClearfileError } from '../../errors.js'
import type { Services } from '../../services.js'
import { auditContext } from '../auth.js'

/**
 * A page of determinations with the case and person they concern. Listing
 * shows names, so each person on the page gets a read audit row.
 */
export async function determinationPage(db: Db, ctx: AuditContext, q: Query) {
  const rows = await listDeterminations(db, { ...q, limit: q.limit + 1 })
  const page = rows.slice(0, q.limit)
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
    next: rows.length > q.limit ? page[page.length - 1]!.id : null
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
      return determinationPage(db, ctx, {
        county: ctx.principal.county,
        outcome: q.outcome,
        undecided: q.undecided,
        after: q.after,
        limit: q.limit ?? 100
      })
    }
  )

  app.post(
    '/determinations/:id/decision',
    {
      config: { roles: ['deputy_da'] },
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
      return db.transaction().execute(async (trx) => {
        const found = await findDetermination(trx, request.params.id, ctx.principal.county)
        if (!found) throw new ClearfileError('CLEARFILE_ERR_NOT_FOUND', 'No such determination')
        const at = ctx.now.toISOString()
        await recordDecision(trx, found.id, {
          outcome: request.body.outcome,
          reason: request.body.reason,
          by: ctx.principal.clientId,
          at
        })
        await appendEvents(trx, [
          {
            county: found.county,
            type: 'determination.made',
            recordType: 'determination',
            recordId: found.id,
            at,
            payload: {
              determinationId: found.id,
              convictionId: found.conviction_id,
              outcome: request.body.outcome,
              remedy: found.remedy,
              // The reason is free text a deputy wrote (it may name people): events and webhooks say one was
              // given; the text is read from the determination, where every read is audited.
              reasonGiven: true,
              by: 'deputy_da'
            }
          }
        ])
        await recordAudit(trx, ctx, [
          {
            action: 'determination.decide',
            recordType: 'determination',
            recordId: found.id,
            county: found.county,
            detail: {
              engineOutcome: found.outcome,
              previousDecision: found.decided_outcome,
              decision: request.body.outcome
            }
          }
        ])
        return toDeterminationView({
          ...found,
          decided_outcome: request.body.outcome,
          decision_reason: request.body.reason,
          decided_by: ctx.principal.clientId,
          decided_at: at
        })
      })
    }
  )
}
