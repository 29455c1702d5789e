import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { once } from 'node:events'
import type { Readable } from 'node:stream'
import { ClearfileError } from '../errors.js'

/** What was learnt of an upload while it was written to disk. */
export interface SpooledReport {
  path: string
  bytes: number
  /** Lines, counted as `lineCount` counts them on bytes in memory. */
  lines: number
  sha256: string
  /** The first bytes, to tell XML from CSV. */
  head: Buffer
}

export interface SpoolLimits {
  maxBytes: number
  maxLines: number
}

/** Said when an upload passes a limit: the same words whether it was counted in memory or on the way to disk. */
export function tooManyLines(lines: number | null, maxLines: number): ClearfileError {
  return new ClearfileError(
    'CLEARFILE_ERR_PAYLOAD_TOO_LARGE',
    `The report has ${lines ?? `more than ${maxLines}`} lines; one upload may have ${maxLines} (CLEARFILE_OUTCOME_REPORT_MAX_LINES): send it in parts`
  )
}

export function tooManyBytes(maxBytes: number): ClearfileError {
  return new ClearfileError(
    'CLEARFILE_ERR_PAYLOAD_TOO_LARGE',
    `One upload may have ${maxBytes} bytes (CLEARFILE_OUTCOME_REPORT_MAX_BYTES): send the report in parts`
  )
}

/**
 * Writes an uploaded report to `path` as it arrives, never holding it in
 * memory, counting bytes, lines and its SHA-256 on the way. Past a limit the
 * upload is stopped, the partial file removed and a 413 thrown: a clerk's
 * 1,000,000-line export costs a disk write, not the service's memory.
 */
export async function spoolReport(source: Readable, path: string, limits: SpoolLimits): Promise<SpooledReport> {
  const hash = createHash('sha256')
  let bytes = 0
  let newlines = 0
  let last = -1
  let head = Buffer.alloc(0)
  const part = `${path}.part`
  const out = createWriteStream(part, { mode: 0o600 })
  // A disk error (full, gone) is thrown at the next chunk, not left to crash the process.
  let writeError: Error | undefined
  out.on('error', (err) => {
    writeError = err
  })
  try {
    // Not destroyed when the loop is left early: the rest is drained (below), so the client still hears the 413.
    for await (const chunk of source.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      bytes += chunk.length
      if (bytes > limits.maxBytes) throw tooManyBytes(limits.maxBytes)
      for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) newlines++
      // More lines than the limit is refused before the rest is read.
      if (newlines > limits.maxLines) throw tooManyLines(null, limits.maxLines)
      if (chunk.length > 0) last = chunk[chunk.length - 1]!
      if (head.length < 64) head = Buffer.concat([head, chunk.subarray(0, 64 - head.length)])
      hash.update(chunk)
      if (writeError) throw writeError
      if (!out.write(chunk)) await once(out, 'drain')
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())))
    // A last line without its newline is a line too.
    const lines = newlines + (bytes > 0 && last !== 0x0a ? 1 : 0)
    if (lines > limits.maxLines) throw tooManyLines(lines, limits.maxLines)
    await rename(part, path)
    return { path, bytes, lines, sha256: hash.digest('hex'), head }
  } catch (err) {
    source.resume()
    // The file is removed once the stream has closed it: a stream destroyed while its file is still being opened
    // opens (and so makes) it afterwards, and an rm that ran first left it behind (seen under load in CI).
    if (!out.closed) {
      const closed = once(out, 'close').catch(() => undefined)
      out.destroy()
      await closed
    }
    await rm(part, { force: true })
    throw err
  }
}
