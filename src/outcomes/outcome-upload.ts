import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { CourtEntry } from '../../schemas/courts.js'
import type { AuditContext } from '../db/audit-repository.js'
import { newId } from '../db/ids.js'
import type { Database } from '../db/schema.js'
import { DEFAULT_REPORT_COLUMNS, parseCsvReport, parseXmlReport } from './outcome-report.js'
import { reconcileReport } from './reconcile.js'

/**
 * Reads a court's outcome report (XML when it says so or starts with `<`: ECF
 * messages, or a table with the court's column names; else CSV with those
 * names) and reconciles it; returns the stored report's id. The one path for
 * uploads and for reports dropped in a file-drop court's inbox.
 */
export async function reconcileUpload(
  db: Kysely<Database>,
  ctx: AuditContext,
  upload: { county: string; court: CourtEntry; bytes: Buffer; fileName: string | null; xml?: boolean }
): Promise<string> {
  const text = upload.bytes.toString('utf8')
  const xml = upload.xml === true || text.trimStart().startsWith('<')
  // The court's column names hold for a table exported as XML as for CSV.
  const columns = { ...DEFAULT_REPORT_COLUMNS, ...upload.court.reportColumns }
  const parsed = xml ? parseXmlReport(text, columns) : parseCsvReport(text, columns)
  const id = newId()
  await reconcileReport(db, ctx, {
    reportId: id,
    county: upload.county,
    court: upload.court,
    parsed,
    format: xml ? 'xml' : 'csv',
    fileName: upload.fileName,
    sha256: createHash('sha256').update(upload.bytes).digest('hex')
  })
  return id
}
