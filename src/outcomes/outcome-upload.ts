import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { CourtEntry } from '../../schemas/courts.js'
import type { AuditContext } from '../db/audit-repository.js'
import { newId } from '../db/ids.js'
import type { Database } from '../db/schema.js'
import { ClearfileError } from '../errors.js'
import { DEFAULT_REPORT_COLUMNS } from './outcome-report.js'
import { parseReport } from './report-parse.js'
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
  upload: { county: string; court: CourtEntry; bytes: Buffer; fileName: string | null; xml?: boolean },
  limits: { maxLines: number } = { maxLines: Number.POSITIVE_INFINITY }
): Promise<string> {
  const lines = lineCount(upload.bytes)
  if (lines > limits.maxLines)
    throw new ClearfileError(
      'CLEARFILE_ERR_PAYLOAD_TOO_LARGE',
      `The report has ${lines} lines; one upload may have ${limits.maxLines} (CLEARFILE_OUTCOME_REPORT_MAX_LINES): send it in parts`
    )
  const head = upload.bytes.subarray(0, 64).toString('utf8')
  const xml =
    upload.xml === true ||
    head
      .trimStart()
      .replace(/^\ufeff/, '')
      .startsWith('<')
  // The court's column names hold for a table exported as XML as for CSV.
  const columns = { ...DEFAULT_REPORT_COLUMNS, ...upload.court.reportColumns }
  const parsed = await parseReport({ bytes: upload.bytes, xml, columns })
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

/** Lines in a file, counted on its bytes (no text is made). */
function lineCount(bytes: Buffer): number {
  let n = bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? 1 : 0
  for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) n++
  return n
}
