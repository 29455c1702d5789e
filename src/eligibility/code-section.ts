/**
 * Code sections as records write them, parsed into one canonical form.
 *
 * Real records say the same thing many ways: `11359 HS`, `HS 11359(b)`,
 * `11357(A)HS`, `66411357(A) HS` (an attempt, 664 glued on), `PC 664/187`,
 * `288A(C)(1) PC`, `11360(A)(3)(C) HS`, or a charge inside free comment text.
 * All of them become `{ code, section, subsections, attempt, conspiracy }`,
 * printed as `HS 11359(b)`, `PC 288a(c)(1)`, `PC 664/187`.
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

const CODE_ALIASES: Record<string, CodeName> = {
  PC: 'PC', PEN: 'PC', 'P.C.': 'PC', 'P C': 'PC', PENAL: 'PC',
  HS: 'HS', 'H&S': 'HS', 'H & S': 'HS', HSC: 'HS', 'H.S.': 'HS', 'H/S': 'HS', 'H S': 'HS',
  VC: 'VC', VEH: 'VC', 'V.C.': 'VC', 'V C': 'VC',
  BP: 'BP', 'B&P': 'BP', 'B & P': 'BP', BPC: 'BP', 'B/P': 'BP',
  WI: 'WIC', WIC: 'WIC', 'W&I': 'WIC', 'W & I': 'WIC', 'W/I': 'WIC',
  GC: 'GC', GOV: 'GC', FG: 'FG', 'F&G': 'FG', MV: 'MV', CCR: 'CCR'
}

/** Sections Prop 64 changed; records often drop or garble their code letters (gogen's fixtures prove it). */
const CANNABIS_SECTIONS = new Set(['11357', '11358', '11359', '11360', '11362.1'])

// A code abbreviation, tolerant of spacing and punctuation.
const CODE_PATTERN = String.raw`(?:H\s*&\s*S|B\s*&\s*P|W\s*&\s*I|F\s*&\s*G|P\.\s*C\.|V\.\s*C\.|H\.\s*S\.|H\/S|B\/P|W\/I|HSC|BPC|WIC|PEN|VEH|GOV|CCR|PC|HS|VC|BP|WI|GC|FG|MV)`
// A section number (with optional decimal and letter suffix) and any (sub)(divisions), optionally with a 664/ or 182/ prefix or suffix.
const SECTION_PATTERN = String.raw`(?:(?:664|182(?:\s*\([A-Z0-9]{1,3}\))*)\s*[/\-]\s*)?\d{1,9}(?:\.\d{1,3})?[A-Z]{0,2}(?:\s*\(\s*[A-Z0-9]{1,4}\s*\))*(?:\s*[/\-]\s*(?:664|182))?`

const CODE_FIRST = new RegExp(String.raw`^\s*(${CODE_PATTERN})\.?\s*(${SECTION_PATTERN})\s*$`, 'i')
const SECTION_FIRST = new RegExp(String.raw`^\s*(${SECTION_PATTERN})\s*(${CODE_PATTERN})?\.?\s*$`, 'i')
// In free text, a charge is a section with a code on either side, bounded by non-alphanumerics.
const IN_TEXT = new RegExp(String.raw`(?<![A-Z0-9.(])(?:(${CODE_PATTERN})\.?\s*(${SECTION_PATTERN})|(${SECTION_PATTERN})\s*(${CODE_PATTERN}))(?![A-Z0-9])`, 'gi')

function codeName (raw: string | undefined): CodeName | null {
  if (!raw) return null
  const key = raw.toUpperCase().replace(/\s+/g, ' ').trim()
  return CODE_ALIASES[key] ?? CODE_ALIASES[key.replace(/\s/g, '')] ?? null
}

/**
 * Parses one code-section string. Returns null when it is not a code section
 * (free text, empty). Text after a ` - ` or `-DESCRIPTION` is not part of it:
 * pass `OFFENSE_DESCR` through `offenseCodeText` first.
 */
export function parseCodeSection (input: string): CodeSection | null {
  const text = input.replace(/\u00a0/g, ' ').trim()
  if (text === '') return null
  let codeRaw: string | undefined
  let sectionRaw: string | undefined
  const codeFirst = CODE_FIRST.exec(text)
  if (codeFirst) {
    codeRaw = codeFirst[1]
    sectionRaw = codeFirst[2]
  } else {
    const sectionFirst = SECTION_FIRST.exec(text)
    if (!sectionFirst) return null
    sectionRaw = sectionFirst[1]
    codeRaw = sectionFirst[2]
  }
  return build(sectionRaw!, codeName(codeRaw))
}

/** Finds the first code section inside free text, such as a DOJ COMMENT_TEXT (`POSS MJ 11359 HS FOR SALE`). */
export function findCodeSectionInText (text: string): CodeSection | null {
  return findAllCodeSectionsInText(text)[0] ?? null
}

export function findAllCodeSectionsInText (text: string): CodeSection[] {
  const found: CodeSection[] = []
  for (const m of text.matchAll(IN_TEXT)) {
    const parsed = m[1] ? build(m[2]!, codeName(m[1])) : build(m[3]!, codeName(m[4]))
    if (parsed) found.push(parsed)
  }
  return found
}

function build (sectionText: string, code: CodeName | null): CodeSection | null {
  let s = sectionText.toUpperCase().replace(/\s+/g, '')
  let attempt = false
  let conspiracy = false
  const notes: string[] = []
  // Prefix forms: 664/187, 182(A)(1)/11359; suffix forms: 187/664.
  const prefix = /^(664|182(?:\([A-Z0-9]+\))*)[/-](.+)$/.exec(s)
  if (prefix) {
    if (prefix[1]!.startsWith('664')) attempt = true
    else conspiracy = true
    s = prefix[2]!
  }
  const suffix = /^(.+?)[/-](664|182)$/.exec(s)
  if (suffix) {
    if (suffix[2] === '664') attempt = true
    else conspiracy = true
    s = suffix[1]!
  }
  const m = /^(\d+)(\.\d+)?([A-Z]{0,2})((?:\([A-Z0-9]+\))*)$/.exec(s)
  if (!m) return null
  let digits = m[1]!
  // DOJ writes attempts with 664 glued on: 66411357(A) is an attempted 11357(a). No PC
  // section has six or more digits starting 664, so the split is unambiguous.
  if (!attempt && digits.length >= 6 && digits.startsWith('664')) {
    attempt = true
    digits = digits.slice(3)
    notes.push(`read ${m[1]} as an attempt (PC 664) of ${digits}`)
  }
  const section = (digits + (m[2] ?? '') + (m[3] ?? '')).toLowerCase()
  const subsections = [...(m[4] ?? '').matchAll(/\(([A-Z0-9]+)\)/g)].map((x) => x[1]!.toLowerCase())
  let finalCode: CodeName = code ?? 'UNKNOWN'
  if (CANNABIS_SECTIONS.has(section) && finalCode !== 'HS') {
    notes.push(finalCode === 'UNKNOWN' ? `no code given; read as HS ${section}` : `written as ${finalCode}; read as HS ${section}`)
    finalCode = 'HS'
  }
  return { code: finalCode, section, subsections, attempt, conspiracy, notes, key: matchKey(finalCode, section) }
}

/**
 * Canonical text: `HS 11359(b)`, `PC 664/187`, `PC 182/HS 11360(a)`.
 * Subdivision letters are lower case except the third level, which California
 * writes in capitals: `HS 11360(a)(3)(C)`.
 */
export function formatCodeSection (cs: CodeSection): string {
  const subs = cs.subsections.map((sub, i) => `(${i === 2 && /^[a-z]+$/.test(sub) ? sub.toUpperCase() : sub})`).join('')
  const base = `${cs.section}${subs}`
  const code = cs.code === 'UNKNOWN' ? '?' : cs.code
  if (cs.attempt) return code === 'PC' ? `PC 664/${base}` : `PC 664/${code} ${base}`
  if (cs.conspiracy) return code === 'PC' ? `PC 182/${base}` : `PC 182/${code} ${base}`
  return `${code} ${base}`
}

/** Parses and formats in one step; null when the input is not a code section. */
export function normalizeCodeSection (input: string): string | null {
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

function matchKey (code: CodeName, section: string): string {
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
export function sectionMatches (entry: CodeSection, candidate: CodeSection, options: MatchOptions = {}): boolean {
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

/**
 * The code-section part of a DOJ OFFENSE_DESCR such as `11357(C)HS-POSSESS MARIJUANA`:
 * the text before the first hyphen that is followed by a letter (so `PC 664-187`
 * and `187-664 PC` keep their hyphens).
 */
export function offenseCodeText (descr: string): string {
  const m = /-(?=\s*[A-Za-z])/.exec(descr)
  if (!m) return descr.trim()
  const head = descr.slice(0, m.index)
  // `187 PC-MURDER`: the code letters sit right before the hyphen; `PC-187` would be a code then section.
  return /\d/.test(head) ? head.trim() : descr.trim()
}
