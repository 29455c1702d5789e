/** JSON columns are text on both dialects; this reads one back with a fallback for empty values. */
export function parseJsonColumn<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback
  return JSON.parse(text) as T
}

// Module functions rather than closures made per call: V8 keeps a closure's optimized code only while such a
// closure lives, and these run for every value of every determination stored.
const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0)
const withSortedKeys = (_key: string, v: unknown) =>
  v === null || typeof v !== 'object' || Array.isArray(v)
    ? v
    : Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(byKey))

/** JSON with object keys sorted, so equal values always give equal text (and equal hashes). */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, withSortedKeys)
}
