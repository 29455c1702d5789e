/**
 * How courts write a ruling in free text. ECF 4.01 gives a filing's status a code (`accepted`, `rejected`…)
 * and leaves the judge's ruling on a proposed order to `nc:StatusDescriptionText`, which each court words its
 * own way: `granted`, `Granted`, `ORDER GRANTED`, `ruling: granted`, `Motion denied`, `granted in part`,
 * `GRANTED IN PART, DENIED IN PART`. One reader for all of them, used for status answers, callbacks and
 * clerks' reports alike. Text it cannot read is not a ruling (null): the caller records it and says so.
 */
export type RulingWord = 'granted' | 'denied' | 'partially_granted' | 'withdrawn'

/** Words that only frame a ruling ("ruling:", "the motion is hereby"); dropped before reading. */
const FRAME = new Set([
  'ruling',
  'order',
  'ordered',
  'motion',
  'petition',
  'application',
  'request',
  'is',
  'was',
  'hereby',
  'the',
  'and',
  'so',
  'court',
  'judge',
  'proposed'
])

export function rulingOfText(text: string | null | undefined): RulingWord | null {
  if (!text) return null
  const words = text
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((w) => w.length > 0 && !FRAME.has(w))
  if (words.length === 0 || words.length > 8) return null
  // "not granted", "no ruling yet", "pending": not a ruling.
  if (words.some((w) => w === 'not' || w === 'no' || w === 'pending' || w === 'awaiting')) return null
  const granted = words.some((w) => w === 'granted' || w === 'grant' || w === 'grants')
  const denied = words.some((w) => w === 'denied' || w === 'deny' || w === 'denies')
  const partly = words.some((w) => w === 'partially' || w === 'partial' || w === 'part' || w === 'partly')
  // "granted in part", "DENIED IN PART", "partial": some of what was asked was given.
  if (partly && (granted || denied || words.length === 1)) return 'partially_granted'
  if (granted && denied) return null // both, without saying "in part": ambiguous
  if (granted) return 'granted'
  if (denied) return 'denied'
  if (words.some((w) => w === 'withdrawn' || w === 'withdraw')) return 'withdrawn'
  return null
}
