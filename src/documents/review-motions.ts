import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { toCsv } from '../csv.js'
import type { Determination } from '../eligibility/policy.js'
import { countGrounds } from '../eligibility/relief-grounds.js'
import type { DojSubject } from '../ingest/doj-file.js'
import type { DaProfile, PaperCase, PaperPerson, RenderedDocument } from './court-papers.js'
import type { Renderer, RenderTask } from './render.js'
import type { CourtEntry } from '../../schemas/courts.js'
import { createHash } from 'node:crypto'
import { DEFAULT_FILER_ID, filingRequestForPapers } from '../ecf/messages.js'
import { caseTitle } from './court-names.js'

export type MotionScope = 'case' | 'person' | 'bulk'
export const MANIFEST_COLUMNS = ['file', 'kind', 'people', 'case_numbers', 'sha256', 'pages'] as const

interface Packet {
  person: PaperPerson
  subjectId: string
  court: string
  cases: PaperCase[]
}

/** A decided DOJ subject as court papers see it: the person, and their cases grouped by court. */
export function papersOf(
  subject: DojSubject,
  determinations: Determination[]
): { person: PaperPerson; byCourt: Map<string, PaperCase[]> } {
  const byConviction = new Map(subject.record.convictions.map((c) => [c.id, c]))
  const cases = new Map<string, { court: string; case: PaperCase }>()
  for (const d of determinations) {
    if (d.outcome === 'needs_review' || d.outcome === 'not_eligible') continue
    const c = byConviction.get(d.convictionId)!
    const caseNumber = c.caseNumber ?? `${subject.record.subjectId}/${c.id.slice(0, 6)}`
    const court = c.court ?? `${c.county ?? ''} SUPERIOR COURT`.trim()
    const key = `${court}\u0000${caseNumber}`
    let entry = cases.get(key)
    if (!entry) cases.set(key, (entry = { court, case: { caseNumber, court, counts: [] } }))
    entry.case.counts.push({
      countOrder: c.id,
      section: d.section,
      severity: c.severity,
      convictionDate: c.date,
      outcome: d.outcome,
      remedy: d.remedy,
      grounds: countGrounds(d.outcome, d.remedy, d.lawFacts, false)
    })
  }
  const byCourt = new Map<string, PaperCase[]>()
  for (const { court, case: k } of cases.values()) {
    const list = byCourt.get(court) ?? []
    list.push(k)
    byCourt.set(court, list)
  }
  return { person: { name: subject.name, aliases: [], dob: subject.record.dob }, byCourt }
}

/**
 * Writes the court papers of a review into `<dir>/motions/` with a
 * `manifest.csv`: a motion and a proposed order per court case (scope `case`)
 * or per person and court (`person`), or one bulk motion and Schedule A per
 * court (`bulk`). Rendering runs on the renderer's worker pool while the review
 * goes on.
 */
export class ReviewMotionWriter {
  readonly #dir: string
  readonly #scope: MotionScope
  readonly #profile: DaProfile
  readonly #date: string
  readonly #renderer: Renderer
  readonly #bulk = new Map<string, Array<{ person: PaperPerson; case: PaperCase }>>()
  readonly #pending = new Set<Promise<void>>()
  readonly #rows: string[][] = []
  #opened = false

  readonly #filings: { court: CourtEntry; callbackUrl: string; dir: string } | undefined

  constructor(options: {
    outDir: string
    scope: MotionScope
    profile: DaProfile
    date: string
    renderer: Renderer
    filings?: { court: CourtEntry; callbackUrl: string }
  }) {
    if (options.filings && options.scope === 'bulk')
      throw new Error('filings go one per case or per person: use --motions case or person with --filings')
    this.#filings = options.filings ? { ...options.filings, dir: join(options.outDir, 'filings') } : undefined
    this.#dir = join(options.outDir, 'motions')
    this.#scope = options.scope
    this.#profile = options.profile
    this.#date = options.date
    this.#renderer = options.renderer
  }

  get documents(): number {
    return this.#rows.length
  }

  async #open(): Promise<void> {
    if (!this.#opened) await mkdir(this.#dir, { recursive: true })
    this.#opened = true
  }

  /** Takes a batch of decided subjects; returns once their papers are queued (not yet written). */
  async add(subjects: ReadonlyArray<{ subject: DojSubject; determinations: Determination[] }>): Promise<void> {
    for (const { subject, determinations } of subjects) {
      const { person, byCourt } = papersOf(subject, determinations)
      for (const [court, cases] of byCourt) {
        if (this.#scope === 'bulk') {
          const list = this.#bulk.get(court) ?? []
          for (const c of cases) list.push({ person, case: c })
          this.#bulk.set(court, list)
        } else if (this.#scope === 'person') {
          await this.#queuePacket({ person, subjectId: subject.record.subjectId, court, cases })
        } else {
          for (const c of cases)
            await this.#queuePacket({ person, subjectId: subject.record.subjectId, court, cases: [c] })
        }
      }
    }
  }

  async #queuePacket(packet: Packet): Promise<void> {
    const input = { profile: this.#profile, person: packet.person, cases: packet.cases, date: this.#date }
    const stem =
      this.#scope === 'person' ? `${safe(packet.subjectId)}-${safe(packet.court)}` : safe(packet.cases[0]!.caseNumber)
    const caseNumbers = packet.cases.map((c) => c.caseNumber)
    if (!this.#filings) {
      for (const kind of ['motion', 'proposed_order'] as const)
        await this.#queue({ kind, input }, `${stem}-${kind}`, 1, caseNumbers)
      return
    }
    // With --filings the two papers travel together into one ReviewFilingRequestMessage.
    const p: Promise<void> = Promise.all([
      this.#renderer.render({ kind: 'motion', input }),
      this.#renderer.render({ kind: 'proposed_order', input })
    ])
      .then(async ([motion, order]) => {
        await this.#write(motion, `${stem}-motion`, 1, caseNumbers)
        await this.#write(order, `${stem}-proposed_order`, 1, caseNumbers)
        await this.#writeFiling(packet, motion, order)
      })
      .finally(() => this.#pending.delete(p))
    this.#pending.add(p)
    while (this.#pending.size >= Math.max(2, this.#renderer.threads) * 8) await Promise.race(this.#pending)
  }

  /**
   * The offline filing kit: the validated ECF message with both PDFs embedded, at `filings/<filing id>.xml`, one
   * per case (ECF 4.01 files in one case: a person's motion for several cases is filed in each of them).
   */
  async #writeFiling(packet: Packet, motion: RenderedDocument, order: RenderedDocument): Promise<void> {
    const f = this.#filings!
    for (const kase of packet.cases) {
      // A stable id: the same court, person, case and run date give the same filing id, so a resend is
      // recognisable; the person is part of it because co-defendants share a case number.
      const filingId = `F-${createHash('sha256')
        .update(`${f.court.id}|${packet.subjectId}|${kase.caseNumber}|${this.#date}`)
        .digest('hex')
        .slice(0, 24)}`
      if (this.#filingIds.has(filingId))
        throw new Error(
          `two filings of this review would have the id ${filingId} (court ${f.court.id}, case ${kase.caseNumber}): refusing to overwrite one with the other`
        )
      this.#filingIds.add(filingId)
      const xml = filingRequestForPapers({
        filingId,
        callbackUrl: f.callbackUrl,
        submittedAt: `${this.#date}T12:00:00.000Z`,
        court: { id: f.court.id, name: f.court.name },
        submitterId: f.court.filerId ?? DEFAULT_FILER_ID,
        person: packet.person,
        caseTitle: caseTitle(packet.person.name),
        case: kase,
        profile: this.#profile,
        motion: motion.bytes,
        order: order.bytes
      })
      await mkdir(f.dir, { recursive: true })
      // `wx`: a file that is already there is an error, never silently replaced.
      await writeFile(join(f.dir, `${filingId}.xml`), xml, { flag: 'wx' })
      this.#filingsWritten++
    }
  }

  readonly #filingIds = new Set<string>()
  #filingsWritten = 0
  /** Filing files written (each a new file: an id used twice is an error). */
  get filings(): number {
    return this.#filingsWritten
  }

  async #queue(task: RenderTask, stem: string, people: number, caseNumbers: string[]): Promise<void> {
    const p: Promise<void> = this.#renderer
      .render(task)
      .then((doc) => this.#write(doc, stem, people, caseNumbers))
      .finally(() => this.#pending.delete(p))
    this.#pending.add(p)
    // Bounded: a large review must not queue every document in memory.
    while (this.#pending.size >= Math.max(2, this.#renderer.threads) * 8) await Promise.race(this.#pending)
  }

  async #write(doc: RenderedDocument, stem: string, people: number, caseNumbers: string[]): Promise<void> {
    const file = `${stem}-${doc.sha256.slice(0, 12)}.pdf`
    await this.#open()
    await writeFile(join(this.#dir, file), doc.bytes)
    this.#rows.push([file, doc.kind, String(people), caseNumbers.join('; '), doc.sha256, String(doc.pages)])
  }

  /** Renders what waits for the end (bulk motions) and writes the manifest, sorted by file so the same run gives the same manifest. */
  async finish(): Promise<number> {
    await this.#open()
    for (const [court, entries] of this.#bulk) {
      const input = { profile: this.#profile, court, entries, date: this.#date }
      const people = new Set(entries.map((e) => `${e.person.name}|${e.person.dob}`)).size
      const caseNumbers = entries.map((e) => e.case.caseNumber)
      await this.#queue({ kind: 'bulk_motion', input }, `bulk-${safe(court)}-motion`, people, caseNumbers)
      await this.#queue({ kind: 'schedule', input }, `bulk-${safe(court)}-schedule`, people, caseNumbers)
    }
    await Promise.all(this.#pending)
    this.#rows.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0))
    await writeFile(join(this.#dir, 'manifest.csv'), toCsv([MANIFEST_COLUMNS, ...this.#rows]))
    return this.#rows.length
  }
}

/** A file-name-safe form of a case number or court name. */
const safe = (text: string) =>
  text
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60) || 'x'
