export interface SentencePart {
  kind: string
  length?: number | undefined
  unit?: 'days' | 'months' | 'years' | undefined
  amount?: number | undefined
}

/** Parts that run for a length of time (a fine or an "other" part does not). */
const TIMED_KINDS = new Set(['jail', 'prison', 'probation', 'county_jail_1170h', 'community_service'])

export function isTimedPart(part: SentencePart): boolean {
  return TIMED_KINDS.has(part.kind)
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
export const daysInMonth = (y: number, m: number) => (m === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[m - 1]!)

// Days from 1970-01-01 and back, in integers (H. Hinnant's civil calendar algorithms): a review adds
// sentence lengths to hundreds of thousands of dates, and Date objects would dominate the time.
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468
}

function civilFromDays(z: number): [number, number, number] {
  z += 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp + (mp < 10 ? 3 : -9)
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d]
}

const two = (n: number) => (n < 10 ? '0' : '') + n
export const formatYmd = (y: number, m: number, d: number) => `${String(y).padStart(4, '0')}-${two(m)}-${two(d)}`

/** Adds calendar days, months or years to a `YYYY-MM-DD` date, clamping to month end (Jan 31 + 1 month = Feb 28/29). */
export function addToDate(date: string, length: number, unit: 'days' | 'months' | 'years'): string {
  const y = Number(date.slice(0, 4))
  const m = Number(date.slice(5, 7))
  const d = Number(date.slice(8, 10))
  if (unit === 'days') {
    const [ny, nm, nd] = civilFromDays(daysFromCivil(y, m, d) + length)
    return formatYmd(ny, nm, nd)
  }
  const total = y * 12 + (m - 1) + (unit === 'months' ? length : length * 12)
  const ny = Math.floor(total / 12)
  const nm = total - ny * 12 + 1
  return formatYmd(ny, nm, Math.min(d, daysInMonth(ny, nm)))
}

/**
 * When a sentence ends: the conviction date plus each timed part in turn.
 * Parts are added end to end, as the statewide tool (gogen) did; that can only
 * make the end later, which errs toward "still serving" (resentencing under
 * HS 11361.8(a)) rather than wrongly calling a sentence complete.
 * Returns null without a conviction date or when a timed part lacks its length.
 */
export function sentenceEndDate(
  convictionDate: string | null | undefined,
  parts: readonly SentencePart[]
): string | null {
  if (!convictionDate) return null
  let end = convictionDate
  for (const part of parts) {
    if (!isTimedPart(part)) continue
    if (part.length === undefined || part.unit === undefined) return null
    end = addToDate(end, part.length, part.unit)
  }
  return end
}
