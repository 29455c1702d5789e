/**
 * Bound parameters one statement may carry on both databases: SQLite's limit
 * (32,766 since 3.32; PostgreSQL allows 65,535), with room to spare.
 */
const MAX_PARAMETERS = 30_000

/**
 * Splits `items` into slices small enough for one statement: at most
 * `perItem` parameters each (a row's columns, or 1 for an `in (…)` list), and
 * never more than `cap` items, which keeps statements quick to build.
 */
export function* chunksOf<T>(items: readonly T[], perItem: number, cap = 1000): Generator<T[]> {
  const size = Math.max(1, Math.min(cap, Math.floor(MAX_PARAMETERS / Math.max(1, perItem))))
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size)
}

/** Rows to insert, in slices that fit one statement (a row's width taken from the first row). */
export function rowChunks<T extends object>(rows: readonly T[]): Generator<T[]> {
  return chunksOf(rows, rows.length > 0 ? Object.keys(rows[0]!).length : 1)
}
