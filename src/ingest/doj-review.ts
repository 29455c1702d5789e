import { createWriteStream, type WriteStream } from 'node:fs'
import { mkdir, rename, stat, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { isAscii } from 'node:buffer'
import { basename, join } from 'node:path'
import { listVersions } from '../eligibility/offense-lists.js'
import type { Policy } from '../eligibility/policy.js'
import { PROP64_LIST } from '../eligibility/prop64-floor.js'
import { createWorkerPool, siblingModule, type WorkerPool } from '../workers/worker-pool.js'
import {
  addStats,
  countiesOf,
  csvLine,
  decisionOutput,
  determinationsCsv,
  DETERMINATION_COLUMNS,
  emptyStats,
  ERROR_COLUMNS,
  ledgerBalances,
  locateBlockFields,
  reviewBatch,
  reviewBlock,
  type BatchOptions,
  type BatchResult,
  type BatchStats,
  type BlockResult,
  type DecidedSubject,
  type Ledger,
  type ReviewTask
} from './doj-review-batch.js'
import {
  bufferOf,
  lastPersonStart,
  readRecordBlocks,
  readRecords,
  subjectIdOf,
  type RecordBlock
} from './doj-records.js'

export interface DojReviewOptions {
  file: string
  county: string
  asOf: string
  policy: Policy
  /** Where determinations.csv, summary.json and errors.csv go. */
  outDir: string
  /**
   * Worker threads (default: one per core but the calling thread's, or one per core with `onBatch`; none for a file
   * under 64 MB, where starting them costs more than they save). 0 reviews on the calling thread.
   */
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
  /** Bytes read at a time (default 2 MiB): small in tests, for many blocks. */
  readBytes?: number
  /**
   * Bytes read at a time when the file is reviewed on the calling thread (no workers), where `readBytes` is not
   * given. A server that answers requests on that thread reads smaller blocks, so that no block's review holds it
   * long: in bench:statewide at scale 0.1 on SQLite, `/healthz` p99 while counties were uploaded and reviewed was
   * 107 and 148 ms in two of three runs with 2 MiB blocks (about 4,000 rows), 28 and 12 ms in two with 256 KiB.
   */
  inlineReadBytes?: number
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

/** A review's output file could not be written (a full disk, a directory in its place, no permission). */
export class ReviewOutputError extends Error {
  constructor(
    readonly path: string,
    override readonly cause: NodeJS.ErrnoException
  ) {
    super(`cannot write ${path}: ${cause.code ?? cause.message}`)
    this.name = 'ReviewOutputError'
  }
}

/**
 * A file the review writes, and the first error writing it met. Streams report an error by an event: without a
 * listener it ended the process (an uncaught 'error'), and a write waiting for `drain` waited for ever.
 */
interface Output {
  stream: WriteStream
  failed?: ReviewOutputError
}

function openOutput(path: string): Output {
  const output: Output = { stream: createWriteStream(path) }
  output.stream.on('error', (err: NodeJS.ErrnoException) => {
    output.failed ??= new ReviewOutputError(path, err)
  })
  return output
}

/** Throws the first error writing an output met, if any. */
function checkOutput(output: Output): void {
  if (output.failed) throw output.failed
}

/** Writes text to an output, waiting when its buffer is full; rejects when writing it fails. */
function write(output: Output, text: string): Promise<void> | void {
  checkOutput(output)
  if (text === '' || output.stream.write(text)) return
  return new Promise((resolve, reject) => {
    const drained = () => {
      output.stream.off('error', failed)
      resolve()
    }
    const failed = () => {
      output.stream.off('drain', drained)
      reject(output.failed)
    }
    output.stream.once('drain', drained)
    output.stream.once('error', failed)
  })
}

/** Writes bytes to an output; resolves once they are written (the bytes may then be reused), rejects on an error. */
function written(output: Output, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    checkOutput(output)
    if (bytes.length === 0) resolve()
    else output.stream.write(bytes, (err) => (err ? reject(output.failed ?? err) : resolve()))
  })
}

/** Ends an output once all it was given is written; rejects with the first error writing it met. */
function endOutput(output: Output): Promise<void> {
  return new Promise((resolve, reject) => {
    if (output.failed) {
      output.stream.destroy()
      reject(output.failed)
      return
    }
    output.stream.once('error', () => reject(output.failed))
    output.stream.end(() => (output.failed ? reject(output.failed) : resolve()))
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
  await mkdir(options.outDir, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
    throw new ReviewOutputError(options.outDir, err)
  })
  const { size } = await stat(options.file)
  const batchOptions: BatchOptions = { county: options.county, asOf: options.asOf, policy: options.policy }
  // A plain review's calling thread only reads, hashes and writes: a worker for its core too made a 2-core review
  // 15% slower (each worker compiles the rules anew, and the threads took each other's time). A review that stores
  // its batches keeps a worker per core, as it was measured at statewide scale.
  const cores = availableParallelism()
  const workers = options.workers ?? (size < SMALL_FILE_BYTES ? 0 : options.onBatch ? cores : cores - 1)
  const pool =
    workers > 0
      ? createWorkerPool<ReviewTask, BatchResult>(siblingModule(import.meta.url, 'doj-review-worker'), {
          size: workers,
          workerData: { ...batchOptions, keepSubjects: options.onBatch !== undefined },
          // A batch is a few MB; a small old generation keeps each worker's heap (and the RSS) flat.
          resourceLimits: { maxOldGenerationSizeMb: 192, maxYoungGenerationSizeMb: 64 }
        })
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
  pool: WorkerPool<ReviewTask, BatchResult> | undefined,
  totalBytes: number,
  mode: 'grouped' | 'regrouped'
): Promise<PassResult> {
  const determinationsPath = join(options.outDir, 'determinations.csv')
  const errorsPath = join(options.outDir, 'errors.csv')
  const out = openOutput(`${determinationsPath}.partial`)
  const errors = openOutput(`${errorsPath}.partial`)
  out.stream.write(csvLine(DETERMINATION_COLUMNS))
  errors.stream.write(csvLine(ERROR_COLUMNS))
  const stats = emptyStats()
  const readBytes = options.readBytes ?? (pool ? undefined : options.inlineReadBytes)
  let handingOverMs = 0
  const inFlight: Array<Promise<BatchResult | BlockResult>> = []
  const maxInFlight = Math.max(2, (pool?.size ?? 1) * 2)
  let disordered = false
  const closed = new Set<string>()
  let current: string | undefined
  /** A block names its people in file order: one seen before and closed since means the file is not grouped by person. */
  const inOrder = (subjectIds: string[]) => {
    for (const id of subjectIds) {
      if (id === current) continue
      if (closed.has(id)) return false
      if (current !== undefined) closed.add(current)
      current = id
    }
    return true
  }

  // determinations.csv is encoded into two buffers used in turn, each reused once its last bytes are written.
  const csvBuffers: Buffer[] = [Buffer.allocUnsafeSlow(1 << 20), Buffer.allocUnsafeSlow(1 << 20)]
  const csvWritten: Array<Promise<void>> = [Promise.resolve(), Promise.resolve()]
  let csvTurn = 0
  // Blocks' buffers handed back by the workers, to read the file into again.
  const spareBytes: ArrayBuffer[] = []
  const spareFields: ArrayBuffer[] = []
  const allocate = (size: number) => {
    const i = spareBytes.findIndex((b) => b.byteLength >= size)
    // A new buffer has room to spare, so that one handed back fits a later block (each is a carried part and a read).
    return i === -1 ? Buffer.allocUnsafeSlow(size + (size >> 3)) : Buffer.from(spareBytes.splice(i, 1)[0]!)
  }

  const drainOne = async () => {
    const result = await inFlight.shift()!
    // An output that cannot be written ends the review now, not after the whole file is read.
    checkOutput(out)
    checkOutput(errors)
    // A few are kept: as many as are in flight at once, and one or two that did not fit a read (after a person's
    // rows longer than a block, say).
    if ('spent' in result && result.spent) {
      if (spareBytes.length <= maxInFlight) spareBytes.push(result.spent.bytes)
      if (result.spent.fields && spareFields.length <= maxInFlight) spareFields.push(result.spent.fields)
    }
    // Once the file is found out of order, the batches still in flight are let finish and their output dropped.
    if (disordered) return
    if ('subjectIds' in result && !inOrder(result.subjectIds)) {
      disordered = true
      return
    }
    const handedOver = performance.now()
    const stored = options.onBatch ? await options.onBatch(result) : undefined
    handingOverMs += performance.now() - handedOver
    if (stored) {
      const output = decisionOutput(stored)
      result.determinations = output.cells
      result.stats.decisions = output.stats
    }
    // Two buffers in turn: one is filled while the other's bytes are being written.
    const turn = csvTurn
    csvTurn ^= 1
    await csvWritten[turn]
    const csv = determinationsCsv(result.determinations, csvBuffers[turn]!)
    csvBuffers[turn] = csv.bytes
    const writing = written(out, csv.bytes.subarray(0, csv.length))
    // A failed write is thrown where the buffer is next waited for (or at the end), not as an unhandled rejection.
    writing.catch(() => undefined)
    csvWritten[turn] = writing
    await write(errors, result.errorsCsv)
    addStats(stats, result.stats)
    report()
  }
  const keepSubjects = options.onBatch !== undefined
  const run = async (task: ReviewTask, transfer?: ArrayBuffer[]) => {
    inFlight.push(
      pool
        ? pool.run(task, transfer)
        : Promise.resolve(
            'block' in task
              ? reviewBlock(task.block, batchOptions, keepSubjects)
              : reviewBatch(task.records, task.lines, batchOptions, keepSubjects)
          )
    )
    while (inFlight.length >= maxInFlight) await drainOne()
  }

  let records: string[] = []
  let lines: number[] = []
  let rowsRead = 0
  let bytesSoFar = 0
  const report = () =>
    options.onProgress?.({ bytesRead: bytesSoFar, totalBytes, rowsRead, rowsDecided: stats.rowsRead })
  const progress = (bytesRead: number) => {
    bytesSoFar = bytesRead
    report()
  }
  let sha256: string

  try {
    if (mode === 'grouped') {
      // The file's bytes go to the workers as they were read, a block of whole people at a time (moved, not copied).
      const read = await readRecordBlocks(
        options.file,
        {
          cut: lastPersonStart,
          ...(pool && { allocate }),
          ...(readBytes && { readBytes }),
          onBlock: async (block: RecordBlock) => {
            rowsRead += block.count
            // This thread waits for the workers most of a review: it finds where an ASCII block's fields lie, and a
            // worker only slices them (moving the scan here made a 2-core review of 500k rows about 5% faster).
            if (pool && isAscii(bufferOf(block.bytes))) {
              const spare = spareFields.pop()
              block.fields = locateBlockFields(block, spare && new Int32Array(spare))
            }
            const moved = pool ? [block.bytes.buffer as ArrayBuffer, block.spans.buffer as ArrayBuffer] : undefined
            if (moved && block.fields) moved.push(block.fields.buffer as ArrayBuffer)
            await run({ block }, moved)
            return !disordered
          }
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
          await run({ records, lines })
          records = []
          lines = []
        }
      }
      if (records.length > 0) await run({ records, lines })
    }
    while (inFlight.length > 0) await drainOne()
    await Promise.all(csvWritten)
    await Promise.all([endOutput(out), endOutput(errors)])
  } catch (err) {
    // Whatever is still in flight is let go quietly (the pool is closed by the caller), the outputs closed.
    for (const pending of inFlight) pending.catch(() => undefined)
    out.stream.destroy()
    errors.stream.destroy()
    throw err
  }
  if (!disordered) {
    await rename(`${determinationsPath}.partial`, determinationsPath)
    await rename(`${errorsPath}.partial`, errorsPath)
  }
  return { stats, sha256, disordered, mode, handingOverMs }
}
