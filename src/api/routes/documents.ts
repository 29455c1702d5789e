import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Selectable } from 'kysely'
import { Binary, IdParams, authErrors, bodyErrors, errorResponses, mediaResponse } from '../../../schemas/api/common.js'
import { DocumentList, PaperScopeBody, QueuedView } from '../../../schemas/api/documents.js'
import { recordAudit } from '../../db/audit-repository.js'
import {
  caseNumbersOfDocument,
  documentsOfCase,
  documentsOfReview,
  findDocument
} from '../../db/document-repository.js'
import { findCaseInScope } from '../../db/case-repository.js'
import type { DocumentsTable } from '../../db/schema.js'
import { requireBlob } from '../../storage/blob-store.js'
import { requireProfile } from '../../documents/da-profiles.js'
import { queueReviewDocuments } from '../../documents/documents-job.js'
import { preparePapers } from '../../documents/prepare-papers.js'
import { createRenderer } from '../../documents/render.js'
import { ClearfileError } from '../../errors.js'
import { findReviewRun } from '../../ingest/review-runs.js'
import type { Services } from '../../services.js'
import { MAY } from '../roles.js'
import { auditContext } from '../auth.js'

const view = (d: Selectable<DocumentsTable>) => ({
  id: d.id,
  kind: d.kind,
  scope: d.scope,
  sha256: d.sha256,
  pages: d.pages,
  bytes: d.bytes,
  reviewId: d.review_run_id,
  url: `/v1/documents/${d.id}`,
  createdAt: d.created_at
})

/**
 * The name a saved paper gets: its case number and what it is (`SCN123456-motion.pdf`; a person's motion over
 * several cases `SCN123456-and-2-more-motion.pdf`; a bulk paper by its review), in characters every file system
 * and header takes.
 */
export function documentFileName(
  doc: { kind: string; review_run_id: string | null; sha256: string },
  caseNumbers: readonly string[]
): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '')
  const kind = doc.kind.replace(/_/g, '-')
  const subject =
    caseNumbers.length > 0
      ? `${safe(caseNumbers[0]!)}${caseNumbers.length > 1 ? `-and-${caseNumbers.length - 1}-more` : ''}`
      : doc.review_run_id
        ? `review-${safe(doc.review_run_id).slice(0, 8)}`
        : doc.sha256.slice(0, 12)
  return `${subject || doc.sha256.slice(0, 12)}-${kind}.pdf`
}

export const documentRoutes: FastifyPluginAsyncTypebox<Services> = async (app, { db, clock, store, profiles }) => {
  // Papers for one case render on the request's thread: two documents take milliseconds.
  const inline = createRenderer({ threads: 0 })

  app.post(
    '/cases/:id/documents',
    {
      config: { roles: [...MAY.file] },
      schema: {
        tags: ['documents'],
        operationId: 'prepareCaseDocuments',
        summary: "Prepare the case's motion and proposed order from its newest determinations",
        params: IdParams,
        response: { 201: DocumentList, ...errorResponses(400, 404, 409, 422), ...authErrors }
      }
    },
    async (request, reply) => {
      const ctx = auditContext(request, clock)
      const found = await findCaseInScope(db, request.params.id, ctx.principal.county)
      const profile = requireProfile(profiles, found.county)
      const stored = await preparePapers(
        { db, store, renderer: inline, profile },
        {
          caseIds: [found.id],
          scope: 'case',
          date: ctx.now.toISOString().slice(0, 10),
          county: found.county,
          reviewRunId: null,
          now: ctx.now.toISOString()
        }
      )
      if (stored.length === 0)
        throw new ClearfileError(
          'CLEARFILE_ERR_NOT_ELIGIBLE',
          'No count of this case is granted relief, so there is nothing to file'
        )
      await recordAudit(db, ctx, [
        {
          action: 'documents.prepare',
          recordType: 'court_case',
          recordId: found.id,
          county: found.county,
          detail: { documents: stored.map((s) => s.id) }
        }
      ])
      const ids = new Set(stored.map((s) => s.id))
      return reply
        .status(201)
        .send({ items: (await documentsOfCase(db, found.id)).filter((d) => ids.has(d.id)).map(view) })
    }
  )

  app.get(
    '/cases/:id/documents',
    {
      schema: {
        tags: ['documents'],
        operationId: 'listCaseDocuments',
        summary: "The case's court papers",
        params: IdParams,
        response: { 200: DocumentList, ...errorResponses(400, 404), ...authErrors }
      }
    },
    async (request) => {
      const found = await findCaseInScope(db, request.params.id, auditContext(request, clock).principal.county)
      return { items: (await documentsOfCase(db, found.id)).map(view) }
    }
  )

  app.get(
    '/documents/:id',
    {
      schema: {
        tags: ['documents'],
        operationId: 'getDocument',
        summary: 'A court paper as PDF (application/pdf)',
        params: IdParams,
        response: {
          200: mediaResponse('The PDF', { 'application/pdf': Binary }),
          ...errorResponses(400, 404),
          ...authErrors
        }
      }
    },
    async (request, reply) => {
      const ctx = auditContext(request, clock)
      const doc = await findDocument(db, request.params.id, ctx.principal.county)
      if (!doc) throw new ClearfileError('CLEARFILE_ERR_NOT_FOUND', 'No such document')
      await recordAudit(db, ctx, [
        { action: 'document.read', recordType: 'document', recordId: doc.id, county: doc.county }
      ])
      const bytes = await requireBlob(store, doc.storage_key)
      return reply
        .header('content-type', 'application/pdf')
        .header(
          'content-disposition',
          `inline; filename="${documentFileName(doc, await caseNumbersOfDocument(db, doc.id))}"`
        )
        .header('etag', `"${doc.sha256}"`)
        .send(bytes)
    }
  )

  app.post(
    '/reviews/:id/documents',
    {
      config: { roles: [...MAY.file] },
      schema: {
        tags: ['documents'],
        operationId: 'prepareReviewDocuments',
        summary: "Prepare the court papers of a finished review's relieved cases, in the background",
        params: IdParams,
        body: PaperScopeBody,
        response: { 202: QueuedView, ...bodyErrors, ...errorResponses(404, 409), ...authErrors }
      }
    },
    async (request, reply) => {
      const ctx = auditContext(request, clock)
      const run = await findReviewRun(db, request.params.id, ctx.principal.county)
      if (run.state !== 'done') throw new ClearfileError('CLEARFILE_ERR_REVIEW_NOT_FINISHED')
      requireProfile(profiles, run.county)
      const scope = request.body?.scope ?? 'case'
      await db.transaction().execute(async (trx) => {
        await queueReviewDocuments(trx, run.id, scope, ctx.now)
        await recordAudit(trx, ctx, [
          {
            action: 'documents.queue',
            recordType: 'review_run',
            recordId: run.id,
            county: run.county,
            detail: { scope }
          }
        ])
      })
      return reply.status(202).send({ queued: true, reviewId: run.id, scope })
    }
  )

  app.get(
    '/reviews/:id/documents',
    {
      schema: {
        tags: ['documents'],
        operationId: 'listReviewDocuments',
        summary: "A review's court papers",
        params: IdParams,
        response: { 200: DocumentList, ...errorResponses(400, 404), ...authErrors }
      }
    },
    async (request) => {
      const run = await findReviewRun(db, request.params.id, auditContext(request, clock).principal.county)
      return {
        items: (await documentsOfReview(db, run.id)).map(view)
      }
    }
  )
}
