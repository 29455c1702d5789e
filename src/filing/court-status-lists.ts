import type { Kysely } from 'kysely'
import type { CourtEntry } from '../../schemas/courts.js'
import type { Clock } from '../clock.js'
import { oldestOpenFilingAtCourt } from '../db/filing-repository.js'
import type { Database } from '../db/schema.js'
import type { CourtStatus } from '../ecf/court-adapter.js'
import type { CourtAdapters } from './pipeline-deps.js'

/** How far back a court's status list reaches when its courts-file entry does not say. */
export const DEFAULT_STATUS_LIST_DAYS = 30

/**
 * A filing's status from its court's latest GetFilingList, for courts that can list: one request answers the polls
 * of every open filing at the court for half a poll interval (the list of the days since the oldest of them, at
 * most `statusListDays`), instead of one GetFilingStatus each — 7,000 filings awaiting a clerk are one request a
 * poll, not 7,000. A long list costs time to fetch and read — the court's to write, ours to parse: 4,400 filings
 * took about 0.8 s and 1.8 s on bench:statewide's busy machine — so a list is kept at least ten times as long as the
 * last one took, however long that is: asking for lists never takes more than a tenth of the time, even for a county
 * with 25,000 filings in the window (a list every few minutes, not every poll interval). Concurrent polls share the request in flight; a failed list is
 * forgotten, so the next poll asks again. Returns `undefined` when the court cannot list (ask the filing's status);
 * else the listed status (`null` when the list does not name the filing), when the list was asked for, and when it
 * will be asked for again — a status read from it cannot change before then, so polling sooner is wasted.
 */
export function courtStatusLists(
  deps: { db: Kysely<Database>; clock: Clock; courts: ReadonlyMap<string, CourtEntry>; pollIntervalMs: number },
  adapters: CourtAdapters
): (
  courtId: string,
  courtFilingId: string
) => Promise<{ status: CourtStatus | null; listedAt: Date; freshUntil: Date } | undefined> {
  const lists = new Map<string, { fetchedAt: number; statuses: Promise<ReadonlyMap<string, CourtStatus>> }>()
  const costMs = new Map<string, number>()
  // Whole milliseconds: a poll put off until the list's end (a Date, whole ms) must find the list old by then, not
  // a fraction of a millisecond short of it (which, on a clock that stands still, put it off to the same time again).
  const keepMs = (courtId: string) => Math.ceil(Math.max(deps.pollIntervalMs / 2, 10 * (costMs.get(courtId) ?? 0)))
  return async (courtId, courtFilingId) => {
    const adapter = adapters.for(courtId)
    const listStatuses = adapter.listStatuses
    if (!listStatuses) return undefined
    const now = deps.clock.now().getTime()
    let list = lists.get(courtId)
    if (!list || now - list.fetchedAt >= keepMs(courtId) || now < list.fetchedAt) {
      const statuses = (async () => {
        const started = performance.now()
        const days = deps.courts.get(courtId)?.statusListDays ?? DEFAULT_STATUS_LIST_DAYS
        const oldest = await oldestOpenFilingAtCourt(deps.db, courtId)
        const since = Math.max(now - days * 86_400_000, oldest ? Date.parse(oldest) : now)
        const listed = await listStatuses(new Date(since))
        costMs.set(courtId, performance.now() - started)
        return new Map(listed.map((f) => [f.courtFilingId, f]))
      })()
      const made = { fetchedAt: now, statuses }
      lists.set(courtId, made)
      statuses.catch(() => {
        if (lists.get(courtId) === made) lists.delete(courtId)
      })
      list = made
    }
    const status = (await list.statuses).get(courtFilingId) ?? null
    return { status, listedAt: new Date(list.fetchedAt), freshUntil: new Date(list.fetchedAt + keepMs(courtId)) }
  }
}
