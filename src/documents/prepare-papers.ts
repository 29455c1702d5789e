import type { Kysely } from 'kysely'
import type { Database, DocumentsTable } from '../db/schema.js'
import type { DaProfile, PaperCase, PaperPerson } from './court-papers.js'
import type { BlobStore } from '../storage/blob-store.js'
import { storeDocument, type StoredDocument } from './document-store.js'
import type { Renderer, RenderTask } from './render.js'
import { storedCasePapers, type StoredCasePapers } from './stored-papers.js'
import { groupBy } from '../group-by.js'

export type PaperScope = DocumentsTable['scope']

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
  const papers: StoredCasePapers[] = []
  for (const id of options.caseIds) {
    const p = await storedCasePapers(deps.db, id)
    if (p) papers.push(p)
  }
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
  const inFlight = new Set<Promise<void>>()
  for (const [i, job] of jobs.entries()) {
    const p: Promise<void> = deps.renderer
      .render(job.task)
      .then((doc) =>
        storeDocument(deps.db, deps.store, doc, {
          county: options.county,
          scope: options.scope,
          reviewRunId: options.reviewRunId,
          caseIds: job.caseIds,
          now: options.now
        })
      )
      .then((s) => {
        stored[i] = s
      })
      .finally(() => inFlight.delete(p))
    inFlight.add(p)
    if (inFlight.size >= Math.max(2, deps.renderer.threads) * 4) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  return stored
}
