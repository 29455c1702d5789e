import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
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
import { DojUpdateQuery, OutcomeReportQuery, OutcomeReportView } from '../../../schemas/api/outcome-reports.js'
import { toCsv } from '../../csv.js'
import { recordAudit } from '../../db/audit-repository.js'
import { asBulkWork } from '../../db/work-priority.js'
import type { OutcomeReportsTable } from '../../db/schema.js'
import { ClearfileError } from '../../errors.js'
import { dojUpdateRows } from '../../outcomes/doj-updates.js'
import { newId } from '../../db/ids.js'
import { isXmlReport, reconcileBytes } from '../../outcomes/outcome-upload.js'
import { queueOutcomeReport } from '../../outcomes/report-job.js'
import { spoolReport, tooManyBytes, type SpooledReport, type SpoolLimits } from '../../outcomes/report-spool.js'
import type { Reconciliation } from '../../outcomes/reconcile.js'
import type { Services } from '../../services.js'
import { actingCounty, auditContext } from '../auth.js'
import { MAY } from '../roles.js'
import { findOutcomeReport } from '../../db/outcome-repository.js'

function reportView(row: OutcomeReportsTable) {
  const r = JSON.parse(row.result) as Reconciliation
  return {
    id: row.id,
    county: row.county,
    court: row.court_id,
    state: row.state,
    ...(row.error ? { error: row.error } : {}),
    format: row.format,
    fileName: row.file_name,
    sha256: row.sha256,
    lines: row.lines,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    summary: {
      matched: r.matched.length,
      alreadyRecorded: r.alreadyRecorded.length,
      conflicts: r.conflicts.length,
      unmatched: r.unmatched.length,
      omitted: r.omitted.length,
      malformed: r.malformed.length
    },
    ...r
  }
}

/** What a queued report shows until it is reconciled: nothing matched yet. */
const NOTHING_YET: Reconciliation = {
  matched: [],
  alreadyRecorded: [],
  conflicts: [],
  unmatched: [],
  omitted: [],
  malformed: [],
  notes: []
}

/**
 * The uploaded report, written to `path` as it arrives: a multipart form's
 * `file` (and `court` field), or the raw body. Nothing is held in memory.
 */
async function spooled(
  request: FastifyRequest,
  path: string,
  limits: SpoolLimits
): Promise<{ file: SpooledReport; fileName: string | null; court: string | undefined; xml: boolean }> {
  const query = request.query as { court?: string; filename?: string }
  const declared = Number(request.headers['content-length'])
  // Refused before a byte is read when the client says how much it sends.
  if (declared > limits.maxBytes + 64 * 1024) throw tooManyBytes(limits.maxBytes)
  if (request.isMultipart()) {
    let file: { spooled: SpooledReport; name: string; type: string } | undefined
    let court: string | undefined
    for await (const part of request.parts()) {
      if (part.type === 'file')
        file = { spooled: await spoolReport(part.file, path, limits), name: part.filename, type: part.mimetype }
      else if (part.fieldname === 'court') court = String(part.value)
    }
    if (!file)
      throw new ClearfileError('CLEARFILE_ERR_VALIDATION', 'The form has no file', [
        { path: '/file', message: 'is required' }
      ])
    return {
      file: file.spooled,
      fileName: file.name,
      court: court || query.court,
      xml: /xml/.test(file.type) || /\.xml$/i.test(file.name)
    }
  }
  const body: unknown = request.body
  // A JSON body (or any other the app parses into an object) is no report: say which types are.
  if (!(body instanceof Readable)) {
    throw new ClearfileError(
      'CLEARFILE_ERR_UNSUPPORTED_MEDIA_TYPE',
      'An outcome report is CSV (text/csv), XML (application/xml, text/xml) or a multipart form with a file'
    )
  }
  return {
    file: await spoolReport(body, path, limits),
    fileName: query.filename ?? null,
    court: query.court,
    xml: /xml/.test(request.headers['content-type'] ?? '')
  }
}

export const outcomeReportRoutes: FastifyPluginAsyncTypebox<Services> = async (app, deps) => {
  const { db, clock, config, store, scratchDir } = deps
  const { courts } = deps
  const maxBytes = config.outcomeReportMaxBytes
  const limits = { maxBytes, maxLines: config.outcomeReportMaxLines }
  await app.register(multipart, { limits: { fileSize: maxBytes, files: 1, fields: 4 } })
  // A report is streamed to disk as it arrives, never held in memory (spooled, below).
  app.addContentTypeParser(['text/csv', 'application/xml', 'text/xml'], (_request, payload, done) =>
    done(null, payload)
  )

  app.post(
    '/outcome-reports',
    {
      config: {
        roles: [...MAY.uploadOutcomeReports],
        swaggerTransform: streamedBody({
          'multipart/form-data': Type.Object({
            file: Type.String({ format: 'binary', description: 'The report: CSV, or ECF XML (by type or .xml name)' }),
            court: Type.Optional(Type.String({ description: 'The court the report is from; else ?court=' }))
          }),
          'text/csv': Binary,
          'application/xml': Binary,
          'text/xml': Binary
        })
      },
      bodyLimit: maxBytes,
      schema: {
        tags: ['outcomes'],
        operationId: 'uploadOutcomeReport',
        summary:
          "Upload a court's outcome report (CSV or ECF XML; multipart form field `file`, or the raw body) and reconcile it against what was filed",
        querystring: OutcomeReportQuery,
        response: {
          201: OutcomeReportView,
          202: OutcomeReportView,
          ...bodyErrors,
          ...errorResponses(404, 409),
          ...authErrors
        }
      }
    },
    async (request, reply) => {
      const ctx = auditContext(request, clock)
      const id = newId()
      // Spooled on this machine's disk while it is checked; a report reconciled later waits in the document store.
      const uploadKey = `outcome-reports/${id}.upload`
      const path = join(scratchDir, `${id}.upload`)
      await mkdir(scratchDir, { recursive: true, mode: 0o700 })
      let queued = false
      let stored = false
      try {
        const upload = await spooled(request, path, limits)
        if (upload.file.bytes === 0)
          throw new ClearfileError('CLEARFILE_ERR_VALIDATION', 'The report is empty', [
            { path: '/', message: 'is empty' }
          ])
        // The court says the county: admin keys need name neither when the court (or the only court) is known.
        const named =
          ctx.principal.county ?? (request.query.county ? actingCounty(ctx.principal, request.query.county) : null)
        const candidates = [...courts.values()].filter((c) => named === null || c.county === named)
        const court = upload.court
          ? candidates.find((c) => c.id === upload.court)
          : candidates.length === 1
            ? candidates[0]
            : undefined
        if (!court) {
          throw new ClearfileError(
            upload.court ? 'CLEARFILE_ERR_NOT_FOUND' : 'CLEARFILE_ERR_VALIDATION',
            upload.court
              ? `No court ${upload.court}${named ? ` in ${named}` : ''}`
              : 'Name the court the report is from',
            [
              {
                path: '/court',
                message: upload.court ? 'is not a court of this county' : 'is required when there are several courts'
              }
            ]
          )
        }
        const xml = isXmlReport(upload.file.head, upload.xml)
        if (upload.file.bytes <= config.outcomeReportInlineMaxBytes) {
          // Small enough to reconcile while the clerk waits: the answer is the reconciliation. A report's lines are
          // matched in one transaction, as bulk work: a deputy's reads go first.
          const bytes = await readFile(path)
          await asBulkWork(() =>
            reconcileBytes(db, ctx, {
              reportId: id,
              county: court.county,
              court,
              bytes,
              fileName: upload.fileName,
              xml
            })
          )
          const row = await findOutcomeReport(db, id, null)
          return reply.status(201).send(reportView(row!))
        }
        // Larger: reconciled in the background from the file; the clerk follows GET /v1/outcome-reports/{id}.
        stored = true
        await store.putFile(uploadKey, path)
        await queueOutcomeReport(db, ctx, {
          id,
          county: court.county,
          court_id: court.id,
          format: xml ? 'xml' : 'csv',
          file_name: upload.fileName,
          sha256: upload.file.sha256,
          lines: upload.file.lines,
          result: JSON.stringify(NOTHING_YET),
          uploaded_by: ctx.principal.clientId,
          created_at: ctx.now.toISOString(),
          upload_path: uploadKey
        })
        queued = true
        const row = await findOutcomeReport(db, id, null)
        return reply.status(202).header('location', `/v1/outcome-reports/${id}`).send(reportView(row!))
      } finally {
        if (!queued) {
          await rm(path, { force: true })
          if (stored) await store.delete(uploadKey).catch(() => undefined)
        }
      }
    }
  )

  const find = async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const ctx = auditContext(request, clock)
    const row = await findOutcomeReport(db, request.params.id, ctx.principal.county)
    if (!row) throw new ClearfileError('CLEARFILE_ERR_NOT_FOUND', 'No such outcome report')
    await recordAudit(db, ctx, [
      { action: 'outcome_report.read', recordType: 'outcome_report', recordId: row.id, county: row.county }
    ])
    return row
  }

  app.get(
    '/outcome-reports/:id',
    {
      config: { roles: ['clerk', 'deputy_da', 'da_system'] },
      schema: {
        tags: ['outcomes'],
        operationId: 'getOutcomeReport',
        summary: 'An outcome report and its reconciliation',
        params: IdParams,
        response: { 200: OutcomeReportView, ...errorResponses(400, 404), ...authErrors }
      }
    },
    async (request) => reportView(await find(request))
  )

  app.get(
    '/outcome-reports/:id/reconciliation.csv',
    {
      config: { roles: ['clerk', 'deputy_da', 'da_system'] },
      schema: {
        tags: ['outcomes'],
        operationId: 'getOutcomeReportCsv',
        summary: 'The reconciliation as CSV: one row per line, count or omitted filing, by category',
        params: IdParams,
        response: {
          200: mediaResponse('One row per report line, count or omitted filing', { 'text/csv': Type.String() }),
          ...errorResponses(400, 404, 409),
          ...authErrors
        }
      }
    },
    async (request, reply) => {
      const row = await find(request)
      if (row.state !== 'done')
        throw new ClearfileError(
          'CLEARFILE_ERR_REPORT_NOT_FINISHED',
          row.state === 'failed' ? `The report could not be reconciled: ${row.error}` : undefined
        )
      const r = JSON.parse(row.result) as Reconciliation
      const rows: Array<ReadonlyArray<unknown>> = [
        ['category', 'line', 'filing_id', 'conviction_id', 'case_number', 'count_order', 'ruling', 'detail']
      ]
      for (const [category, list] of [
        ['matched', r.matched],
        ['already_recorded', r.alreadyRecorded],
        ['conflict', r.conflicts]
      ] as const) {
        for (const m of list)
          rows.push([
            category,
            m.line,
            m.filingId,
            m.convictionId,
            m.caseNumber,
            m.countOrder,
            m.ruling,
            'recorded' in m ? `recorded ${m.recorded.ruling} (${m.recorded.source})` : m.matchedBy
          ])
      }
      for (const u of r.unmatched) rows.push(['unmatched', u.line, '', '', '', '', '', u.reason])
      for (const u of r.malformed) rows.push(['malformed', u.line, '', '', '', '', '', u.reason])
      for (const o of r.omitted)
        rows.push(['omitted', '', o.filingId, '', o.caseNumbers.join(' '), '', '', `state ${o.state}`])
      // What a report or a case carried is echoed here: toCsv neutralises formula-looking text for spreadsheets.
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="reconciliation-${row.id}.csv"`)
        .send(toCsv(rows))
    }
  )
}

/** GET /v1/exports/doj-updates: the granted relief to report to DOJ, as CSV. */
export const exportRoutes: FastifyPluginAsyncTypebox<Services> = async (app, { db, clock }) => {
  app.get(
    '/exports/doj-updates',
    {
      config: { roles: ['deputy_da', 'clerk', 'admin'] },
      schema: {
        tags: ['outcomes'],
        operationId: 'exportDojUpdates',
        summary:
          'Granted relief per conviction since a date, for DOJ to update the record (CII, subject id, case, count, original and new disposition, order date), as CSV',
        querystring: DojUpdateQuery,
        response: {
          200: mediaResponse('One row per conviction granted relief', { 'text/csv': Type.String() }),
          ...errorResponses(400),
          ...authErrors
        }
      }
    },
    async (request, reply) => {
      const ctx = auditContext(request, clock)
      const county = actingCounty(ctx.principal, request.query.county)
      const since = request.query.since ?? '1970-01-01'
      const { csv, rows } = await dojUpdateRows(db, county, since)
      // The file names people by CII: who took it, and how much, is on the record.
      await recordAudit(db, ctx, [
        {
          action: 'export.doj_updates',
          recordType: 'export',
          recordId: ctx.requestId ?? 'export',
          county,
          detail: { since, rows }
        }
      ])
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="doj-updates-${county.toLowerCase().replace(/\W+/g, '-')}-since-${since}.csv"`
        )
        .send(csv)
    }
  )
}
