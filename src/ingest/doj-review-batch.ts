import { neutralised } from '../csv.js'
import { decidesConviction, determineRecord, type Determination, type Policy } from '../eligibility/policy.js'
import {
  BROKEN_RECORD,
  buildSubject,
  DOJ_FIELD_COUNT,
  FIELD,
  LOCATED_SPAN,
  locateReviewFields,
  reviewFieldsAt,
  splitReviewRecord,
  type DojConviction,
  type DojSubject,
  type RowProblem
} from './doj-file.js'
import { asciiRun, bufferOf, MULTI_LINE, type RecordBlock, recordAt, SPAN, textFor } from './doj-records.js'

export const DETERMINATION_COLUMNS = [
  'subject_id',
  'count_order',
  'case_number',
  'name',
  'code_section',
  'section_as_recorded',
  'severity',
  'conviction_date',
  'county',
  'determination',
  'remedy',
  'reason',
  'citations',
  'law_floor',
  'law_most_relief',
  'missing_facts',
  'super_strike',
  'pc290',
  'two_priors',
  'aggravating',
  'convicted_after_prop64',
  'decided_by',
  'line'
] as const

export const ERROR_COLUMNS = ['line', 'subject_id', 'severity', 'reason'] as const

export interface BatchOptions {
  county: string
  asOf: string
  policy: Policy
}

/**
 * Where every row read went: each row is in exactly one bucket, so the buckets
 * add up to the rows read. `decided` rows are the rows of counts that got a
 * determination (a count with two sentence parts has two rows and one
 * determination); `unreadable` rows each have an error line in errors.csv.
 */
export interface Ledger {
  rowsRead: number
  decided: number
  notAConviction: number
  outsideCounty: number
  notProp64: number
  unreadable: number
}

export const LEDGER_BUCKETS = ['decided', 'notAConviction', 'outsideCounty', 'notProp64', 'unreadable'] as const

/** Figures that depend on the determinations: recomputed when stored determinations replace the file's own. */
export interface DecisionStats {
  peopleWithProp64InCounty: number
  peopleNoFelonyAfterRelief: number
  peopleNoConvictionAfterRelief: number
  /** Determinations made (one per decided count). */
  convictions: number
  /** section → outcome → count */
  bySection: Record<string, Record<string, number>>
  byRemedy: Record<string, number>
}

/** Figures a batch adds to the run's summary; summed across batches and workers. */
export interface BatchStats {
  rowsRead: number
  rowsRejected: number
  warnings: number
  people: number
  ledger: Ledger
  /** Counts decided from the file's rows: must equal `decisions.convictions`. */
  decidedCounts: number
  /** Conviction rows per county (STP_ORI_CNTY_NAME), to say which counties a file holds. */
  counties: Record<string, number>
  decisions: DecisionStats
}

export interface DecidedSubject {
  subject: DojSubject
  determinations: Determination[]
}

/** A determinations.csv line's values (DETERMINATION_COLUMNS), lines one after another in one array. */
export type DeterminationCells = Array<string | number | null>

export interface BatchResult {
  /**
   * The determinations.csv lines' values, not yet CSV: a worker's batch is written by the calling thread, which has
   * time to spare while the workers review (building, flattening and copying the text was about a sixth of a review).
   */
  determinations: DeterminationCells
  errorsCsv: string
  stats: BatchStats
  /** The decided subjects, when the caller stores them or prints papers; omitted for plain CSV reviews. */
  subjects?: DecidedSubject[]
}

export function emptyDecisionStats(): DecisionStats {
  return {
    peopleWithProp64InCounty: 0,
    peopleNoFelonyAfterRelief: 0,
    peopleNoConvictionAfterRelief: 0,
    convictions: 0,
    bySection: {},
    byRemedy: {}
  }
}

export function emptyStats(): BatchStats {
  return {
    rowsRead: 0,
    rowsRejected: 0,
    warnings: 0,
    people: 0,
    decidedCounts: 0,
    counties: {},
    ledger: { rowsRead: 0, decided: 0, notAConviction: 0, outsideCounty: 0, notProp64: 0, unreadable: 0 },
    decisions: emptyDecisionStats()
  }
}

const sumInto = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n
}

function addDecisions(into: DecisionStats, from: DecisionStats): void {
  for (const key of [
    'peopleWithProp64InCounty',
    'peopleNoFelonyAfterRelief',
    'peopleNoConvictionAfterRelief',
    'convictions'
  ] as const)
    into[key] += from[key]
  for (const [section, outcomes] of Object.entries(from.bySection)) sumInto((into.bySection[section] ??= {}), outcomes)
  sumInto(into.byRemedy, from.byRemedy)
}

export function addStats(into: BatchStats, from: BatchStats): BatchStats {
  for (const key of ['rowsRead', 'rowsRejected', 'warnings', 'people', 'decidedCounts'] as const) into[key] += from[key]
  for (const key of ['rowsRead', ...LEDGER_BUCKETS] as const) into.ledger[key] += from.ledger[key]
  sumInto(into.counties, from.counties)
  addDecisions(into.decisions, from.decisions)
  return into
}

/** Rows per county, most rows first. */
export function countiesOf(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]))
}

/** The ledger's own check: its buckets add up to the rows read, and every decided count has one determination. */
export function ledgerBalances(stats: BatchStats): boolean {
  const l = stats.ledger
  return (
    l.rowsRead === stats.rowsRead &&
    LEDGER_BUCKETS.reduce((n, k) => n + l[k], 0) === l.rowsRead &&
    stats.decidedCounts === stats.decisions.convictions
  )
}

/**
 * One CSV field, quoted when it holds a comma, quote or line break; text that a
 * spreadsheet would take for a formula is neutralised as every clearfile CSV is
 * (src/csv.ts), numbers are written as they are. Written by hand, not through
 * csv-stringify, for the speed of a 500k-row review.
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return String(value)
  const s = neutralised(value)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/**
 * One CSV line (of `values` from `from` to `to`). Concatenated, not joined: V8's `Array.prototype.join` makes a
 * two-byte string whenever a value is a string V8 has since used as a property
 * key (a "thin" string, as a code section is once counted by section), which
 * doubled a review's output in memory and in every copy between threads.
 */
export function csvLine(
  values: ReadonlyArray<string | number | null | undefined>,
  from = 0,
  to = values.length
): string {
  let line = to > from ? csvField(values[from]) : ''
  for (let i = from + 1; i < to; i++) line += `,${csvField(values[i])}`
  return `${line}\n`
}

const RELIEVED_FELONY = new Set(['dismiss_and_seal', 'reduce_to_misdemeanor', 'reduce_to_infraction'])

/**
 * Reviews a batch of DOJ records that holds whole subjects (all of a person's
 * rows), returning CSV text for the outputs and the batch's figures, with
 * every row in the ledger. Pure and synchronous: it runs the same in a worker
 * thread and in a test.
 */
export function reviewBatch(
  records: readonly string[],
  lines: readonly number[],
  options: BatchOptions,
  keepSubjects = false
): BatchResult {
  const batch = newBatch(options, keepSubjects)
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!
    if (record.startsWith(BROKEN_RECORD)) brokenRow(batch, record.slice(BROKEN_RECORD.length), lines[i]!)
    else {
      const { fields, count } = splitReviewRecord(record)
      readRow(batch, fields, count, lines[i]!)
    }
  }
  return batchResult(batch)
}

/**
 * A batch being reviewed. Its steps are module functions over it rather than
 * closures made per batch: V8 keeps a closure's optimized code only while such
 * a closure lives, and compiling them again for every batch took about 0.5 s
 * of a 500,000-row review's CPU.
 */
interface Batch {
  options: BatchOptions
  stats: BatchStats
  errorsCsv: string
  /** determinations.csv's lines so far, written as each person is decided: the person's record then dies young. */
  output: DecisionOutput
  /** The decided subjects, kept only when the caller asks for them (to store them or print papers). */
  decided: DecidedSubject[] | undefined
  /** The rows of the person being read, and who they are. */
  group: Array<{ line: number; fields: string[] }>
  groupId: string | undefined
}

const newBatch = (options: BatchOptions, keepSubjects: boolean): Batch => ({
  options,
  stats: emptyStats(),
  errorsCsv: '',
  output: { cells: [], stats: emptyDecisionStats() },
  decided: keepSubjects ? [] : undefined,
  group: [],
  groupId: undefined
})

/** A record whose quote never closed (`<first line>-<last line>`): unreadable, with the lines it took. */
function brokenRow(batch: Batch, lines: string, line: number): void {
  batch.stats.rowsRead++
  batch.stats.ledger.rowsRead++
  const [from, to] = lines.split('-')
  unreadable(batch, {
    line,
    subjectId: '',
    reason: `a quote opened on line ${from} never closes: lines ${from}-${to} could not be read as a row; reading resumed after them`
  })
}

/**
 * One row's fields (a review row, see FIELD; `count` fields in the record): unreadable, or added to its person's rows
 * (a new person's first row reviews the last person).
 */
function readRow(batch: Batch, fields: string[], count: number, line: number): void {
  batch.stats.rowsRead++
  batch.stats.ledger.rowsRead++
  if (count !== DOJ_FIELD_COUNT) {
    unreadable(batch, {
      line,
      subjectId: (fields[FIELD.SUBJECT_ID] ?? '').trim(),
      reason: `expected ${DOJ_FIELD_COUNT} fields, found ${count}`
    })
    return
  }
  const subjectId = fields[FIELD.SUBJECT_ID]!.trim()
  if (subjectId === '') {
    unreadable(batch, { line, subjectId: '', reason: 'SUBJECT_ID is empty, so the row cannot be joined to a person' })
    return
  }
  if (subjectId !== batch.groupId) {
    if (batch.group.length > 0) reviewSubject(batch, batch.group)
    batch.group = []
    batch.groupId = subjectId
  }
  batch.group.push({ line, fields })
}

function batchResult(batch: Batch): BatchResult {
  if (batch.group.length > 0) reviewSubject(batch, batch.group)
  batch.group = []
  const { stats, output } = batch
  stats.decisions = output.stats
  return batch.decided
    ? { determinations: output.cells, errorsCsv: batch.errorsCsv, stats, subjects: batch.decided }
    : { determinations: output.cells, errorsCsv: batch.errorsCsv, stats }
}

function problem(batch: Batch, p: RowProblem): void {
  if (p.severity === 'error') batch.stats.rowsRejected++
  else batch.stats.warnings++
  batch.errorsCsv += csvLine([p.line, p.subjectId, p.severity, p.reason])
}

function unreadable(batch: Batch, p: Omit<RowProblem, 'severity'>): void {
  batch.stats.ledger.unreadable++
  problem(batch, { ...p, severity: 'error' })
}

/** One person's rows: every row into the ledger, and the determinations of their Prop 64 convictions in the county. */
function reviewSubject(batch: Batch, group: Array<{ line: number; fields: string[] }>): void {
  const { options, stats } = batch
  const subject = buildSubject(group, { asOf: options.asOf })
  for (const p of subject.problems) {
    if (p.severity === 'error') stats.ledger.unreadable++
    problem(batch, p)
  }
  stats.ledger.notAConviction += subject.notAConvictionRows
  for (const c of subject.record.convictions) {
    const rows = c.lines.length
    if (c.county !== null) stats.counties[c.county] = (stats.counties[c.county] ?? 0) + rows
    if (c.county !== options.county) stats.ledger.outsideCounty += rows
    else if (decidesConviction(c)) {
      stats.ledger.decided += rows
      stats.decidedCounts++
    } else if (c.section === null) {
      for (const line of c.lines) {
        unreadable(batch, {
          line,
          subjectId: subject.record.subjectId,
          reason: `the offense ${JSON.stringify(c.sectionText || '(blank)')} could not be read as a code section${c.sectionRefused ? ` (${c.sectionRefused})` : ''} and names no cannabis offense; no determination`
        })
      }
    } else stats.ledger.notProp64 += rows
  }
  const determinations = determineRecord(subject.record, {
    asOf: options.asOf,
    policy: options.policy,
    county: options.county
  })
  stats.people++
  if (determinations.length === 0) return
  addDecision(batch.output, subject, determinations)
  batch.decided?.push({ subject, determinations })
}

/** What a review worker is given: records with their line numbers (a file regrouped by person), or a block of the file. */
export type ReviewTask = { records: string[]; lines: number[] } | { block: RecordBlock }

/** A batch's answer with the people it read, in file order, each once (for the check that a person's rows are together). */
export type BlockResult = BatchResult & {
  subjectIds: string[]
  /** The block's buffers, handed back by a worker to be read into again. */
  spent?: { bytes: ArrayBuffer; fields?: ArrayBuffer }
}

/**
 * Where the fields the review reads lie in each single-line record of an ASCII block (`locateReviewFields`,
 * LOCATED_SPAN Int32s a record). The thread that reads the file finds them before handing the block to a worker.
 */
export function locateBlockFields(block: RecordBlock, reuse?: Int32Array): Int32Array {
  const { bytes, spans, count } = block
  // Reused as it is: only records on one line are read from it, and each of those is written here first.
  const located =
    reuse && reuse.length >= count * LOCATED_SPAN
      ? reuse.subarray(0, count * LOCATED_SPAN)
      : new Int32Array(count * LOCATED_SPAN)
  for (let i = 0; i < count; i++)
    if (spans[i * SPAN + 3] === 0)
      locateReviewFields(bytes, spans[i * SPAN]!, spans[i * SPAN + 1]!, located, i * LOCATED_SPAN)
  return located
}

/**
 * Reviews a block of whole subjects as read from the file (as `reviewBatch`
 * reviews their records), naming the people it read in order. A record of an
 * ASCII block is read in its bytes (its fields located there, by the caller or
 * here), never sliced out as a string of its own.
 */
export function reviewBlock(block: RecordBlock, options: BatchOptions, keepSubjects = false): BlockResult {
  const batch = newBatch(options, keepSubjects)
  const subjectIds: string[] = []
  const { bytes, spans, count } = block
  const buffer = bufferOf(bytes)
  // An ASCII block's fields are sliced from its text, decoded a run at a time.
  const run = asciiRun(buffer)
  const located = run === undefined ? undefined : (block.fields ?? locateBlockFields(block))
  let last = ''
  for (let i = 0; i < count; i++) {
    const at = i * SPAN
    const line = spans[at + 2]!
    const kind = spans[at + 3]!
    if (kind > 0) {
      brokenRow(batch, `${line}-${kind}`, line)
      continue
    }
    const text = textFor(run, block, i)
    let fields: string[]
    let fieldCount: number
    if (run === undefined || located === undefined || text === undefined || kind === MULTI_LINE) {
      const split = splitReviewRecord(recordAt(block, i, buffer, text, run?.start))
      fields = split.fields
      fieldCount = split.count
    } else {
      fields = reviewFieldsAt(bytes, located, i * LOCATED_SPAN, text, run.start)
      fieldCount = located[i * LOCATED_SPAN]!
    }
    // SUBJECT_ID as the file's order is checked by it (`subjectIdOf`): field 2 of any row, however many fields it has.
    const id = (fields[FIELD.SUBJECT_ID] ?? '').trim()
    if (id !== '' && id !== last) subjectIds.push((last = id))
    readRow(batch, fields, fieldCount, line)
  }
  return { ...batchResult(batch), subjectIds }
}

/** determinations.csv lines' values and the decision figures. */
export interface DecisionOutput {
  cells: DeterminationCells
  stats: DecisionStats
}

/** determinations.csv lines' values and the decision figures for decided subjects, in order. */
export function decisionOutput(subjects: readonly DecidedSubject[]): DecisionOutput {
  const output: DecisionOutput = { cells: [], stats: emptyDecisionStats() }
  for (const { subject, determinations } of subjects)
    if (determinations.length > 0) addDecision(output, subject, determinations)
  return output
}

/** A decided subject's lines and figures, added to those before. */
function addDecision(output: DecisionOutput, subject: DojSubject, determinations: Determination[]): void {
  output.stats.peopleWithProp64InCounty++
  tallyRelief(subject, determinations, output.stats)
  for (const d of determinations)
    determinationCells(output.cells, subject, subject.record.convictions.find((c) => c.id === d.convictionId)!, d)
}

/**
 * determinations.csv lines of lines' values, DETERMINATION_COLUMNS a line, encoded as UTF-8 into `into` from its
 * start (a bigger buffer when it runs short): the buffer written into, and how many bytes. A line at a time, so no
 * batch's CSV is ever one string (as one, it was copied into fresh memory to be flattened, then again to be encoded).
 */
export function determinationsCsv(cells: DeterminationCells, into: Buffer): { bytes: Buffer; length: number } {
  let bytes = into
  let length = 0
  for (let at = 0; at < cells.length; at += DETERMINATION_COLUMNS.length) {
    const line = csvLine(cells, at, at + DETERMINATION_COLUMNS.length)
    // A UTF-16 unit is at most three bytes of UTF-8.
    if (length + 3 * line.length > bytes.length) {
      const bigger = Buffer.allocUnsafeSlow(2 * bytes.length + 3 * line.length)
      bytes.copy(bigger, 0, 0, length)
      bytes = bigger
    }
    length += bytes.write(line, length, 'utf8')
  }
  return { bytes, length }
}

function tallyRelief(subject: DojSubject, determinations: Determination[], stats: DecisionStats): void {
  const decided = new Map(determinations.map((d) => [d.convictionId, d.outcome]))
  let felonyLeft = false
  let convictionLeft = false
  for (const c of subject.record.convictions) {
    const outcome = decided.get(c.id)
    if (outcome !== 'dismiss_and_seal') convictionLeft = true
    if (c.severity === 'F' && !(outcome && RELIEVED_FELONY.has(outcome))) felonyLeft = true
  }
  if (!felonyLeft) stats.peopleNoFelonyAfterRelief++
  if (!convictionLeft) stats.peopleNoConvictionAfterRelief++
  for (const d of determinations) {
    stats.convictions++
    const bySection = (stats.bySection[d.section] ??= {})
    bySection[d.outcome] = (bySection[d.outcome] ?? 0) + 1
    stats.byRemedy[d.remedy] = (stats.byRemedy[d.remedy] ?? 0) + 1
  }
}

function determinationCells(cells: DeterminationCells, subject: DojSubject, c: DojConviction, d: Determination): void {
  const dq = d.floor.disqualifiers
  cells.push(
    subject.record.subjectId,
    c.id,
    c.caseNumber,
    subject.name,
    d.section,
    c.sectionText,
    c.severity,
    c.date,
    c.county,
    d.outcome,
    d.remedy,
    d.reason,
    d.citations.join('; '),
    d.floor.guaranteed,
    d.floor.best,
    d.floor.missingFacts.join('; '),
    flag(dq.superStrike),
    flag(dq.pc290),
    flag(dq.twoPriors),
    flag(dq.aggravating),
    d.floor.convictedAfterProp64 === null ? '' : d.floor.convictedAfterProp64 ? 'Y' : 'N',
    d.decidedBy,
    c.line
  )
}

const flag = (f: { status: string; detail?: string }) =>
  f.status === 'absent' ? '' : `${f.status}${f.detail ? `: ${f.detail}` : ''}`
