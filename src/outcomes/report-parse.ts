import { ClearfileError, isClearfileError, type ErrorCode } from '../errors.js'
import { createWorkerPool, siblingModule } from '../workers/worker-pool.js'
import { parseCsvReport, parseXmlReport, type ParsedReport, type ReportColumns } from './outcome-report.js'

/** What a parse is asked: the report's bytes, whether it is XML, and the court's column names. */
export interface ReportParseTask {
  bytes: Uint8Array
  xml: boolean
  columns: ReportColumns
}

/** A parsed report, or the refusal (a DOCTYPE, say) with its code, which a thread boundary would otherwise lose. */
export type ReportParseAnswer = { parsed: ParsedReport } | { refused: { code: ErrorCode; message: string } }

/** Reads a report's bytes; the same function runs inline and in the worker thread. */
export function parseReportBytes(task: ReportParseTask): ReportParseAnswer {
  const text = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength).toString('utf8')
  try {
    return { parsed: task.xml ? parseXmlReport(text, task.columns) : parseCsvReport(text, task.columns) }
  } catch (err) {
    if (isClearfileError(err)) return { refused: { code: err.code, message: err.message } }
    throw err
  }
}

/** Reports up to this size are read on the spot: starting a thread would cost more than reading them. */
const INLINE_BYTES = 256 * 1024

/**
 * Reads a court's outcome report, in a worker thread of its own when it is large, so that the event loop
 * keeps answering every other request (a 300,000-line report takes seconds to read).
 */
export async function parseReport(task: ReportParseTask): Promise<ParsedReport> {
  let answer: ReportParseAnswer
  if (task.bytes.byteLength <= INLINE_BYTES) answer = parseReportBytes(task)
  else {
    const pool = createWorkerPool<ReportParseTask, ReportParseAnswer>(
      siblingModule(import.meta.url, 'report-parse-worker'),
      { size: 1 }
    )
    try {
      answer = await pool.run(task)
    } finally {
      await pool.close()
    }
  }
  if ('refused' in answer) throw new ClearfileError(answer.refused.code, answer.refused.message)
  return answer.parsed
}
