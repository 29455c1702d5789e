import { createWriteStream } from 'node:fs'
import { mkdir, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import {
  Binary,
  IdParams,
  authErrors,
  bodyErrors,
  errorResponses,
  mediaResponse,
  streamedBody
} from '../../../schemas/api/common.js'
import { DeterminationPage, DeterminationQuery } from '../../../schemas/api/determinations.js'
import { ReviewFileParams, ReviewQuery, ReviewView } from '../../../schemas/api/reviews.js'
import { recordAudit } from '../../db/audit-repository.js'
import { newId } from '../../db/ids.js'
import { parseJsonColumn } from '../../db/json.js'
import { activePolicy } from '../../ingest/county-policy.js'
import { BUILT_IN_POLICIES, builtInPolicy } from '../../eligibility/policies.js'
import { ClearfileError } from '../../errors.js'
import {
  createReviewRun,
  findReviewRun,
  reviewOutputKey,
  uploadKey,
  type ReviewRunRow
} from '../../ingest/review-runs.js'
import type { Services } from '../../services.js'
import { actingCounty, auditContext } from '../auth.js'
import { determinationPage } from './determinations.js'

const FILES = ['determinations', 'errors', 'summary'] as const
const FILE_NAMES = { determinations: 'determinations.csv', errors: 'errors.csv', summary: 'summary.json' } as const

function reviewView(row: ReviewRunRow) {
  const total = row.total_bytes ?? 0
  return {
    id: row.id,
    county: row.county,
    asOf: row.as_of,
    state: row.state,
    policy: { name: row.policy_name, sha256: row.policy_sha256, snapshot: parseJsonColumn(row.policy, null) },
    listVersions: parseJsonColumn<Record<string, string>>(row.list_versions, {}),
    input: { name: row.input_name, sha256: row.input_sha256, bytes: row.total_bytes },
    progress: {
      bytesRead: row.bytes_read,
      rowsRead: row.rows_read,
      rowsRejected: row.rows_rejected,
      share: total > 0 ? Math.min(1, row.bytes_read / total) : row.state === 'done' ? 1 : 0
    },
    summary: parseJsonColumn(row.figures, null),
    error: row.error,
    files: Object.fromEntries(FILES.map((f) => [f, `/v1/reviews/${row.id}/files/${FILE_NAMES[f]}`])) as Record<
      (typeof FILES)[number],
      string
    >,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at
  }
}

export const reviewRoutes: FastifyPluginAsyncTypebox<Services> = async (app, { db, clock, store, scratchDir }) => {
  // A DOJ file is uploaded as the raw body and streamed to disk, never held in memory.
  app.addContentTypeParser(['text/csv', 'application/octet-stream'], (_request, payload, done) => done(null, payload))

  app.post(
    '/reviews',
    {
      config: {
        roles: ['deputy_da', 'da_system'],
        swaggerTransform: streamedBody({
          'text/csv': Type.String({ format: 'binary', description: 'The DOJ bulk file' }),
          'application/octet-stream': Binary
        })
      },
      bodyLimit: 4 * 1024 * 1024 * 1024,
      schema: {
        tags: ['reviews'],
        operationId: 'createReview',
        summary:
          'Upload a DOJ bulk file (Content-Type: text/csv) to review in the background; progress and results at GET /v1/reviews/{id}',
        querystring: ReviewQuery,
        response: { 202: ReviewView, ...bodyErrors, ...authErrors }
      }
    },
    async (request, reply) => {
      const ctx = auditContext(request, clock)
      const county = actingCounty(ctx.principal, request.query.county, '/county')
      const choice = request.query.policy ?? 'county'
      const policy = choice === 'county' ? (await activePolicy(db, county)).policy : builtInPolicy(choice)
      if (!policy)
        throw new ClearfileError('CLEARFILE_ERR_VALIDATION', undefined, [
          { path: '/policy', message: `use county or one of ${Object.keys(BUILT_IN_POLICIES).join(', ')}` }
        ])
      if (typeof (request.body as Readable | undefined)?.pipe !== 'function') {
        throw new ClearfileError(
          'CLEARFILE_ERR_UNSUPPORTED_MEDIA_TYPE',
          'Send the DOJ file as the request body with Content-Type: text/csv'
        )
      }
      const id = newId()
      // Taken to this machine's disk as it arrives (never held in memory), then into the document store.
      const path = join(scratchDir, `${id}.csv.part`)
      await mkdir(dirname(path), { recursive: true, mode: 0o700 })
      let size: number
      try {
        await pipeline(request.body as Readable, createWriteStream(path, { mode: 0o600 }))
        size = (await stat(path)).size
        await store.putFile(uploadKey(id), path)
      } finally {
        await rm(path, { force: true })
      }
      const row = await createReviewRun(
        db,
        {
          id,
          county,
          asOf: request.query.asOf,
          policy,
          inputName: request.query.name ?? null,
          totalBytes: size,
          principal: ctx.principal,
          requestId: request.id
        },
        ctx.now
      )
      return reply.status(202).send(reviewView(row))
    }
  )

  app.get(
    '/reviews/:id',
    {
      schema: {
        tags: ['reviews'],
        operationId: 'getReview',
        summary: 'A review run: state, progress, policy snapshot, list versions and figures',
        params: IdParams,
        response: { 200: ReviewView, ...errorResponses(400, 404), ...authErrors }
      }
    },
    async (request) => {
      const row = await findReviewRun(db, request.params.id, auditContext(request, clock).principal.county)
      return reviewView(row)
    }
  )

  app.get(
    '/reviews/:id/determinations',
    {
      schema: {
        tags: ['reviews'],
        operationId: 'listReviewDeterminations',
        summary: "A review's determinations, paged, filterable by outcome",
        params: IdParams,
        querystring: DeterminationQuery,
        response: { 200: DeterminationPage, ...errorResponses(400, 404), ...authErrors }
      }
    },
    async (request) => {
      const ctx = auditContext(request, clock)
      const row = await findReviewRun(db, request.params.id, ctx.principal.county)
      const q = request.query
      return determinationPage(db, ctx, { ...q, county: row.county, reviewRunId: row.id })
    }
  )

  app.get(
    '/reviews/:id/files/:file',
    {
      schema: {
        tags: ['reviews'],
        operationId: 'getReviewFile',
        summary: "A finished review's determinations.csv, errors.csv or summary.json",
        params: ReviewFileParams,
        response: {
          200: mediaResponse('determinations.csv and errors.csv as CSV, summary.json as JSON', {
            'text/csv': Type.String(),
            'application/json': Type.Unknown()
          }),
          ...errorResponses(400, 404, 409),
          ...authErrors
        }
      }
    },
    async (request, reply) => {
      const ctx = auditContext(request, clock)
      const row = await findReviewRun(db, request.params.id, ctx.principal.county)
      if (row.state !== 'done' && row.state !== 'failed') throw new ClearfileError('CLEARFILE_ERR_REVIEW_NOT_FINISHED')
      const stream = await store.getStream(reviewOutputKey(row.id, request.params.file))
      if (!stream) throw new ClearfileError('CLEARFILE_ERR_NOT_FOUND', 'This review has no such file')
      await recordAudit(db, ctx, [
        {
          action: 'review.download',
          recordType: 'review_run',
          recordId: row.id,
          county: row.county,
          detail: { file: request.params.file }
        }
      ])
      reply.header(
        'content-type',
        request.params.file.endsWith('.json') ? 'application/json' : 'text/csv; charset=utf-8'
      )
      reply.header('content-disposition', `attachment; filename="${request.params.file}"`)
      return reply.send(stream)
    }
  )
}
