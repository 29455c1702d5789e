/*
 * Names as courts write them. The DOJ record gives `NGUYEN,DAVID B` (surname,
 * comma, given names, all caps); a caption and a motion say `DAVID B. NGUYEN`:
 * given names first, an initial with its period, a generational suffix last
 * (`JOHN SMITH JR.`).
 *
 * The rule only moves words and adds periods: it never changes a letter or its
 * case, so captions keep the capitals a caption writes a defendant in. The court
 * form never holds a comma, so the rule applied to its own output changes nothing.
 * Sentences name the defendant in proper case (`David B. Nguyen`, see proseName):
 * a rule that only lowers letters and can be undone by raising them again.
 *
 * A name without a comma is not in the DOJ form and is left as it is (spaces
 * tidied). Because a court form does not show where a multi-word surname starts
 * (`MARIA DE LA CRUZ`), the papers also show the DOJ form as an a.k.a. when it
 * reads differently (see captionNames).
 */

/** The parts of a name in the DOJ's `SURNAME,GIVEN` form. */
export interface NameParts {
  /** The surname, words as the record has them: `DE LA CRUZ`, `O'BRIEN`, `GARCIA-LOPEZ`; may be ''. */
  surname: string
  /** The given names in order; an initial without its period (`['DAVID', 'B']`). */
  given: string[]
  /** `JR`, `SR`, `II`, `III` or `IV` without a period; '' when none. */
  suffix: string
}

// `V` is left out: after a given name it is far more often a middle initial than "the fifth".
const SUFFIXES = new Set(['JR', 'SR', 'II', 'III', 'IV'])
const WITH_PERIOD = new Set(['JR', 'SR'])

const wordsOf = (text: string) => text.split(/\s+/).filter((w) => w !== '')
const tidy = (text: string) => wordsOf(text).join(' ')
const bare = (word: string) => word.replace(/\.$/, '')
const isSuffix = (word: string) => SUFFIXES.has(bare(word).toUpperCase())
/** One letter, with or without its period: `B`, `B.`. */
const isInitial = (word: string) => /^\p{L}\.?$/u.test(word)

/**
 * The parts of a DOJ-form name; null when the name is not in that form (no
 * comma, more than one comma that is not a suffix's, or nothing but commas).
 * A suffix is recognised at the end of the given names (`SMITH,JOHN JR`), of
 * the surname (`SMITH JR,JOHN`) or after a second comma (`SMITH,JOHN,JR`),
 * never when it is the part's only word.
 */
export function dojParts(raw: string): NameParts | null {
  const segments = raw.split(',')
  if (segments.length < 2) return null
  const surname = wordsOf(segments[0]!)
  const given = wordsOf(segments[1]!)
  const extra = segments.slice(2).map(wordsOf)
  let suffix = ''
  if (extra.length > 1) return null
  if (extra.length === 1 && extra[0]!.length > 0) {
    if (extra[0]!.length !== 1 || !isSuffix(extra[0]![0]!)) return null
    suffix = extra[0]![0]!
  }
  if (suffix === '' && given.length > 1 && isSuffix(given.at(-1)!)) suffix = given.pop()!
  else if (suffix === '' && surname.length > 1 && isSuffix(surname.at(-1)!)) suffix = surname.pop()!
  if (surname.length === 0 && given.length === 0) return null
  return {
    surname: surname.join(' '),
    given: given.map((w) => (isInitial(w) ? bare(w) : w)),
    suffix: bare(suffix)
  }
}

/** The court form of parts: given names (initials with a period), surname, suffix. */
export function courtFormOf(parts: NameParts): string {
  const suffix = parts.suffix && (WITH_PERIOD.has(parts.suffix.toUpperCase()) ? `${parts.suffix}.` : parts.suffix)
  return [...parts.given.map((w) => (isInitial(w) ? `${bare(w)}.` : w)), parts.surname, suffix]
    .filter((w) => w !== '')
    .join(' ')
}

/**
 * A name as a court writes it: `NGUYEN,DAVID B` -> `DAVID B. NGUYEN`,
 * `DE LA CRUZ,MARIA` -> `MARIA DE LA CRUZ`, `SMITH JR,JOHN` -> `JOHN SMITH JR.`;
 * a name not in the DOJ form comes back with its spaces tidied.
 */
export function courtName(raw: string): string {
  const parts = dojParts(raw)
  return parts ? courtFormOf(parts) : tidy(raw)
}

// Roman numerals end a name as a generational suffix (`JOHN SMITH III`) and stay capitals.
const ROMAN_SUFFIXES = new Set(['II', 'III', 'IV'])

/**
 * One word of an all-caps name in proper case: a capital at the start and after a hyphen or apostrophe
 * (`GARCIA-LOPEZ` -> `Garcia-Lopez`, `O'BRIEN` -> `O'Brien`), and after `Mc` (`MCDONALD` -> `McDonald`, a prefix
 * that is never its own syllable). `MAC` is left `Mac…` (MACDONALD and MACK read alike), particles keep their
 * capital (`De La Cruz`): no guess a court order would have to correct. A word whose letters would not come back
 * the same when raised again (`İ`) is left in capitals.
 */
function properWord(word: string): string {
  let out = word
    .toLowerCase()
    .replace(/(^|[-'\u2019])(\p{L})/gu, (_, before: string, letter: string) => before + letter.toUpperCase())
  if (/^Mc\p{Ll}/u.test(out) && out.length > 3) out = `Mc${out[2]!.toUpperCase()}${out.slice(3)}`
  return out.toUpperCase() === word ? out : word
}

/**
 * The defendant as a sentence names them: the court form in proper case when the record has it all in capitals
 * (`NGUYEN,DAVID B` -> `David B. Nguyen`, `SMITH,JOHN III` -> `John Smith III`); a name the record already writes
 * in mixed case keeps it. Reversible: the result in capitals is the court form again, letter for letter.
 */
export function proseName(raw: string): string {
  const court = courtName(raw)
  if (court !== court.toUpperCase()) return court
  const words = court.split(' ')
  return words.map((w, i) => (i > 0 && i === words.length - 1 && ROMAN_SUFFIXES.has(w) ? w : properWord(w))).join(' ')
}

/** The case's title as a court writes it in an e-filing: `People v. DAVID B. NGUYEN`. */
export function caseTitle(defendant: string): string {
  return `People v. ${courtName(defendant)}`
}

/**
 * The court form turned back: knowing how many words the surname has (the
 * court form cannot show it), the DOJ parts it was made from.
 */
export function partsOfCourtName(court: string, surnameWords: number): NameParts {
  const words = wordsOf(court)
  // The court form writes `JR.` and `SR.` with a period, so a surname `JR` is not taken for one.
  const last = words.at(-1) ?? ''
  const suffixed = WITH_PERIOD.has(bare(last).toUpperCase()) ? last.endsWith('.') : SUFFIXES.has(last.toUpperCase())
  const suffix = words.length > surnameWords && suffixed ? bare(words.pop()!) : ''
  const surname = words.splice(words.length - surnameWords, surnameWords)
  return { surname: surname.join(' '), given: words.map((w) => (isInitial(w) ? bare(w) : w)), suffix }
}

/**
 * The DOJ form as a reader sees it: its parts' spaces tidied, one space after
 * each comma, empty parts dropped (`NGUYEN,DAVID  B` -> `NGUYEN, DAVID B`).
 */
export function dojForm(raw: string): string {
  return raw
    .split(',')
    .map(tidy)
    .filter((s) => s !== '')
    .join(', ')
}

/** Two spellings of one name: the same words in the same order, whatever the case, periods and commas. */
const sameName = (text: string) => wordsOf(text.replace(/[.,]/g, ' ').toUpperCase()).join(' ')

/**
 * The defendant's names for a caption: the court form, then as a.k.a.s the DOJ
 * form when it reads differently, then each alias in its court form. An a.k.a.
 * that says the same as the name or an earlier a.k.a. is left out, so the DOJ
 * form appears once even when the aliases repeat it.
 */
export function captionNames(name: string, aliases: readonly string[]): { name: string; akas: string[] } {
  const primary = courtName(name)
  const seen = new Set([sameName(primary)])
  const akas: string[] = []
  for (const candidate of [dojForm(name), ...aliases.map(courtName)]) {
    const key = sameName(candidate)
    if (key === '' || seen.has(key)) continue
    seen.add(key)
    akas.push(candidate)
  }
  return { name: primary, akas }
}

/** The names of a roster (Schedule A), surname first as an index lists them: the DOJ forms, each once. */
export function rosterNames(name: string, aliases: readonly string[]): { name: string; akas: string[] } {
  const primary = dojForm(name)
  const seen = new Set([sameName(courtName(name))])
  const akas: string[] = []
  for (const alias of aliases) {
    const key = sameName(courtName(alias))
    if (key === '' || seen.has(key)) continue
    seen.add(key)
    akas.push(dojForm(alias))
  }
  return { name: primary, akas }
}
