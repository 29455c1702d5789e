/**
 * Code sections as records write them, read by one grammar into one canonical form.
 *
 * Real records say the same thing many ways: `11359 HS`, `11359HS`, `HS 11359(b)`,
 * `11357(A)HS`, `H&S 11360(a)(2)`, `66411357(A) HS` (an attempt, 664 glued on),
 * `PC 664/187`, `664/187PC`, `664 PC/11359 HS`, `182(A)(1)/11359 HS`,
 * `288A(C)(1) PC`, `11360(A)(3)(C) HS`, or a charge inside free comment text.
 * All of them become `{ code, section, subsections, attempt, conspiracy }`,
 * printed as `HS 11359(b)`, `PC 288a(c)(1)`, `PC 664/187`, `PC 182/HS 11359`.
 *
 * The grammar reads tokens (numbers, letter runs, parenthesised subdivisions,
 * `/` and `-`) rather than matching regular expressions over the text, and it
 * refuses what it cannot read instead of guessing: two different codes, two
 * sections that are not an attempt or conspiracy and its target, a letter run
 * that is neither a code nor a section suffix, an unclosed parenthesis.
 *
 * Matching is structural, never by regex over text: a list entry matches a
 * conviction when code and section are equal (after renumbering aliases) and
 * the entry's subsections are a prefix of the conviction's, so `PC 286(c)`
 * matches `PC 286(c)(2)(A)` but never `PC 286.5`, and `PC 187` never `PC 1187`.
 */

export type CodeName = 'PC' | 'HS' | 'VC' | 'BP' | 'WIC' | 'GC' | 'FG' | 'MV' | 'CCR' | 'UNKNOWN'

export interface CodeSection {
  code: CodeName
  /** Section number with any letter suffix, lower case: `11359`, `288a`, `288.5`, `273ab`. */
  section: string
  /** Subdivisions in order, lower case: `['c', '1']` for `(c)(1)`. */
  subsections: string[]
  /** PC 664: an attempt of the section. */
  attempt: boolean
  /** PC 182: a conspiracy to commit the section. */
  conspiracy: boolean
  /** What was changed to read it: a missing or wrong code, for explanations. */
  notes: string[]
  /** Code and section after renumbering aliases (`PC 287` for `PC 288a`): what matching compares. */
  key: string
}

/** Code abbreviations as records write them, after `&`, `/`, `.` and inner spaces are dropped. */
const CODE_ALIASES: Readonly<Record<string, CodeName>> = {
  PC: 'PC',
  PEN: 'PC',
  PENAL: 'PC',
  HS: 'HS',
  HSC: 'HS',
  VC: 'VC',
  VEH: 'VC',
  BP: 'BP',
  BPC: 'BP',
  WI: 'WIC',
  WIC: 'WIC',
  GC: 'GC',
  GOV: 'GC',
  FG: 'FG',
  MV: 'MV',
  CCR: 'CCR'
}

/** Sections Prop 64 changed; records often drop or garble their code letters (gogen's fixtures prove it). */
const CANNABIS_SECTIONS = new Set(['11357', '11358', '11359', '11360', '11362.1'])

/*
 * Punctuated codes (`H&S`, `H & S`, `H/S`, `H.S.`, `P.C.`, `B & P`, `W&I`) are
 * rewritten to their letters after padding spaces, so the rewritten text is as
 * long as the record's and a code ends where it ended there.
 */
const PUNCTUATED_CODE =
  /(?<![A-Z])(H\s*[&/.]?\s*S|B\s*[&/.]?\s*P|W\s*[&/.]?\s*I|F\s*[&/.]?\s*G|P\s*\.\s*C|V\s*\.\s*C|H\s*\.\s*S\s*C)\.?(?![A-Z])/g

function normalize(input: string): string {
  const upper = input.toUpperCase()
  // Upper-casing can change the length of non-ASCII text; positions then refer to the upper-cased text.
  const text = upper.length === input.length ? upper : input
  if (!/[&/.\s]/.test(text)) return text
  return text.replace(PUNCTUATED_CODE, (m) => {
    const letters = m.replace(/[^A-Z]/g, '')
    // Letters last, so a token's end is where the code ends in the record's text.
    return ' '.repeat(m.length - letters.length) + letters
  })
}

enum Kind {
  Num,
  Letters,
  Subs,
  Slash,
  Dash,
  Other
}

interface Token {
  kind: Kind
  /** Digits (with any decimal part), letters, or the subdivision's text. */
  text: string
  start: number
  end: number
  /** No space or punctuation between this token and the one before. */
  glued: boolean
}

const isDigit = (c: number) => c >= 48 && c <= 57
const isLetter = (c: number) => c >= 65 && c <= 90
const isSpaceLike = (c: number) =>
  c === 32 ||
  c === 9 ||
  c === 10 ||
  c === 13 ||
  c === 160 ||
  c === 44 /* , */ ||
  c === 46 /* . */ ||
  c === 59 /* ; */ ||
  c === 58 /* : */

function tokenize(text: string): Token[] {
  const out: Token[] = []
  const n = text.length
  let i = 0
  let glued = false
  while (i < n) {
    const c = text.charCodeAt(i)
    const start = i
    if (isDigit(c)) {
      while (i < n && isDigit(text.charCodeAt(i))) i++
      if (text.charCodeAt(i) === 46 && isDigit(text.charCodeAt(i + 1))) {
        i++
        while (i < n && isDigit(text.charCodeAt(i))) i++
      }
      out.push({ kind: Kind.Num, text: text.slice(start, i), start, end: i, glued })
      glued = true
    } else if (isLetter(c)) {
      while (i < n && isLetter(text.charCodeAt(i))) i++
      out.push({ kind: Kind.Letters, text: text.slice(start, i), start, end: i, glued })
      glued = true
    } else if (c === 40 /* ( */) {
      const close = text.indexOf(')', i)
      const inner = close === -1 ? '' : text.slice(i + 1, close).replace(/\s+/g, '')
      if (close !== -1 && /^[A-Z0-9]{1,4}$/.test(inner)) {
        out.push({ kind: Kind.Subs, text: inner, start, end: close + 1, glued })
        i = close + 1
      } else {
        out.push({ kind: Kind.Other, text: '(', start, end: i + 1, glued })
        i++
      }
      glued = true
    } else if (c === 47 /* / */ || c === 45 /* - */ || c === 0x2013 || c === 0x2014) {
      out.push({ kind: c === 47 ? Kind.Slash : Kind.Dash, text: c === 47 ? '/' : '-', start, end: i + 1, glued })
      i++
      glued = true
    } else if (isSpaceLike(c)) {
      i++
      glued = false
    } else {
      out.push({ kind: Kind.Other, text: text[i]!, start, end: i + 1, glued })
      i++
      glued = false
    }
  }
  return out
}

const codeOf = (letters: string): CodeName | undefined => CODE_ALIASES[letters]

/** One section as written, before attempts and conspiracies are combined. */
interface Part {
  code: CodeName | null
  number: string
  suffix: string
  subsections: string[]
  /** Index of the first token after the part. */
  next: number
  /** Why the tokens at the start could not be a part, when they could not. */
  refused?: string
}

/**
 * `[CODE] NUMBER [SUFFIX][CODE] (SUB)* [CODE]`. A letter run glued to the number
 * is a code (`11359HS`), a suffix and a code (`288APC`), or a suffix of at
 * most two letters (`288A`, `273AB`); anything else is refused.
 */
function readPart(tokens: Token[], i: number): Part | null {
  let code: CodeName | null = null
  let t = tokens[i]
  if (t?.kind === Kind.Letters) {
    const c = codeOf(t.text)
    if (!c) return null
    code = c
    i++
    // `PC-187`, `HS-11359`
    if (tokens[i]?.kind === Kind.Dash && tokens[i + 1]?.kind === Kind.Num) i++
    t = tokens[i]
  }
  if (t?.kind !== Kind.Num) return null
  const number = t.text
  i++
  let suffix = ''
  let after: CodeName | null = null
  const glued = tokens[i]
  if (glued?.kind === Kind.Letters && glued.glued) {
    const letters = glued.text
    const whole = codeOf(letters)
    // A suffix of one or two letters, then a code; the common two-letter codes first (`273ABPC` is 273ab PC, not 273a BPC).
    const split = [2, 3, 4]
      .map((n) => ({ suffix: letters.slice(0, -n), code: codeOf(letters.slice(-n)) }))
      .find((x) => x.code && x.suffix.length >= 1 && x.suffix.length <= 2)
    if (whole) after = whole
    else if (split) {
      suffix = split.suffix
      after = split.code!
    } else if (letters.length <= 2) suffix = letters
    else
      return {
        code,
        number,
        suffix: '',
        subsections: [],
        next: i,
        refused: `${number}${letters} is neither a section with a letter suffix nor a section and a code`
      }
    i++
  }
  const subsections: string[] = []
  while (tokens[i]?.kind === Kind.Subs) subsections.push(tokens[i++]!.text.toLowerCase())
  if (after === null && tokens[i]?.kind === Kind.Letters) {
    const c = codeOf(tokens[i]!.text)
    if (c) {
      after = c
      i++
    }
  }
  if (code !== null && after !== null && code !== after) {
    return { code, number, suffix, subsections, next: i, refused: `two codes for one section (${code} and ${after})` }
  }
  return { code: code ?? after, number, suffix, subsections, next: i }
}

/**
 * PC 664 (attempt) or PC 182 (conspiracy), written as the section of a part.
 * After its target (`11359/664 HS`) the code that follows is the target's.
 */
function inchoateOf(p: Part, trailing = false): 'attempt' | 'conspiracy' | null {
  if (p.suffix !== '' || (p.code !== null && p.code !== 'PC' && !trailing)) return null
  if (p.number === '664') return 'attempt'
  if (p.number === '182') return 'conspiracy'
  return null
}

interface Charge {
  section: CodeSection | null
  next: number
  refused?: string
}

/**
 * A charge at token `i`: one part, or an attempt or conspiracy and its target
 * joined by `/` or `-` in either order (`664/187`, `182(A)(1) PC/11359 HS`, `187-664 PC`).
 */
function readCharge(tokens: Token[], i: number, lenient = false): Charge | null {
  const first = readPart(tokens, i)
  if (!first) return null
  if (first.refused) return { section: null, next: first.next, refused: first.refused }
  const sep = tokens[first.next]
  if (sep?.kind === Kind.Slash || sep?.kind === Kind.Dash) {
    const second = readPart(tokens, first.next + 1)
    if (second && !second.refused) {
      const firstInchoate = inchoateOf(first)
      const secondInchoate = inchoateOf(second, first.code === null)
      if (firstInchoate && !secondInchoate) {
        return { section: build(second, second.code ?? first.code, firstInchoate), next: second.next }
      }
      if (secondInchoate && !firstInchoate) {
        return { section: build(first, first.code ?? second.code, secondInchoate), next: second.next }
      }
      if (sep.kind === Kind.Slash && !lenient)
        return {
          section: null,
          next: second.next,
          refused: 'two sections joined by "/" that are not an attempt or conspiracy and its target'
        }
    }
  }
  const section = build(first, first.code, null)
  return section
    ? { section, next: first.next }
    : { section: null, next: first.next, refused: `${first.number}${first.suffix} cannot be read as a section` }
}

function build(part: Part, code: CodeName | null, inchoate: 'attempt' | 'conspiracy' | null): CodeSection | null {
  let digits = part.number
  let attempt = inchoate === 'attempt'
  let conspiracy = inchoate === 'conspiracy'
  const notes: string[] = []
  // DOJ writes attempts with 664 glued on: 66411357(A) is an attempted 11357(a). No PC
  // section has six or more digits starting 664, so the split is unambiguous.
  if (!inchoate && digits.split('.')[0]!.length >= 6 && digits.startsWith('664')) {
    attempt = true
    digits = digits.slice(3)
    notes.push(`read ${part.number} as an attempt (PC 664) of ${digits}`)
  } else if (!inchoate && digits.startsWith('182') && CANNABIS_SECTIONS.has(digits.slice(3))) {
    conspiracy = true
    digits = digits.slice(3)
    notes.push(`read ${part.number} as a conspiracy (PC 182) to violate ${digits}`)
  }
  // A letter after a cannabis section is a garbled subdivision, not a section: refuse rather than guess.
  if (part.suffix !== '' && CANNABIS_SECTIONS.has(digits)) return null
  const section = (digits + part.suffix).toLowerCase()
  let finalCode: CodeName = code ?? 'UNKNOWN'
  if (CANNABIS_SECTIONS.has(section) && finalCode !== 'HS') {
    notes.push(
      finalCode === 'UNKNOWN'
        ? `no code given; read as HS ${section}`
        : `written as ${finalCode}; read as HS ${section}`
    )
    finalCode = 'HS'
  }
  return {
    code: finalCode,
    section,
    subsections: part.subsections,
    attempt,
    conspiracy,
    notes,
    key: matchKey(finalCode, section)
  }
}

/** What reading a code section gave: the section, or why the text could not be read as one. */
export type SectionReading = { section: CodeSection; refused?: undefined } | { section: null; refused: string }

// Records repeat the same few thousand spellings: each is read once.
const READ_CACHE = new Map<string, SectionReading>()
const CACHE_LIMIT = 20_000

/**
 * Reads one code-section string, all of it: `{ section }`, or `{ refused }`
 * saying why it is not a code section clearfile can read. Text after a ` - `
 * or `-DESCRIPTION` is not part of it: use `readOffenseText` for a DOJ
 * OFFENSE_DESCR.
 */
export function readCodeSection(input: string): SectionReading {
  const cached = READ_CACHE.get(input)
  if (cached) return cached
  const text = normalize(input)
  const tokens = tokenize(text)
  let result: SectionReading
  if (tokens.length === 0) result = { section: null, refused: 'no code section given' }
  else {
    const charge = readCharge(tokens, 0)
    if (!charge)
      result = { section: null, refused: `${JSON.stringify(input.trim())} does not begin with a code section` }
    else if (!charge.section) result = { section: null, refused: charge.refused ?? 'not a code section' }
    else if (charge.next < tokens.length)
      result = {
        section: null,
        refused: `${JSON.stringify(input.trim())} has text after its code section that is not part of it`
      }
    else result = { section: freeze(charge.section) }
  }
  if (READ_CACHE.size >= CACHE_LIMIT) READ_CACHE.clear()
  READ_CACHE.set(input, result)
  return result
}

function freeze(cs: CodeSection): CodeSection {
  Object.freeze(cs.subsections)
  Object.freeze(cs.notes)
  return Object.freeze(cs)
}

/**
 * Parses one code-section string. Returns null when it is not a code section
 * (free text, empty, or a form the grammar refuses). Text after a ` - ` or
 * `-DESCRIPTION` is not part of it: use `readOffenseText` for those.
 */
export function parseCodeSection(input: string): CodeSection | null {
  return readCodeSection(input).section
}

/** A DOJ offense description split into its code section and the words after it. */
export interface OffenseText {
  section: CodeSection | null
  /** The code-section part as the record wrote it: `11359HS` of `11359HS-POSSESS FOR SALE`. */
  text: string
  /** Why the code-section part could not be read, when it could not. */
  refused?: string
}

/**
 * Reads a DOJ offense description such as `11357(C)HS-POSSESS MARIJUANA`,
 * `187PC-MURDER`, `664 PC/11359 HS-ATTEMPT POSSESS FOR SALE`: the charge at the
 * start, up to the words that describe it.
 */
export function readOffenseText(descr: string): OffenseText {
  const cached = OFFENSE_CACHE.get(descr)
  if (cached) return cached
  const read = readOffenseTextUncached(descr)
  if (OFFENSE_CACHE.size >= CACHE_LIMIT) OFFENSE_CACHE.clear()
  OFFENSE_CACHE.set(descr, read)
  return read
}

const OFFENSE_CACHE = new Map<string, OffenseText>()

function readOffenseTextUncached(descr: string): OffenseText {
  const text = normalize(descr)
  const tokens = tokenize(text)
  const charge = tokens.length > 0 ? readCharge(tokens, 0) : null
  if (!charge)
    return {
      section: null,
      text: descr.trim(),
      refused: tokens.length === 0 ? 'no code section given' : 'it does not begin with a code section'
    }
  const end = tokens[charge.next - 1]?.end ?? descr.length
  const rest = tokens[charge.next]
  // What follows the charge must be its description: a hyphen and words, or words.
  const describedAfter =
    !rest ||
    (rest.kind === Kind.Dash ? tokens[charge.next + 1]?.kind !== Kind.Num : rest.kind === Kind.Letters && !rest.glued)
  const codeText = descr.slice(0, end).trim()
  if (!charge.section) return { section: null, text: codeText, refused: charge.refused ?? 'not a code section' }
  if (!describedAfter)
    return { section: null, text: descr.trim(), refused: 'the code section is followed by more than a description' }
  return { section: freeze(charge.section), text: codeText }
}

/** Finds the first code section inside free text, such as a DOJ COMMENT_TEXT (`POSS MJ 11359 HS FOR SALE`). */
export function findCodeSectionInText(text: string): CodeSection | null {
  return findAllCodeSectionsInText(text)[0] ?? null
}

/**
 * Every charge inside free text. A charge there needs a code on either side
 * (`11359 HS`, `PC 32`), or to be a cannabis section (`POSS 11359 FOR SALE`),
 * and must stand apart from the letters and digits around it: the `187PC` in a
 * docket number `2011187PC0001` is no charge.
 */
export function findAllCodeSectionsInText(input: string): CodeSection[] {
  const cached = TEXT_CACHE.get(input)
  if (cached) return cached
  const found = Object.freeze(findAllUncached(input)) as CodeSection[]
  if (TEXT_CACHE.size >= CACHE_LIMIT) TEXT_CACHE.clear()
  TEXT_CACHE.set(input, found)
  return found
}

const TEXT_CACHE = new Map<string, CodeSection[]>()

function findAllUncached(input: string): CodeSection[] {
  const text = normalize(input)
  const tokens = tokenize(text)
  const found: CodeSection[] = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (
      t.glued &&
      i > 0 &&
      tokens[i - 1]!.kind !== Kind.Slash &&
      tokens[i - 1]!.kind !== Kind.Dash &&
      tokens[i - 1]!.kind !== Kind.Other
    )
      continue
    if (t.kind !== Kind.Num && !(t.kind === Kind.Letters && codeOf(t.text))) continue
    const charge = readCharge(tokens, i, true)
    if (!charge?.section) continue
    const after = tokens[charge.next]
    if (after?.glued && (after.kind === Kind.Num || after.kind === Kind.Letters)) continue
    const cs = charge.section
    const coded = cs.code !== 'UNKNOWN' && !cs.notes.some((n) => n.startsWith('no code given'))
    if (!coded && !CANNABIS_SECTIONS.has(cs.section)) continue
    found.push(freeze(cs))
    i = charge.next - 1
  }
  return found
}

// Words and numbers that say a charge may concern cannabis although its section could not be read.
const CANNABIS_HINT =
  /(?<![A-Z])(?:MARIJUANA|MARIHUANA|CANNABIS|MJ|HASHISH|HASH|THC)(?![A-Z])|(?<!\d)(?:664|182)?(?:1135[789]|11360|11362\.1)(?!\d)/

/** True when text may concern a cannabis offense: it names cannabis, or holds a Prop 64 section number in any spelling. */
export function mayConcernCannabis(text: string): boolean {
  return CANNABIS_HINT.test(text.toUpperCase())
}

/**
 * Canonical text: `HS 11359(b)`, `PC 664/187`, `PC 182/HS 11360(a)`.
 * Subdivision letters are lower case except the third level, which California
 * writes in capitals: `HS 11360(a)(3)(C)`.
 */
export function formatCodeSection(cs: CodeSection): string {
  let base = cs.section
  for (let i = 0; i < cs.subsections.length; i++) {
    const sub = cs.subsections[i]!
    base += `(${i === 2 && /^[a-z]+$/.test(sub) ? sub.toUpperCase() : sub})`
  }
  const code = cs.code === 'UNKNOWN' ? '?' : cs.code
  if (cs.attempt) return code === 'PC' ? `PC 664/${base}` : `PC 664/${code} ${base}`
  if (cs.conspiracy) return code === 'PC' ? `PC 182/${base}` : `PC 182/${code} ${base}`
  return `${code} ${base}`
}

/** Parses and formats in one step; null when the input is not a code section. */
export function normalizeCodeSection(input: string): string | null {
  const parsed = parseCodeSection(input)
  return parsed ? formatCodeSection(parsed) : null
}

/**
 * Renumbered sections, mapped to the current number so either spelling matches:
 * PC 288a became PC 287 (SB 1494, 2018, eff. 2019); the 2012 deadly-weapons
 * recodification moved PC 12308/12309/12310 to 18745/18750/18755 and 12034 to 26100.
 */
export const SECTION_ALIASES: Readonly<Record<string, string>> = {
  'PC 288a': 'PC 287',
  'PC 12308': 'PC 18745',
  'PC 12309': 'PC 18750',
  'PC 12310': 'PC 18755',
  'PC 12034': 'PC 26100'
}

function matchKey(code: CodeName, section: string): string {
  const key = `${code} ${section}`
  return SECTION_ALIASES[key] ?? key
}

export interface MatchOptions {
  /** The list covers attempts and conspiracies of its entries (as PC 290(c) does). */
  includeInchoate?: boolean
}

/**
 * True when `candidate` falls under `entry`: same code and section (after
 * aliases), entry subsections a prefix of the candidate's, and the same
 * attempt/conspiracy form unless the list covers inchoate forms.
 */
export function sectionMatches(entry: CodeSection, candidate: CodeSection, options: MatchOptions = {}): boolean {
  if (entry.key !== candidate.key) return false
  if (entry.subsections.length > candidate.subsections.length) return false
  for (let i = 0; i < entry.subsections.length; i++) {
    if (entry.subsections[i] !== candidate.subsections[i]) return false
  }
  if (entry.attempt || entry.conspiracy) {
    return entry.attempt === candidate.attempt && entry.conspiracy === candidate.conspiracy
  }
  return options.includeInchoate === true || (!candidate.attempt && !candidate.conspiracy)
}

/** The same section read under another code: `? 187` as `PC 187`, to ask whether a code-less record could be a listed offense. */
export function withCode(cs: CodeSection, code: CodeName): CodeSection {
  return { ...cs, code, key: matchKey(code, cs.section) }
}

/** True for a bare PC 182 or PC 664 (a conspiracy or attempt whose target the text does not name). */
export function isBareInchoate(cs: CodeSection): boolean {
  return (
    !cs.attempt &&
    !cs.conspiracy &&
    (cs.code === 'PC' || cs.code === 'UNKNOWN') &&
    (cs.section === '182' || cs.section === '664')
  )
}

/** The target of a bare PC 182 or PC 664, named elsewhere (a DOJ comment): an attempt or conspiracy of it. */
export function asInchoateOf(bare: CodeSection, target: CodeSection, where: string): CodeSection {
  const attempt = bare.section === '664'
  return freeze({
    ...target,
    attempt,
    conspiracy: !attempt,
    subsections: [...target.subsections],
    notes: [
      ...target.notes,
      `${formatCodeSection(bare)} names no offense; its target ${formatCodeSection({ ...target, attempt: false, conspiracy: false })} was read from ${where}`
    ]
  })
}

/**
 * The code-section part of a DOJ OFFENSE_DESCR such as `11357(C)HS-POSSESS MARIJUANA`:
 * `11357(C)HS`. Kept for callers that want text; `readOffenseText` gives the section too.
 */
export function offenseCodeText(descr: string): string {
  return readOffenseText(descr).text
}
