import { stringify } from 'csv-stringify/sync'

/*
 * Every CSV clearfile writes is opened by someone in a spreadsheet, and some of
 * its text comes from outside (a court's report, a DOJ file, a case as a DA
 * system sent it). A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a
 * carriage return is taken by Excel, LibreOffice and Sheets as a formula
 * (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`), so such text goes out behind a
 * single quote, which spreadsheets show as text (OWASP, "CSV injection").
 * Numbers are not text: a negative number stays a number.
 */

/** True when a cell starting with this character code would be read as a formula. */
const formulaLead = (c: number) => c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13

/**
 * `text` as a spreadsheet should show it: behind a `'` when its first
 * character would make it a formula, else unchanged (and not copied). Cheap
 * enough for the DOJ review's half a million rows.
 */
export function neutralised(text: string): string {
  return formulaLead(text.charCodeAt(0)) ? `'${text}` : text
}

/**
 * The text of one cell: numbers as written, null and undefined empty, dates as
 * ISO timestamps, and any other text neutralised (see {@link neutralised}).
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (value instanceof Date) return value.toISOString()
  return neutralised(String(value))
}

/** Rows as CSV text (RFC 4180 quoting, `\n` after every row), each cell through {@link csvCell}. */
export function toCsv(rows: ReadonlyArray<ReadonlyArray<unknown>>): string {
  return stringify(
    rows.map((row) => row.map(csvCell)),
    { eof: true, record_delimiter: 'unix', quote_record_delimiter: true }
  )
}

/** One row as a CSV line, ending in `\n`. */
export function csvLine(values: ReadonlyArray<unknown>): string {
  return toCsv([values])
}
