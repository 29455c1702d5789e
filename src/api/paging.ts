import { decodeCursor, type PageRequest } from '../db/keyset.js'
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
