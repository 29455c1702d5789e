import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { CourtEntry } from '../../schemas/courts.js'
import type { AuditContext } from '../db/audit-repository.js'
import { newId } from '../db/ids.js'
import type { Database } from '../db/schema.js'
import { DEFAULT_REPORT_COLUMNS } from './outcome-report.js'
import { parseReport } from './report-parse.js'
import { reconcileReport } from './reconcile.js'
import { tooManyLines } from './report-spool.js'

/** A report to reconcile: its bytes, whose court, and whether it said it was XML. */
export interface ReportUpload {
  county: string
  court: CourtEntry
  bytes: Buffer
  fileName: string | null
  /** Declared XML (content type or file name); else XML is told by a leading `<`. */
  xml?: boolean
}

/**
 * Reads a court's outcome report (XML when it says so or starts with `<`: ECF
 * messages, or a table with the court's column names; else CSV with those
 * names) and reconciles it; returns the stored report's id. The one path for
 * uploads reconciled on the spot and for reports dropped in a file-drop court's inbox.
 */
export async function reconcileUpload(
  db: Kysely<Database>,
  ctx: AuditContext,
  upload: ReportUpload,
  limits: { maxLines: number } = { maxLines: Number.POSITIVE_INFINITY }
): Promise<string> {
  const lines = lineCount(upload.bytes)
  if (lines > limits.maxLines) throw tooManyLines(lines, limits.maxLines)
  const id = newId()
  await reconcileBytes(db, ctx, { ...upload, reportId: id })
  return id
}

/** Parses and reconciles a report under a given id (a new one, or a queued upload's). */
export async function reconcileBytes(
  db: Kysely<Database>,
  ctx: AuditContext,
  upload: ReportUpload & { reportId: string }
): Promise<void> {
  const xml = isXmlReport(upload.bytes, upload.xml)
  // The court's column names hold for a table exported as XML as for CSV.
  const columns = { ...DEFAULT_REPORT_COLUMNS, ...upload.court.reportColumns }
  const parsed = await parseReport({ bytes: upload.bytes, xml, columns })
  await reconcileReport(db, ctx, {
    reportId: upload.reportId,
    county: upload.county,
    court: upload.court,
    parsed,
    format: xml ? 'xml' : 'csv',
    fileName: upload.fileName,
    sha256: createHash('sha256').update(upload.bytes).digest('hex')
  })
}

/** Whether a report is XML: declared so, or its first character (past a byte-order mark) is `<`. */
export function isXmlReport(head: Buffer, declared: boolean | undefined): boolean {
  return (
    declared === true ||
    head
      .subarray(0, 64)
      .toString('utf8')
      .trimStart()
      .replace(/^\ufeff/, '')
      .startsWith('<')
  )
}

/** Lines in a file, counted on its bytes (no text is made). */
function lineCount(bytes: Buffer): number {
  let n = bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? 1 : 0
  for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) n++
  return n
}
