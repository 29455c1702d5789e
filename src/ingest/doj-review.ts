import { isAscii } from 'node:buffer'
import { createHash } from 'node:crypto'
import { createWriteStream, type WriteStream } from 'node:fs'
import { mkdir, open, rename, stat, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { basename, join } from 'node:path'
import { StringDecoder } from 'node:string_decoder'
import { listVersions } from '../eligibility/offense-lists.js'
import type { Policy } from '../eligibility/policy.js'
import { PROP64_LIST } from '../eligibility/prop64-floor.js'
import { yieldToEventLoop } from '../event-loop.js'
import { createWorkerPool, siblingModule, type WorkerPool } from '../workers/worker-pool.js'
import { DOJ_FIELD_COUNT, splitCsvRecord } from './doj-file.js'
import {
  addStats,
  countiesOf,
  csvLine,
  decisionOutput,
  DETERMINATION_COLUMNS,
  emptyStats,
  ERROR_COLUMNS,
  ledgerBalances,
  reviewBatch,
  type BatchOptions,
  type BatchResult,
  type BatchStats,
  type DecidedSubject,
  type Ledger
} from './doj-review-batch.js'
import { BROKEN_RECORD } from './doj-file.js'

export interface DojReviewOptions {
  file: string
  county: string
  asOf: string
  policy: Policy
  /** Where determinations.csv, summary.json and errors.csv go. */
  outDir: string
  /** Worker threads (default: every core, or none for a file under 64 MB, where starting them costs more than they save). 0 reviews on the calling thread. */
  workers?: number
  /** Called now and then with how far the review has got: bytes and rows read, and rows decided (written out). */
  onProgress?: (progress: { bytesRead: number; totalBytes: number; rowsRead: number; rowsDecided: number }) => void
  /** Called now and then during the read that checks the file's order first (with onBatch only, before any row is decided). */
  onOrderCheck?: (progress: { bytesRead: number; totalBytes: number }) => void
  /**
   * Receives each batch's decided subjects in file order (for storing them);
   * batches wait for it. It may answer with the subjects' determinations as
   * they stand after storing (decided from the person's whole stored record);
   * the outputs then show those.
   */
  onBatch?: (result: BatchResult) => Promise<DecidedSubject[] | undefined | void>
}

export interface ReviewSummary {
  file: string
  inputSha256: string
  county: string
  asOf: string
  policy: { name: string; version: string }
  listVersions: Record<string, string>
  /** `grouped`: rows of a person were together and memory stayed flat; `regrouped`: they were not, so the file was read twice. */
  readMode: 'grouped' | 'regrouped'
  rowsRead: number
  rowsRejected: number
  warnings: number
  /**
   * Where every row went: decided, not a conviction, outside the county, not a
   * Prop 64 offense, or unreadable (each with a line in errors.csv). The
   * buckets add up to `rowsRead`; a run whose ledger does not balance fails.
   */
  ledger: Ledger & { balanced: boolean; determinations: number }
  /** Conviction rows per county named in the file, most first. */
  countiesInFile: Record<string, number>
  people: number
  peopleWithProp64ConvictionInCounty: number
  prop64ConvictionsInCounty: number
  convictionsBySectionAndOutcome: Record<string, Record<string, number>>
  convictionsByOutcome: Record<string, number>
  convictionsByRemedy: Record<string, number>
  peopleLeftWithNoFelony: number
  peopleLeftWithNoConviction: number
  /** The whole run, start to end. */
  seconds: number
  /** Of `seconds`, the time the review waited for `onBatch` (papers rendered, rows stored): not reading's time. */
  secondsHandingOver: number
  /** Rows read and decided per second of the review's own time (`seconds - secondsHandingOver`). */
  rowsPerSecond: number
}

export interface DojReviewResult {
  /** False when the file could not be read as a DOJ file at all; `reason` says why in one line. */
  ok: boolean
  reason?: string
  summary: ReviewSummary
}

const BATCH_ROWS = 4000
const SMALL_FILE_BYTES = 64 * 1024 * 1024
const READ_CHUNK = 4 * 1024 * 1024
/**
 * A chunk is about 15,000 rows: read in one turn of the event loop it held a service reviewing a county for up to
 * 300 ms (bench:statewide's profile), with /healthz and every request waiting. Past this many milliseconds the
 * loop is let turn between rows.
 */
const TURN_MS = 10
const HEADER_PREFIX = 'RECORD_ID'

type RecordSink = (record: string, line: number) => boolean | Promise<boolean>

// A record still open after this many lines is not a quoted line break: it is a quote that never closes.
const MAX_RECORD_LINES = 50

/** Field 2 (SUBJECT_ID), read without splitting the rest of the row; quote-aware for the two fields before it. */
function subjectIdOf(record: string): string {
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

/** A line that is a whole DOJ row on its own: its quotes close and it has all 95 fields. */
function isWholeRow(line: string): boolean {
  return !oddQuotes(line) && splitCsvRecord(line).length === DOJ_FIELD_COUNT
}

/**
 * Streams a CSV file record by record (a quoted field may hold a line break),
 * skipping a `RECORD_ID…` header, hashing the bytes as they pass. The sink
 * returns false to stop early. A quote that never closes would swallow the
 * rest of the file: when a line that is a whole row on its own arrives while
 * a record is still open (or the record runs past MAX_RECORD_LINES), the open
 * record is given to the sink as a broken record naming the lines it took,
 * and reading starts again at that line.
 */
export async function readRecords(
  file: string,
  sink: RecordSink,
  progress?: (bytes: number) => void
): Promise<{ sha256: string; stopped: boolean }> {
  const handle = await open(file, 'r')
  const hash = createHash('sha256')
  const decoder = new StringDecoder('utf8')
  const buffer = Buffer.allocUnsafe(READ_CHUNK)
  let carry = ''
  let pending = ''
  let pendingLine = 0
  let pendingLines = 0
  let lineNo = 0
  let bytes = 0
  let stopped = false
  let turnStarted = 0
  let rowsThisCheck = 0
  const broken = () => {
    const record = `${BROKEN_RECORD}${pendingLine}-${pendingLine + pendingLines - 1}`
    pending = ''
    return sink(record, pendingLine)
  }
  const emit = async (text: string): Promise<boolean> => {
    lineNo++
    const line = text.endsWith('\r') ? text.slice(0, -1) : text
    if (pending !== '') {
      if (line.indexOf('"') === -1 ? line.split(',').length === DOJ_FIELD_COUNT : isWholeRow(line)) {
        if ((await broken()) === false) return false
      } else {
        pending += `\n${line}`
        pendingLines++
        if (!oddQuotes(pending)) {
          const record = pending
          pending = ''
          return sink(record, pendingLine)
        }
        if (pendingLines >= MAX_RECORD_LINES) return broken()
        return true
      }
    }
    if (lineNo === 1 && line.startsWith(HEADER_PREFIX)) return true
    if (line === '') return true
    if (line.indexOf('"') !== -1 && oddQuotes(line)) {
      pending = line
      pendingLine = lineNo
      pendingLines = 1
      return true
    }
    return sink(line, lineNo)
  }
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, null)
      if (bytesRead === 0) break
      turnStarted = performance.now()
      const chunk = buffer.subarray(0, bytesRead)
      hash.update(chunk)
      bytes += bytesRead
      // Most DOJ files are ASCII: decode those chunks as one-byte text, which is much cheaper than UTF-8.
      // (An ASCII chunk cannot finish a multi-byte character, so the decoder holds nothing then.)
      const text = carry + (isAscii(chunk) ? chunk.toString('latin1') : decoder.write(chunk))
      let start = 0
      for (;;) {
        const nl = text.indexOf('\n', start)
        if (nl === -1) break
        const r = emit(text.slice(start, nl))
        if ((r instanceof Promise ? await r : r) === false) {
          stopped = true
          break
        }
        start = nl + 1
        if (++rowsThisCheck === 512) {
          rowsThisCheck = 0
          if (performance.now() - turnStarted > TURN_MS) {
            await yieldToEventLoop()
            turnStarted = performance.now()
          }
        }
      }
      if (stopped) break
      carry = text.slice(start)
      progress?.(bytes)
    }
    if (!stopped) {
      const rest = carry + decoder.end()
      if (rest !== '') {
        const r = emit(rest)
        if ((r instanceof Promise ? await r : r) === false) stopped = true
      }
      if (!stopped && pending !== '') await broken()
    }
  } finally {
    await handle.close()
  }
  return { sha256: hash.digest('hex'), stopped }
}

function oddQuotes(s: string): boolean {
  let n = 0
  for (let i = s.indexOf('"'); i !== -1; i = s.indexOf('"', i + 1)) n++
  return n % 2 === 1
}

/** True when every person's rows in the file are next to each other (read until the first that is not). */
async function rowsGroupedByPerson(file: string, progress?: (bytes: number) => void): Promise<boolean> {
  const closed = new Set<string>()
  let current: string | undefined
  let grouped = true
  await readRecords(
    file,
    (record) => {
      const id = subjectIdOf(record)
      if (id === current || id === '') return true
      if (closed.has(id)) {
        grouped = false
        return false
      }
      if (current !== undefined) closed.add(current)
      current = id
      return true
    },
    progress
  )
  return grouped
}

/** Writes text to a stream, waiting when its buffer is full. */
function write(stream: WriteStream, text: string): Promise<void> | void {
  if (text === '' || stream.write(text)) return
  return new Promise((resolve) => stream.once('drain', () => resolve()))
}

function endStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject)
    stream.end(() => resolve())
  })
}

/**
 * Reviews a DOJ bulk file: every Prop 64 conviction in the county gets a
 * determination. Rows are read as a stream and grouped by person as they come;
 * when a person's rows are together (the normal case) memory stays flat however
 * large the file. If a person's rows turn up apart, the review restarts and
 * groups the whole file in memory, so results stay correct. Parsing and rules
 * run in worker threads; results are written in file order.
 */
export async function reviewDojFile(options: DojReviewOptions): Promise<DojReviewResult> {
  const started = performance.now()
  await mkdir(options.outDir, { recursive: true })
  const { size } = await stat(options.file)
  const batchOptions: BatchOptions = { county: options.county, asOf: options.asOf, policy: options.policy }
  const workers = options.workers ?? (size < SMALL_FILE_BYTES ? 0 : availableParallelism())
  const pool =
    workers > 0
      ? createWorkerPool<{ records: string[]; lines: number[] }, BatchResult>(
          siblingModule(import.meta.url, 'doj-review-worker'),
          {
            size: workers,
            workerData: { ...batchOptions, keepSubjects: options.onBatch !== undefined },
            // A batch is a few MB; a small old generation keeps each worker's heap (and the RSS) flat.
            resourceLimits: { maxOldGenerationSizeMb: 192, maxYoungGenerationSizeMb: 64 }
          }
        )
      : undefined
  try {
    // Batches handed to onBatch are stored (or printed) as they come, so a second pass must not repeat them:
    // with onBatch, the file's order is checked before anything is handed over.
    const onOrderCheck = options.onOrderCheck
    const checked = onOrderCheck ? (bytesRead: number) => onOrderCheck({ bytesRead, totalBytes: size }) : undefined
    const grouped = options.onBatch ? await rowsGroupedByPerson(options.file, checked) : true
    let attempt = await runPass(options, batchOptions, pool, size, grouped ? 'grouped' : 'regrouped')
    if (attempt.disordered) attempt = await runPass(options, batchOptions, pool, size, 'regrouped')
    const seconds = (performance.now() - started) / 1000
    const s = attempt.stats
    // With onBatch the order is checked before the pass, so only the pass that ends hands batches over.
    const handingOver = attempt.handingOverMs / 1000
    const d = s.decisions
    const byOutcome: Record<string, number> = {}
    for (const outcomes of Object.values(d.bySection))
      for (const [o, n] of Object.entries(outcomes)) byOutcome[o] = (byOutcome[o] ?? 0) + n
    const balanced = ledgerBalances(s)
    const summary: ReviewSummary = {
      file: options.file,
      inputSha256: attempt.sha256,
      county: options.county,
      asOf: options.asOf,
      policy: { name: options.policy.name, version: options.policy.version },
      listVersions: { ...listVersions(), [PROP64_LIST.id]: PROP64_LIST.version },
      readMode: attempt.mode,
      rowsRead: s.rowsRead,
      rowsRejected: s.rowsRejected,
      warnings: s.warnings,
      ledger: { ...s.ledger, balanced, determinations: d.convictions },
      countiesInFile: countiesOf(s.counties),
      people: s.people,
      peopleWithProp64ConvictionInCounty: d.peopleWithProp64InCounty,
      prop64ConvictionsInCounty: d.convictions,
      convictionsBySectionAndOutcome: d.bySection,
      convictionsByOutcome: byOutcome,
      convictionsByRemedy: d.byRemedy,
      peopleLeftWithNoFelony: d.peopleNoFelonyAfterRelief,
      peopleLeftWithNoConviction: d.peopleNoConvictionAfterRelief,
      seconds: Math.round(seconds * 1000) / 1000,
      secondsHandingOver: Math.round(handingOver * 1000) / 1000,
      rowsPerSecond: seconds > handingOver ? Math.round(s.rowsRead / (seconds - handingOver)) : 0
    }
    await writeFile(join(options.outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`)
    let reason: string | undefined
    if (size === 0 || s.rowsRead === 0) reason = 'the file is empty (no DOJ rows)'
    else if (s.rowsRejected === s.rowsRead)
      reason = `no row could be read as a 95-column DOJ row (first problem in errors.csv); is ${basename(options.file)} a DOJ bulk file?`
    else if (!summary.countiesInFile[options.county]) {
      const found = Object.entries(summary.countiesInFile)
        .slice(0, 20)
        .map(([c, n]) => `${c} (${n} conviction rows)`)
        .join(', ')
      reason = `no conviction in the file is in county ${JSON.stringify(options.county)}; counties in the file: ${found || 'none'}`
    } else if (!balanced) {
      reason = `the ledger does not balance: ${s.ledger.rowsRead} rows read, ${['decided', 'notAConviction', 'outsideCounty', 'notProp64', 'unreadable'].map((k) => `${k} ${s.ledger[k as keyof Ledger]}`).join(', ')}; ${s.decidedCounts} decided counts, ${d.convictions} determinations`
    }
    return reason ? { ok: false, reason, summary } : { ok: true, summary }
  } finally {
    await pool?.close()
  }
}

interface PassResult {
  stats: BatchStats
  sha256: string
  disordered: boolean
  mode: 'grouped' | 'regrouped'
  /** Time spent waiting for onBatch. */
  handingOverMs: number
}

async function runPass(
  options: DojReviewOptions,
  batchOptions: BatchOptions,
  pool: WorkerPool<{ records: string[]; lines: number[] }, BatchResult> | undefined,
  totalBytes: number,
  mode: 'grouped' | 'regrouped'
): Promise<PassResult> {
  const determinationsPath = join(options.outDir, 'determinations.csv')
  const errorsPath = join(options.outDir, 'errors.csv')
  const out = createWriteStream(`${determinationsPath}.partial`)
  const errors = createWriteStream(`${errorsPath}.partial`)
  out.write(csvLine(DETERMINATION_COLUMNS))
  errors.write(csvLine(ERROR_COLUMNS))
  const stats = emptyStats()
  let handingOverMs = 0
  const inFlight: Array<Promise<BatchResult>> = []
  const maxInFlight = Math.max(2, (pool?.size ?? 1) * 2)

  const drainOne = async () => {
    const result = await inFlight.shift()!
    const handedOver = performance.now()
    const stored = options.onBatch ? await options.onBatch(result) : undefined
    handingOverMs += performance.now() - handedOver
    if (stored) {
      const output = decisionOutput(stored)
      result.csv = output.csv
      result.stats.decisions = output.stats
    }
    await write(out, result.csv)
    await write(errors, result.errorsCsv)
    addStats(stats, result.stats)
    report()
  }
  const dispatch = async (records: string[], lines: number[]) => {
    if (records.length === 0) return
    inFlight.push(
      pool
        ? pool.run({ records, lines })
        : Promise.resolve(reviewBatch(records, lines, batchOptions, options.onBatch !== undefined))
    )
    while (inFlight.length >= maxInFlight) await drainOne()
  }

  let records: string[] = []
  let lines: number[] = []
  let rowsRead = 0
  let disordered = false
  let bytesSoFar = 0
  const report = () =>
    options.onProgress?.({ bytesRead: bytesSoFar, totalBytes, rowsRead, rowsDecided: stats.rowsRead })
  const progress = (bytesRead: number) => {
    bytesSoFar = bytesRead
    report()
  }
  let sha256: string

  if (mode === 'grouped') {
    const closed = new Set<string>()
    let current: string | undefined
    const read = await readRecords(
      options.file,
      (record, line) => {
        rowsRead++
        const id = subjectIdOf(record)
        if (id !== current && id !== '') {
          if (closed.has(id)) {
            disordered = true
            return false
          }
          if (current !== undefined) closed.add(current)
          current = id
          if (records.length >= BATCH_ROWS) {
            const batch = dispatch(records, lines)
            records = []
            lines = []
            records.push(record)
            lines.push(line)
            return batch.then(() => true)
          }
        }
        records.push(record)
        lines.push(line)
        return true
      },
      progress
    )
    sha256 = read.sha256
  } else {
    // A person's rows are scattered: gather every row by person first (memory grows with the file).
    const bySubject = new Map<string, { records: string[]; lines: number[] }>()
    const read = await readRecords(
      options.file,
      (record, line) => {
        rowsRead++
        const id = subjectIdOf(record)
        let group = bySubject.get(id)
        if (!group) bySubject.set(id, (group = { records: [], lines: [] }))
        group.records.push(record)
        group.lines.push(line)
        return true
      },
      progress
    )
    sha256 = read.sha256
    for (const group of bySubject.values()) {
      records.push(...group.records)
      lines.push(...group.lines)
      if (records.length >= BATCH_ROWS) {
        await dispatch(records, lines)
        records = []
        lines = []
      }
    }
  }
  if (!disordered) await dispatch(records, lines)
  while (inFlight.length > 0) {
    if (disordered)
      await inFlight.shift() // let them finish; their output is discarded
    else await drainOne()
  }
  await Promise.all([endStream(out), endStream(errors)])
  if (!disordered) {
    await rename(`${determinationsPath}.partial`, determinationsPath)
    await rename(`${errorsPath}.partial`, errorsPath)
  }
  return { stats, sha256, disordered, mode, handingOverMs }
}
