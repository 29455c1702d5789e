import type { Kysely } from 'kysely'
import type { Database, DocumentsTable } from '../db/schema.js'
import type { DaProfile, PaperCase, PaperPerson } from './court-papers.js'
import type { BlobStore } from '../storage/blob-store.js'
import { type PaperToStore, storeDocuments, type StoredDocument } from './document-store.js'
import type { Renderer, RenderTask } from './render.js'
import { storedCasesPapers } from './stored-papers.js'
import { groupBy } from '../group-by.js'
import { refreshStaleStatistics } from '../db/table-statistics.js'

export type PaperScope = DocumentsTable['scope']

/** Papers stored in one transaction. */
const STORE_BATCH = 200

export interface PrepareOptions {
  caseIds: readonly string[]
  scope: PaperScope
  /** The papers' date: printed on them and their fixed PDF date. */
  date: string
  county: string
  reviewRunId: string | null
  now: string
}

/**
 * Renders and stores the court papers for stored cases, filled from their
 * newest determinations: a motion and a proposed order per case (`case`) or per
 * person and court (`person`), or a bulk motion and Schedule A per court
 * (`bulk`). Cases without relief get no papers. Returns what was stored.
 */
export async function preparePapers(
  deps: { db: Kysely<Database>; store: BlobStore; renderer: Renderer; profile: DaProfile },
  options: PrepareOptions
): Promise<StoredDocument[]> {
  // The review just stored these cases: read them by plans made for the tables as they are now.
  await refreshStaleStatistics(deps.db)
  const papers = (await storedCasesPapers(deps.db, options.caseIds)).filter((p) => p !== undefined)
  const jobs: Array<{ task: RenderTask; caseIds: string[] }> = []
  const packet = (person: PaperPerson, cases: PaperCase[]) => ({
    profile: deps.profile,
    person,
    cases,
    date: options.date
  })
  if (options.scope === 'bulk') {
    for (const [court, group] of groupBy(papers, (p) => p.court)) {
      const input = {
        profile: deps.profile,
        court,
        entries: group.map((p) => ({ person: p.person, case: p.case })),
        date: options.date
      }
      const caseIds = group.map((p) => p.caseId)
      jobs.push({ task: { kind: 'bulk_motion', input }, caseIds }, { task: { kind: 'schedule', input }, caseIds })
    }
  } else {
    const groups =
      options.scope === 'person'
        ? groupBy(papers, (p) => `${p.personId}\u0000${p.court}`).values()
        : papers.map((p) => [p])
    for (const group of groups) {
      const input = packet(
        group[0]!.person,
        group.map((p) => p.case)
      )
      const caseIds = group.map((p) => p.caseId)
      jobs.push({ task: { kind: 'motion', input }, caseIds }, { task: { kind: 'proposed_order', input }, caseIds })
    }
  }
  const stored: StoredDocument[] = new Array(jobs.length)
  const meta = { county: options.county, scope: options.scope, reviewRunId: options.reviewRunId, now: options.now }
  // Rendered papers are stored a batch at a time, one batch after another, while the workers render the next.
  let batch: Array<PaperToStore & { index: number }> = []
  let storing: Promise<void> = Promise.resolve()
  let batchesWaiting = 0
  let failure: unknown
  const flush = () => {
    if (batch.length === 0) return
    const rendered = batch
    batch = []
    batchesWaiting++
    storing = storing
      .then(async () => {
        if (failure !== undefined) return
        const saved = await storeDocuments(deps.db, deps.store, rendered, meta)
        for (const [k, paper] of rendered.entries()) stored[paper.index] = saved[k]!
        await refreshStaleStatistics(deps.db)
      })
      .catch((err: unknown) => {
        failure ??= err
      })
      .finally(() => {
        batchesWaiting--
      })
  }
  const inFlight = new Set<Promise<void>>()
  for (const [i, job] of jobs.entries()) {
    if (failure !== undefined) break
    const p: Promise<void> = deps.renderer
      .render(job.task)
      .then((doc) => {
        batch.push({ doc, caseIds: job.caseIds, index: i })
        if (batch.length >= STORE_BATCH) flush()
      })
      .catch((err: unknown) => {
        failure ??= err
      })
      .finally(() => inFlight.delete(p))
    inFlight.add(p)
    if (inFlight.size >= Math.max(2, deps.renderer.threads) * 4) await Promise.race(inFlight)
    // Rendering ahead of storage holds the papers in memory: wait for the store when two batches are waiting.
    if (batchesWaiting >= 2) await storing
  }
  await Promise.all(inFlight)
  flush()
  await storing
  if (failure !== undefined) throw failure
  return stored
}
