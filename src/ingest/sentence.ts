export interface SentencePart {
  kind: string
  length?: number | undefined
  unit?: 'days' | 'months' | 'years' | undefined
  amount?: number | undefined
}

/** Parts that run for a length of time (a fine or an "other" part does not). */
const TIMED_KINDS = new Set(['jail', 'prison', 'probation', 'county_jail_1170h', 'community_service'])

export function isTimedPart (part: SentencePart): boolean {
  return TIMED_KINDS.has(part.kind)
}

/** Adds calendar days, months or years to a `YYYY-MM-DD` date, clamping to month end (Jan 31 + 1 month = Feb 28/29). */
export function addToDate (date: string, length: number, unit: 'days' | 'months' | 'years'): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  if (unit === 'days') return new Date(Date.UTC(y, m - 1, d + length)).toISOString().slice(0, 10)
  const months = unit === 'months' ? length : length * 12
  const target = new Date(Date.UTC(y, m - 1 + months, 1))
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(d, lastDay))
  return target.toISOString().slice(0, 10)
}

/**
 * When a sentence ends: the conviction date plus each timed part in turn.
 * Parts are added end to end, as the statewide tool (gogen) did; that can only
 * make the end later, which errs toward "still serving" (resentencing under
 * HS 11361.8(a)) rather than wrongly calling a sentence complete.
 * Returns null without a conviction date or when a timed part lacks its length.
 */
export function sentenceEndDate (convictionDate: string | null | undefined, parts: readonly SentencePart[]): string | null {
  if (!convictionDate) return null
  let end = convictionDate
  for (const part of parts) {
    if (!isTimedPart(part)) continue
    if (part.length === undefined || part.unit === undefined) return null
    end = addToDate(end, part.length, part.unit)
  }
  return end
}
