import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import { CaseBatchInput, CaseBatchView, CaseInput, CaseUpdate, CaseView } from '../../../schemas/api/cases.js'
import { IdParams, IdempotencyHeaders, authErrors, bodyErrors, errorResponses } from '../../../schemas/api/common.js'
import { recordAudit, type AuditContext } from '../../db/audit-repository.js'
import { asBulkWork } from '../../db/work-priority.js'
import type { Database } from '../../db/schema.js'
import { getCaseView, setCourtCaseId } from '../../db/case-repository.js'
import { statisticsKeeper } from '../../db/table-statistics.js'
import { ClearfileError } from '../../errors.js'
import { storeCases } from '../../ingest/case-intake.js'
import { auditContext } from '../auth.js'
import { requestFingerprint, runIdempotent } from '../idempotency.js'
import type { Services } from '../../services.js'

const writers = ['da_system', 'deputy_da'] as const
const writeErrors = { ...bodyErrors, ...errorResponses(409), ...authErrors }

export const caseRoutes: FastifyPluginAsyncTypebox<Services> = async (app, { db, clock, config }) => {
  // A county's cases come a batch or a case at a time, each a short transaction: the planner's statistics are kept
  // up with them as the bulk stages keep up with theirs.
  const statistics = statisticsKeeper(db, (err) => app.log.warn({ err }, 'refreshing table statistics failed'))
  app.addHook('onClose', () => statistics.settled())

  /** Runs `work` once per Idempotency-Key: 201 with its result, 200 with the stored result on replay. */
  async function createOnce<T>(
    request: FastifyRequest<{ Headers: { 'idempotency-key'?: string } }>,
    reply: FastifyReply,
    route: string,
    work: (trx: Kysely<Database>, ctx: AuditContext) => Promise<T>
  ) {
    statistics.keep()
    const ctx = auditContext(request, clock)
    const result = await runIdempotent(
      db,
      {
        clientId: ctx.principal.clientId,
        key: request.headers['idempotency-key'],
        fingerprint: () => requestFingerprint(request.method, route, request.body),
        now: ctx.now,
        ttlHours: config.idempotencyTtlHours
      },
      (trx) => work(trx, ctx)
    )
    // A replay hands out a stored case view (a name, a date of birth): it is a read, and audited like one.
    if (result.kind === 'replayed')
      await recordAudit(db, ctx, [
        {
          action: 'idempotent_answer.replay',
          recordType: 'idempotency_key',
          recordId: request.headers['idempotency-key'] ?? '',
          county: ctx.principal.county,
          detail: { route }
        }
      ])
    return reply.status(result.kind === 'created' ? 201 : 200).send(result.body)
  }

  app.post(
    '/cases',
    {
      config: { roles: writers },
      schema: {
        tags: ['cases'],
        operationId: 'createCase',
        summary: "Take one person's court case from a DA case-management system",
        headers: IdempotencyHeaders,
        body: CaseInput,
        response: { 200: CaseView, 201: CaseView, ...writeErrors }
      }
    },
    (request, reply) =>
      createOnce(request, reply, '/v1/cases', async (trx, ctx) => {
        const [stored] = await storeCases(trx, [request.body], ctx, () => '')
        return stored!.view?.() ?? (await getCaseView(trx, stored!.id, null))!
      })
  )

  app.post(
    '/cases/batch',
    {
      config: { roles: writers },
      schema: {
        tags: ['cases'],
        operationId: 'createCaseBatch',
        summary: 'Take up to 1,000 cases at once: all are stored or none',
        headers: IdempotencyHeaders,
        body: CaseBatchInput,
        response: { 200: CaseBatchView, 201: CaseBatchView, ...writeErrors }
      }
    },
    // Up to a thousand cases in one transaction: bulk work, after a deputy's reads.
    (request, reply) =>
      asBulkWork(() =>
        createOnce(request, reply, '/v1/cases/batch', async (trx, ctx) => ({
          cases: (await storeCases(trx, request.body.cases, ctx, (i) => `/cases/${i}`)).map(
            ({ id, personId, caseNumber }) => ({ id, personId, caseNumber })
          )
        }))
      )
  )

  app.patch(
    '/cases/:id',
    {
      config: { roles: writers },
      schema: {
        tags: ['cases'],
        operationId: 'updateCase',
        summary: "Give a stored case the court's own id for it (nc:CaseTrackingID), or take it away",
        params: IdParams,
        body: CaseUpdate,
        response: { 200: CaseView, ...bodyErrors, ...errorResponses(404), ...authErrors }
      }
    },
    async (request) => {
      const ctx = auditContext(request, clock)
      const courtCaseId = request.body.courtCaseId?.trim() || null
      const view = await db.transaction().execute(async (trx) => {
        if (!(await setCourtCaseId(trx, request.params.id, ctx.principal.county, courtCaseId, ctx.now.toISOString())))
          throw new ClearfileError('CLEARFILE_ERR_NOT_FOUND', 'No such case')
        const updated = (await getCaseView(trx, request.params.id, ctx.principal.county))!
        await recordAudit(trx, ctx, [
          {
            action: 'case.update',
            recordType: 'court_case',
            recordId: updated.id,
            county: updated.county,
            detail: { courtCaseId: courtCaseId !== null }
          }
        ])
        return updated
      })
      return view
    }
  )

  app.get(
    '/cases/:id',
    {
      schema: {
        tags: ['cases'],
        operationId: 'getCase',
        summary: 'A court case with its person and counts',
        params: IdParams,
        response: { 200: CaseView, ...errorResponses(400, 404), ...authErrors }
      }
    },
    async (request) => {
      const ctx = auditContext(request, clock)
      const view = await getCaseView(db, request.params.id, ctx.principal.county)
      if (!view) throw new ClearfileError('CLEARFILE_ERR_NOT_FOUND', 'No such case')
      await recordAudit(db, ctx, [
        { action: 'case.read', recordType: 'court_case', recordId: view.id, county: view.county }
      ])
      return view
    }
  )
}
