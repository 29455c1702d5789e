import { isAscii } from 'node:buffer'
import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { yieldToEventLoop } from '../event-loop.js'
import { BROKEN_RECORD, DOJ_FIELD_COUNT, splitCsvRecord } from './doj-file.js'

/**
 * Whole records of a DOJ file as bytes, and where each lies in them: the form
 * in which a file's rows travel to a review worker (its buffers are moved, not
 * copied) without being turned into a string a row on the reading thread.
 */
export interface RecordBlock {
  /** The bytes the records lie in (a buffer of its own, so it can be moved to a worker). */
  bytes: Uint8Array
  /**
   * Four numbers a record: its first byte, the byte after its last (a line's
   * `\r` left out), its line number, and its kind: 0 a record on one line, -1
   * one across lines (a quoted line break), or, for a record whose quote never
   * closed, the last line it took.
   */
  spans: Int32Array
  count: number
  /**
   * Where the fields the review reads lie in each record on one line (`locateBlockFields`), when the reading thread
   * has found them; a worker finds them itself otherwise.
   */
  fields?: Int32Array
}

/** Numbers a record takes in `RecordBlock.spans`. */
export const SPAN = 4
/** The kind of a record across lines. */
export const MULTI_LINE = -1
/** A block is read this many bytes at a time: about 4,000 rows, a review batch. */
const READ_BYTES = 2 * 1024 * 1024
// A record still open after this many lines is not a quoted line break: it is a quote that never closes.
const MAX_RECORD_LINES = 50
const HEADER_PREFIX = 'RECORD_ID'
/**
 * Handed to a sink row by row in one turn of the event loop, a 4 MB read once held a service reviewing a county for
 * up to 300 ms (bench:statewide's profile), with /healthz and every request waiting. Past this many milliseconds
 * the loop is let turn between rows.
 */
const TURN_MS = 10

/** The text of a block's records, with their line numbers (a record whose quote never closed as `BROKEN_RECORD<from>-<to>`). */
export function recordsOf(block: RecordBlock): { records: string[]; lines: number[] } {
  const { bytes, spans, count } = block
  const records = new Array<string>(count)
  const lines = new Array<number>(count)
  const buffer = bufferOf(bytes)
  const run = asciiRun(buffer)
  for (let i = 0; i < count; i++) {
    lines[i] = spans[i * SPAN + 2]!
    records[i] = recordAt(block, i, buffer, textFor(run, block, i), run?.start)
  }
  return { records, lines }
}

/** The same bytes as a Buffer (a view, not a copy), for Buffer's decoding. */
export const bufferOf = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)

/** Bytes of a block decoded into one string at most: small enough for V8's young generation, whose pages are reused. */
const RUN_BYTES = 32 * 1024

/**
 * The decoded text of an ASCII block's records (most DOJ files), a run of them at a time: bytes `start` to `end`
 * of the block as one-byte text, in which a byte's offset less `start` is its character's. Decoding the whole 2 MiB
 * block at once put the string in V8's large-object space, on fresh pages each time, and faulting them in took about
 * a sixth of a review worker.
 */
export interface TextRun {
  buffer: Buffer
  text: string
  start: number
  end: number
}

/** A run over a block's bytes, none decoded yet; undefined when the block is not ASCII (each record is then decoded alone). */
export function asciiRun(buffer: Buffer): TextRun | undefined {
  return isAscii(buffer) ? { buffer, text: '', start: 0, end: 0 } : undefined
}

/**
 * The run's text, holding record i: the run is moved on when the record ends past it, to the records from i on that
 * end within RUN_BYTES of its start (record i at least). Records are asked for in order.
 */
export function textFor(run: TextRun | undefined, block: RecordBlock, i: number): string | undefined {
  if (run === undefined) return undefined
  const { spans, count } = block
  if (spans[i * SPAN + 1]! > run.end) {
    const start = spans[i * SPAN]!
    let j = i
    while (j + 1 < count && spans[(j + 1) * SPAN + 1]! - start <= RUN_BYTES) j++
    run.start = start
    run.end = spans[j * SPAN + 1]!
    run.text = run.buffer.toString('latin1', start, run.end)
  }
  return run.text
}

/**
 * Record i of a block: sliced from the block's decoded text when there is one (ASCII; `text` holding the block's
 * bytes from `base` on, as a `TextRun`'s), else decoded alone.
 */
export function recordAt(block: RecordBlock, i: number, buffer: Buffer, text?: string, base = 0): string {
  const { spans } = block
  const start = spans[i * SPAN]!
  const end = spans[i * SPAN + 1]!
  const kind = spans[i * SPAN + 3]!
  if (kind > 0) return `${BROKEN_RECORD}${spans[i * SPAN + 2]!}-${kind}`
  const record = text !== undefined ? text.slice(start - base, end - base) : buffer.toString('utf8', start, end)
  // A record across lines keeps its line breaks as `\n`, each line's `\r` dropped.
  return kind === MULTI_LINE ? record.replace(/\r\n/g, '\n') : record
}

/**
 * Where the block's last person's records begin, so that a batch never splits
 * a person: before the first of their records that follows another person's
 * (a record with no SUBJECT_ID stays with the person before it). 0 when the
 * block holds one person only; all of them when no record names anyone.
 */
export function lastPersonStart(block: RecordBlock): number {
  const buffer = bufferOf(block.bytes)
  let person: string | undefined
  let first = block.count
  for (let i = block.count - 1; i >= 0; i--) {
    const id = subjectIdOf(recordAt(block, i, buffer))
    if (id === '') continue
    if (person === undefined) person = id
    else if (id !== person) return first
    first = i
  }
  return person === undefined ? block.count : 0
}

function oddQuotes(s: string): boolean {
  let n = 0
  for (let i = s.indexOf('"'); i !== -1; i = s.indexOf('"', i + 1)) n++
  return n % 2 === 1
}

/** A line that is a whole DOJ row on its own: its quotes close and it has all 95 fields. */
function isWholeRow(line: string): boolean {
  if (line.indexOf('"') === -1) return line.split(',').length === DOJ_FIELD_COUNT
  return !oddQuotes(line) && splitCsvRecord(line).length === DOJ_FIELD_COUNT
}

/** Field 2 (SUBJECT_ID), read without splitting the rest of the row; quote-aware for the two fields before it. */
export function subjectIdOf(record: string): string {
  let start = 0
  for (let field = 0; field < 2; field++) {
    if (record.charCodeAt(start) === 34 /* " */) return (splitCsvRecord(record)[2] ?? '').trim()
    const comma = record.indexOf(',', start)
    if (comma === -1) return ''
    start = comma + 1
  }
  if (record.charCodeAt(start) === 34) return (splitCsvRecord(record)[2] ?? '').trim()
  const end = record.indexOf(',', start)
  return record.slice(start, end === -1 ? undefined : end).trim()
}

export interface BlockReader {
  /**
   * How many of the block's records to hand over now (the rest wait for the
   * next block, their bytes carried into it). Not asked of the file's last
   * block, which is handed over whole. Default: all of them.
   */
  cut?: (block: RecordBlock) => number
  /** Receives the records handed over, in a block of their own; false stops the read. */
  onBlock: (block: RecordBlock) => boolean | Promise<boolean>
  /** Bytes read at a time (default 2 MiB, about 4,000 rows); small in tests, to put block edges everywhere. */
  readBytes?: number
  /**
   * A buffer of at least `size` bytes to read into, of its own (it is handed over in a block): a caller that gets
   * blocks' buffers back hands them out again, so the file is not read into fresh memory every time (fresh memory's
   * page faults were 7.5% of a review's CPU on a virtual machine). Default: a new buffer.
   */
  allocate?: (size: number) => Buffer
}

/**
 * Streams a CSV file as blocks of whole records (a quoted field may hold a
 * line break), skipping a `RECORD_ID…` header, hashing the bytes as they pass;
 * the bytes are never decoded here. A quote that never closes would swallow
 * the rest of the file: when a line that is a whole row on its own arrives
 * while a record is still open (or the record runs past MAX_RECORD_LINES), the
 * open record is handed over as broken, naming the lines it took, and reading
 * starts again at that line.
 */
export async function readRecordBlocks(
  file: string,
  reader: BlockReader,
  progress?: (bytes: number) => void
): Promise<{ sha256: string; stopped: boolean }> {
  const handle = await open(file, 'r')
  const hash = createHash('sha256')
  const readBytes = reader.readBytes ?? READ_BYTES
  const allocate = reader.allocate ?? Buffer.allocUnsafeSlow
  let bytes: Uint8Array = allocate(readBytes)
  let filled = 0
  let spans = new Int32Array(SPAN * 8192)
  let count = 0
  let scanFrom = 0
  let nextQuote = -1
  let lineNo = 0
  let bytesRead = 0
  // An open record: its first byte and line, lines taken, where its last line ends, whether its quotes are odd.
  let pending = false
  let pendingStart = 0
  let pendingLine = 0
  let pendingLines = 0
  let pendingEnd = 0
  let pendingOdd = false

  const add = (start: number, end: number, line: number, kind: number) => {
    if ((count + 1) * SPAN > spans.length) {
      const grown = new Int32Array(spans.length * 2)
      grown.set(spans)
      spans = grown
    }
    const at = count++ * SPAN
    spans[at] = start
    spans[at + 1] = end
    spans[at + 2] = line
    spans[at + 3] = kind
  }
  const broken = () => {
    add(pendingStart, pendingEnd, pendingLine, pendingLine + pendingLines - 1)
    pending = false
  }
  /** Whether the line [start, end) holds an odd number of quotes: counted from the next quote on, never rescanned. */
  const odd = (start: number, end: number) => {
    if (nextQuote !== Number.POSITIVE_INFINITY && nextQuote < start) {
      const q = bytes.indexOf(34, start)
      nextQuote = q === -1 || q >= filled ? Number.POSITIVE_INFINITY : q
    }
    let n = 0
    while (nextQuote < end) {
      n++
      const q = bytes.indexOf(34, nextQuote + 1)
      nextQuote = q === -1 || q >= filled ? Number.POSITIVE_INFINITY : q
    }
    return (n & 1) === 1
  }
  const latin1 = (start: number, end: number) => bufferOf(bytes).toString('latin1', start, end)
  const line = (start: number, lineEnd: number) => {
    lineNo++
    const end = lineEnd > start && bytes[lineEnd - 1] === 13 /* \r */ ? lineEnd - 1 : lineEnd
    const isOdd = odd(start, end)
    if (pending) {
      // Fields are told apart by commas and quotes alone, so the line's bytes read as one-byte text count them right.
      if (isWholeRow(latin1(start, end))) broken()
      else {
        pendingLines++
        pendingEnd = end
        pendingOdd = pendingOdd !== isOdd
        if (!pendingOdd) {
          add(pendingStart, end, pendingLine, MULTI_LINE)
          pending = false
        } else if (pendingLines >= MAX_RECORD_LINES) broken()
        return
      }
    }
    if (lineNo === 1 && latin1(start, Math.min(end, start + HEADER_PREFIX.length)) === HEADER_PREFIX) return
    if (end === start) return
    if (isOdd) {
      pending = true
      pendingStart = start
      pendingLine = lineNo
      pendingLines = 1
      pendingEnd = end
      pendingOdd = true
      return
    }
    add(start, end, lineNo, 0)
  }

  let stopped = false
  try {
    for (;;) {
      const { bytesRead: n } = await handle.read(bytes, filled, bytes.length - filled, null)
      const last = n === 0
      if (n > 0) {
        hash.update(bytes.subarray(filled, filled + n))
        filled += n
        bytesRead += n
        nextQuote = -1 // quotes past the old end were not looked for
      }
      for (;;) {
        const nl = bytes.indexOf(10, scanFrom)
        if (nl === -1 || nl >= filled) break
        line(scanFrom, nl)
        scanFrom = nl + 1
      }
      if (last) {
        if (scanFrom < filled) line(scanFrom, filled)
        scanFrom = filled
        if (pending) broken()
      } else if (filled < bytes.length) continue
      const take = last || !reader.cut ? count : Math.min(count, reader.cut({ bytes, spans, count }))
      // What is carried into the next block: the records not taken, an open record, the line not yet ended.
      const carryFrom = take < count ? spans[take * SPAN]! : pending ? pendingStart : scanFrom
      const next: Uint8Array = last ? bytes : allocate(filled - carryFrom + readBytes)
      if (!last) next.set(bytes.subarray(carryFrom, filled))
      const handed: RecordBlock = {
        bytes: bytes.subarray(0, carryFrom),
        spans: spans.slice(0, take * SPAN),
        count: take
      }
      const carried = spans.subarray(take * SPAN, count * SPAN)
      for (let i = 0; i < carried.length; i += SPAN) {
        carried[i]! -= carryFrom
        carried[i + 1]! -= carryFrom
      }
      spans.copyWithin(0, take * SPAN, count * SPAN)
      count -= take
      filled -= carryFrom
      scanFrom -= carryFrom
      pendingStart -= carryFrom
      pendingEnd -= carryFrom
      nextQuote = -1
      bytes = next
      progress?.(bytesRead)
      if (handed.count > 0 && (await reader.onBlock(handed)) === false) {
        stopped = true
        break
      }
      if (last) break
    }
  } finally {
    await handle.close()
  }
  return { sha256: hash.digest('hex'), stopped }
}

type RecordSink = (record: string, line: number) => boolean | Promise<boolean>

/**
 * Streams a CSV file record by record, as `readRecordBlocks` reads it; the
 * sink returns false to stop early. The event loop is let turn between
 * records, not only between blocks.
 */
export function readRecords(
  file: string,
  sink: RecordSink,
  progress?: (bytes: number) => void,
  readBytes?: number
): Promise<{ sha256: string; stopped: boolean }> {
  let turnStarted = performance.now()
  return readRecordBlocks(
    file,
    {
      ...(readBytes ? { readBytes } : {}),
      onBlock: async (block) => {
        const { records, lines } = recordsOf(block)
        for (let i = 0; i < records.length; i++) {
          const r = sink(records[i]!, lines[i]!)
          if ((r instanceof Promise ? await r : r) === false) return false
          if ((i & 511) === 511 && performance.now() - turnStarted > TURN_MS) {
            await yieldToEventLoop()
            turnStarted = performance.now()
          }
        }
        return true
      }
    },
    progress
  )
}
