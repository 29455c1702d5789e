import { decodeCursor, type KeysetCursor, type PageLinks, type PageRequest, pageOf } from '../db/keyset.js'
import { ClearfileError } from '../errors.js'

/** The paging parameters of a listing request, as the API takes them (see schemas/api/paging.ts). */
export interface PagingParams {
  after?: string | undefined
  before?: string | undefined
  last?: boolean | undefined
  limit?: number | undefined
}

/**
 * Where the requested page begins, and `limit + 1` rows to read so the page knows whether more follow. A cursor
 * that is not one of ours (or was made for another sort) is a 400, not an empty page.
 */
export function pageRequest(p: PagingParams, sortedById: boolean): PageRequest & { hadCursor: boolean } {
  const limit = (p.limit ?? 100) + 1
  if (p.after !== undefined && p.before !== undefined)
    throw new ClearfileError('CLEARFILE_ERR_VALIDATION', 'Give `after` or `before`, not both')
  const text = p.after ?? p.before
  if (text === undefined) return { limit, backward: p.last === true, hadCursor: false }
  const cursor = decodeCursor(text, sortedById)
  if (!cursor) throw new ClearfileError('CLEARFILE_ERR_VALIDATION', 'The paging cursor is not one this listing gave')
  return { limit, cursor, backward: p.before !== undefined, hadCursor: true }
}

/** How a listing reads a page of its rows, counts all that match, and names a row in its cursor. */
export interface KeysetListing<T> {
  list: (request: PageRequest) => Promise<T[]>
  count: () => Promise<number>
  cursorOf: (row: T) => KeysetCursor
}

/**
 * One page of a keyset listing with the links both ways and the total: the same steps for every listing route.
 * A listing sorted by creation orders by id alone, so its cursors may be plain ids (see decodeCursor).
 */
export async function keysetPage<T>(
  p: PagingParams & { sort?: string | undefined },
  listing: KeysetListing<T>
): Promise<{ page: T[]; links: PageLinks; total: number }> {
  const request = pageRequest(p, (p.sort ?? 'created') === 'created')
  const [rows, total] = await Promise.all([listing.list(request), listing.count()])
  const { page, links } = pageOf(rows, request.limit - 1, listing.cursorOf, {
    backward: request.backward === true,
    hadCursor: request.hadCursor
  })
  return { page, links, total }
}
