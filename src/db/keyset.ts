import { type RawBuilder, type SqlBool, sql } from 'kysely'

/**
 * Keyset paging: a page starts after (or ends before) the row a cursor names, by the sort value and the id, so a
 * page does not shift when rows are added in front of it (offsets would), and the last page costs what the first
 * does.
 */
export interface KeysetCursor {
  /** The sort value of the row the cursor names ('' for a missing value). */
  value: string
  id: string
}

const PREFIX = 'k1.'

/** An opaque cursor for the API. */
export function encodeCursor(cursor: KeysetCursor): string {
  return PREFIX + Buffer.from(JSON.stringify([cursor.value, cursor.id])).toString('base64url')
}

/**
 * The cursor a client sent back; a plain id (what `next` was before cursors carried a sort value) is a cursor on
 * the id order. Undefined when it is neither.
 */
export function decodeCursor(text: string, sortedById: boolean): KeysetCursor | undefined {
  if (!text.startsWith(PREFIX)) return sortedById ? { value: text, id: text } : undefined
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text.slice(PREFIX.length), 'base64url').toString('utf8'))
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((v) => typeof v === 'string'))
      return { value: parsed[0] as string, id: parsed[1] as string }
  } catch {}
  return undefined
}

export type SortDirection = 'asc' | 'desc'

/** Where a page of a listing begins and how many rows it reads (one more than it shows, to know there are more). */
export interface PageRequest {
  limit: number
  cursor?: KeysetCursor | undefined
  /** Read the rows before the cursor (or, without one, the last page). */
  backward?: boolean | undefined
}

/** The sort key of a listing: an expression (never null: missing values sort as '') and the id column. */
export interface SortKey {
  expression: RawBuilder<string>
  id: string
  /**
   * The expression is the id itself: ordered and compared by it alone, so an index on it serves the order (SQLite
   * sorted `order by id, id` for its last term).
   */
  isId?: boolean
}

/** `coalesce(column, '')`: missing values sort first, as '', and compare like any other. */
export function sortExpression(column: string): RawBuilder<string> {
  return sql<string>`coalesce(${sql.ref(column)}, '')`
}

/**
 * Where a page begins: rows after the cursor in the listing's order when reading forward, before it when reading
 * backward (the caller then reads in the opposite order and turns the page round).
 */
export function afterCursor(key: SortKey, cursor: KeysetCursor, direction: SortDirection): RawBuilder<SqlBool> {
  const op = sql.raw(direction === 'asc' ? '>' : '<')
  const id = sql.ref(key.id)
  if (key.isId) return sql<SqlBool>`${id} ${op} ${cursor.id}`
  return sql<SqlBool>`(${key.expression} ${op} ${cursor.value} or (${key.expression} = ${cursor.value} and ${id} ${op} ${cursor.id}))`
}

/** `order by <key> <direction>, <id> <direction>`. */
export function orderByKey(key: SortKey, direction: SortDirection): RawBuilder<unknown> {
  if (key.isId) return sql`${sql.ref(key.id)} ${sql.raw(direction)}`
  return sql`${key.expression} ${sql.raw(direction)}, ${sql.ref(key.id)} ${sql.raw(direction)}`
}

export const opposite = (d: SortDirection): SortDirection => (d === 'asc' ? 'desc' : 'asc')

/** What a page answers besides its rows: cursors both ways (null at either end) and the count of all matches. */
export interface PageLinks {
  next: string | null
  prev: string | null
}

/**
 * Turns `limit + 1` rows read for a page into the page and its links. `backward` pages were read in the opposite
 * order and are turned round; `fromStart` says the page begins at the first row of the listing (no cursor, read
 * forward).
 */
export function pageOf<T>(
  rows: T[],
  limit: number,
  cursorOf: (row: T) => KeysetCursor,
  how: { backward: boolean; hadCursor: boolean }
): { page: T[]; links: PageLinks } {
  const more = rows.length > limit
  const page = rows.slice(0, limit)
  if (how.backward) page.reverse()
  const first = page[0]
  const last = page[page.length - 1]
  const next = how.backward ? how.hadCursor : more
  const prev = how.backward ? more : how.hadCursor
  return {
    page,
    links: {
      next: next && last ? encodeCursor(cursorOf(last)) : null,
      prev: prev && first ? encodeCursor(cursorOf(first)) : null
    }
  }
}
