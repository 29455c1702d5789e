/** A whole number as people read it: `1,954`. */
export const figure = (n: number): string => n.toLocaleString('en-US')

/**
 * Rows of cells as aligned text lines, for a terminal: each column as wide as
 * its widest cell, numbers (cells given as numbers) right-aligned, text left,
 * two spaces between columns and none after the last.
 *
 * @example
 * alignedTable([['outcome', 'convictions'], ['dismiss_and_seal', 594], ['not_eligible', 1432]])
 * // ['outcome           convictions',
 * //  'dismiss_and_seal          594',
 * //  'not_eligible            1,432']
 */
export function alignedTable(rows: ReadonlyArray<ReadonlyArray<string | number>>): string[] {
  const text = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? figure(cell) : cell)))
  const columns = Math.max(0, ...rows.map((r) => r.length))
  const widths = Array.from({ length: columns }, (_, c) => Math.max(0, ...text.map((r) => (r[c] ?? '').length)))
  // A column is right-aligned when its cells below the heading are numbers.
  const numeric = widths.map((_, c) => rows.slice(1).some((r) => typeof r[c] === 'number'))
  return text.map((row) =>
    row
      .map((cell, c) =>
        numeric[c] ? cell.padStart(widths[c]!) : c === row.length - 1 ? cell : cell.padEnd(widths[c]!)
      )
      .join('  ')
      .trimEnd()
  )
}
