/*
 * Dates as papers write them: `2026-11-29` -> `November 29, 2026`. A date-only
 * value is read from its digits and never through a Date, so no time zone can
 * move it a day.
 */

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December'
] as const

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

/** Year, month and day of a `YYYY-MM-DD` date; null when it is not a calendar date. */
function partsOf(iso: string): { year: number; month: number; day: number } | null {
  const m = ISO_DATE.exec(iso)
  if (!m) return null
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null
  return { year, month, day }
}

function parts(iso: string): { year: number; month: number; day: number } {
  const p = partsOf(iso)
  if (!p) throw new Error(`${JSON.stringify(iso)} is not a YYYY-MM-DD date`)
  return p
}

/** `2026-11-29` -> `November 29, 2026`. */
export function writtenDate(iso: string): string {
  const { year, month, day } = parts(iso)
  return `${MONTHS[month - 1]} ${day}, ${year}`
}

/** `1970-02-03` -> `02/03/1970`: a date of birth in a table column, as US courts write one. */
export function numericDate(iso: string): string {
  const { year, month, day } = parts(iso)
  return `${String(month).padStart(2, '0')}/${String(day).padStart(2, '0')}/${year}`
}

/**
 * Every `YYYY-MM-DD` date in a sentence written out; between dates listed with
 * commas (`(2017-01-05, 2018-02-06)`), a semicolon, since a written date has a
 * comma of its own. Text that only looks like a date is left as it is.
 */
export function writeDatesIn(text: string): string {
  return text.replace(/\b(\d{4}-\d{2}-\d{2})\b(, (?=\d{4}-\d{2}-\d{2}\b))?/g, (match, iso: string, comma?: string) =>
    partsOf(iso) ? `${writtenDate(iso)}${comma ? '; ' : ''}` : match
  )
}
