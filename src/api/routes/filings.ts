import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { Selectable } from 'kysely'
import { IdParams, authErrors, bodyErrors, errorResponses, mediaResponse } from '../../../schemas/api/common.js'
import {
  CancellationInput,
  FilingInput,
  FilingList,
  FilingQuery,
  FilingView,
  ReviewFilingsView,
  SettlementInput
} from '../../../schemas/api/filings.js'
import { recordAudit } from '../../db/audit-repository.js'
import { asBulkWork } from '../../db/work-priority.js'
import { findCaseInScope } from '../../db/case-repository.js'
import {
  countFilings,
  filingCursor,
  filingEvents,
  filingParts,
  findFiling,
  listFilingsWithDefendants,
  searchFilings
} from '../../db/filing-repository.js'
import { parseJsonColumn } from '../../db/json.js'
import type { FilingsTable } from '../../db/schema.js'
import { messageKey } from '../../filing/filing-message.js'
import { queueCaseFiling, queueReviewFilings } from '../../filing/queue-filings.js'
import { cancelFiling } from '../../filing/cancel-filing.js'
import { settleFiling } from '../../filing/settle-filing.js'
import { findReviewRun } from '../../ingest/review-runs.js'
import { ClearfileError } from '../../errors.js'
import type { Services } from '../../services.js'
import { MAY } from '../roles.js'
import { auditContext } from '../auth.js'
import { keysetPage } from '../paging.js'

const summary = (f: Selectable<FilingsTable>) => ({
  id: f.id,
  state: f.state,
  county: f.county,
  court: f.court_id,
  courtFilingId: f.court_filing_id,
  attempts: f.attempts,
  lastError: f.last_error,
  createdAt: f.created_at,
  updatedAt: f.updated_at
})

export const filingRoutes: FastifyPluginAsyncTypebox<Services> = async (app, deps) => {
  const { db, clock } = deps
  const { pipeline } = deps

  const view = async (id: string, county: string | null) => {
    const f = await findFiling(db, id, county)
    if (!f) throw new ClearfileError('CLEARFILE_ERR_NOT_FOUND', 'No such filing')
    const [parts, events] = await Promise.all([filingParts(db, id), filingEvents(db, id)])
    return {
      ...summary(f),
      caseIds: parts.caseIds,
      documentIds: parts.documentIds,
      events: events.map((e) => ({
        from: e.from_state,
        to: e.to_state,
        at: e.at,
        source: e.source,
        detail: parseJsonColumn(e.detail, null)
      }))
    }
  }

  app.post(
    '/filings',
    {
      config: { roles: [...MAY.file] },
      schema: {
        tags: ['filings'],
        operationId: 'createFiling',
        summary:
          "File a case's prepared papers, or a review run's, with the court: queued now, submitted by the outbox workers",
        description:
          "With `caseId`: one filing for the case (202 with the filing). With `reviewId`: one filing per case of the motions the review's papers hold in the scope asked (ECF 4.01 files in one case: a person's motion for several cases is filed in each), grouped by court (202 with the filings made); cases already in a standing filing are not filed again.",
        body: FilingInput,
        response: {
          202: Type.Union([FilingView, ReviewFilingsView]),
          ...bodyErrors,
          ...errorResponses(404, 409, 422),
          ...authErrors
        }
      }
    },
    async (request, reply) => {
      const ctx = auditContext(request, clock)
      const body = request.body
      if ((body.caseId === undefined) === (body.reviewId === undefined)) {
        throw new ClearfileError('CLEARFILE_ERR_VALIDATION', 'Give either caseId or reviewId', [
          { path: '/', message: 'must have exactly one of caseId, reviewId' }
        ])
      }
      if (body.reviewId !== undefined) {
        const run = await findReviewRun(db, body.reviewId, ctx.principal.county)
        if (run.state !== 'done') throw new ClearfileError('CLEARFILE_ERR_REVIEW_NOT_FINISHED')
        // Thousands of filings for a county: bulk work, after a deputy's reads.
        const queued = await asBulkWork(() => queueReviewFilings(pipeline, ctx, run, body.scope ?? 'case'))
        return reply.status(202).send(queued)
      }
      if (body.scope !== undefined)
        throw new ClearfileError('CLEARFILE_ERR_VALIDATION', 'scope is for a review', [
          { path: '/scope', message: 'only with reviewId' }
        ])
      const kase = await findCaseInScope(db, body.caseId!, ctx.principal.county)
      const id = await queueCaseFiling(pipeline, ctx, kase.id)
      return reply.status(202).send(await view(id, null))
    }
  )

  app.get(
    '/filings/:id',
    {
      schema: {
        tags: ['filings'],
        operationId: 'getFiling',
        summary: 'A filing: state, court ids and its timeline of events',
        params: IdParams,
        response: { 200: FilingView, ...errorResponses(400, 404), ...authErrors }
      }
    },
    async (request) => {
      const ctx = auditContext(request, clock)
      const v = await view(request.params.id, ctx.principal.county)
      await recordAudit(db, ctx, [{ action: 'filing.read', recordType: 'filing', recordId: v.id, county: v.county }])
      return v
    }
  )

  app.post(
    '/filings/:id/settlement',
    {
      config: { roles: [...MAY.settle] },
      schema: {
        tags: ['filings'],
        operationId: 'settleFiling',
        summary: 'Say whether the court has a filing clearfile could not settle (state unknown)',
        description:
          "For a filing in state `unknown` (raised as `filing.needs_attention`: its send may have reached a court whose list cannot tell). `atCourt: true` with the court's filing id: it takes that id and is polled for its review and ruling. `atCourt: false`: it is sent again. The note goes on the filing's timeline; the change is audited.",
        params: IdParams,
        body: SettlementInput,
        response: { 200: FilingView, ...bodyErrors, ...errorResponses(404, 409), ...authErrors }
      }
    },
    async (request) => {
      const ctx = auditContext(request, clock)
      const { atCourt, courtFilingId, note } = request.body
      if (atCourt !== (courtFilingId !== undefined))
        throw new ClearfileError('CLEARFILE_ERR_VALIDATION', "The court's filing id goes with atCourt true, and only", [
          { path: '/courtFilingId', message: atCourt ? 'required when atCourt is true' : 'only when atCourt is true' }
        ])
      await settleFiling(
        db,
        ctx,
        request.params.id,
        atCourt ? { atCourt, courtFilingId: courtFilingId!, note } : { atCourt, note }
      )
      return view(request.params.id, ctx.principal.county)
    }
  )

  app.post(
    '/filings/:id/cancellation',
    {
      config: { roles: [...MAY.cancel] },
      schema: {
        tags: ['filings'],
        operationId: 'cancelFiling',
        summary: 'Cancel a filing not yet sent (state draft or queued)',
        description:
          "The filing moves to `cancelled` and is never sent; its cases may be filed again. A filing whose send has begun may be at the court, and ECF 4.01 has no CancelFiling: 409 CLEARFILE_ERR_FILING_STATE (ask the clerk). The note goes on the filing's timeline; the change is audited.",
        params: IdParams,
        body: CancellationInput,
        response: { 200: FilingView, ...bodyErrors, ...errorResponses(404, 409), ...authErrors }
      }
    },
    async (request) => {
      const ctx = auditContext(request, clock)
      await cancelFiling(db, ctx, request.params.id, request.body.note)
      return view(request.params.id, ctx.principal.county)
    }
  )

  app.get(
    '/filings/:id/message.xml',
    {
      schema: {
        tags: ['filings'],
        operationId: 'getFilingMessage',
        summary: 'The ReviewFilingRequestMessage sent (or to be sent) to the court, PDFs embedded',
        params: IdParams,
        response: {
          200: mediaResponse('The ECF 4.01 message', { 'application/xml': Type.String() }),
          ...errorResponses(400, 404),
          ...authErrors
        }
      }
    },
    async (request, reply) => {
      const ctx = auditContext(request, clock)
      const f = await findFiling(db, request.params.id, ctx.principal.county)
      if (!f) throw new ClearfileError('CLEARFILE_ERR_NOT_FOUND', 'No such filing')
      const xml = await pipeline.store.get(messageKey(f.id))
      if (!xml) throw new ClearfileError('CLEARFILE_ERR_NOT_FOUND', "The filing's message has not been built yet")
      await recordAudit(db, ctx, [
        { action: 'filing.message.read', recordType: 'filing', recordId: f.id, county: f.county }
      ])
      // application/xml rather than text/xml, as RFC 7303 advises.
      return reply.header('content-type', 'application/xml; charset=utf-8').send(xml)
    }
  )

  app.get(
    '/filings',
    {
      schema: {
        tags: ['filings'],
        operationId: 'listFilings',
        summary: 'Filings of the county, by state',
        querystring: FilingQuery,
        response: { 200: FilingList, ...errorResponses(400), ...authErrors }
      }
    },
    async (request) => {
      const ctx = auditContext(request, clock)
      const q = request.query
      const county = ctx.principal.county
      const query = { ...q, county, search: await searchFilings(db, county, q.q) }
      const { page, links, total } = await keysetPage(q, {
        list: (paging) => listFilingsWithDefendants(db, { ...query, ...paging }),
        count: () => countFilings(db, query),
        cursorOf: (f) => filingCursor(query, f)
      })
      // The listing names people: a read audit row for each one on the page.
      await recordAudit(
        db,
        ctx,
        [...new Set(page.flatMap((f) => (f.defendant ? [f.defendant.id] : [])))].map((personId) => ({
          action: 'filing.list',
          recordType: 'person',
          recordId: personId,
          county: page[0]!.county
        }))
      )
      return {
        items: page.map((f) => ({ ...summary(f), caseNumbers: f.caseNumbers, defendant: f.defendant })),
        ...links,
        total
      }
    }
  )
}
