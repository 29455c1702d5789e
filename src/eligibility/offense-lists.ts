import registrable from './lists/registrable-pc290c.json' with { type: 'json' }
import serious from './lists/serious-pc1192-7c.json' with { type: 'json' }
import superstrikes from './lists/superstrikes-pc667e2Civ.json' with { type: 'json' }
import violent from './lists/violent-pc667-5c.json' with { type: 'json' }
import { formatCodeSection, parseCodeSection, sectionMatches, withCode, type CodeSection } from './code-section.js'

/** One entry of a statute's list, e.g. `PC 288(a)` under PC 667(e)(2)(C)(iv) clause (III). */
export interface OffenseListEntry {
  section: string
  clause?: string
  /** The statute adds a condition the record does not show (force, intent, victim age): a match needs review. */
  needsFact?: string
  /** Listed only when the conviction was a felony. */
  felonyOnly?: boolean
  /** V wording checked, S secondary source, K from knowledge (to verify). */
  confidence: 'V' | 'S' | 'K'
  /** The date the entry's section came into being (YYYY-MM-DD): a record dated earlier that names it is inconsistent. */
  from?: string
  /** The law that made the section, for `from`. */
  fromCitation?: string
}

/** A versioned list of offenses, as data, naming the statute it comes from. */
export interface OffenseListData {
  id: string
  title: string
  statute: string
  citation: string
  url: string
  version: string
  effectiveFrom: string
  includesAttemptsAndConspiracies: boolean
  notes?: string
  entries: OffenseListEntry[]
}

export interface OffenseList extends OffenseListData {
  parsed: Array<{ entry: OffenseListEntry; section: CodeSection }>
  /** The entries by match key (`PC 287`), in list order: a record is compared only with entries of its own section. */
  byKey: ReadonlyMap<string, Array<{ entry: OffenseListEntry; section: CodeSection }>>
  /** The codes the list's entries are under (a code-less record is tried under each). */
  codes: Array<CodeSection['code']>
}

/** How a conviction stands against a list. */
export type ListMatch =
  | { kind: 'listed'; entry: OffenseListEntry }
  | { kind: 'needs_fact'; entry: OffenseListEntry; fact: string }
  | { kind: 'not_listed' }

export function compileList(data: OffenseListData): OffenseList {
  const parsed = data.entries.map((entry) => {
    const section = parseCodeSection(entry.section)
    if (!section) throw new Error(`${data.id}: entry ${JSON.stringify(entry.section)} is not a code section`)
    return { entry, section }
  })
  const byKey = new Map<string, Array<{ entry: OffenseListEntry; section: CodeSection }>>()
  for (const p of parsed) {
    const list = byKey.get(p.section.key)
    if (list) list.push(p)
    else byKey.set(p.section.key, [p])
  }
  return { ...data, parsed, byKey, codes: [...new Set(parsed.map((p) => p.section.code))] }
}

/**
 * Checks a conviction against a list. A definite entry wins over a
 * fact-dependent one; a record less specific than a definite entry (`PC 286`
 * against `PC 286(c)(2)`) needs the subdivision, never a silent yes or no.
 * A record without a code (`187`) that would be listed under the list's code
 * needs that code; a record dated before its section existed needs a person
 * to look. Only a listed offense read without doubt is `listed`.
 */
export function matchList(
  list: OffenseList,
  candidate: CodeSection,
  severity: 'F' | 'M' | 'I' | null,
  date: string | null = null
): ListMatch {
  if (candidate.code === 'UNKNOWN') {
    for (const code of list.codes) {
      const m = matchKnownCode(list, withCode(candidate, code), severity, date)
      if (m.kind !== 'not_listed') {
        return {
          kind: 'needs_fact',
          entry: m.entry,
          fact: `which code ${candidate.section} was under (the record gives none; ${m.entry.section} is listed)`
        }
      }
    }
    return { kind: 'not_listed' }
  }
  return matchKnownCode(list, candidate, severity, date)
}

const NONE: ReadonlyArray<{ entry: OffenseListEntry; section: CodeSection }> = []

function matchKnownCode(
  list: OffenseList,
  candidate: CodeSection,
  severity: 'F' | 'M' | 'I' | null,
  date: string | null
): ListMatch {
  let needsFact: ListMatch | undefined
  const inchoate = { includeInchoate: list.includesAttemptsAndConspiracies }
  // Only entries with the same key can match (sectionMatches compares keys first).
  for (const { entry, section } of list.byKey.get(candidate.key) ?? NONE) {
    if (sectionMatches(section, candidate, inchoate)) {
      const since = SECTION_FROM.get(`${candidate.code} ${candidate.section}`)
      if (since && date !== null && date < since.from) {
        needsFact ??= {
          kind: 'needs_fact',
          entry,
          fact: `${formatCodeSection(candidate)} is dated ${date}, before ${candidate.code} ${candidate.section} existed (${since.citation}): the record is inconsistent`
        }
        continue
      }
      if (entry.felonyOnly && severity !== 'F') {
        if (severity === null) needsFact ??= { kind: 'needs_fact', entry, fact: 'whether the conviction was a felony' }
        continue
      }
      if (!entry.needsFact) return { kind: 'listed', entry }
      needsFact ??= { kind: 'needs_fact', entry, fact: entry.needsFact }
    } else if (
      !entry.needsFact &&
      candidate.subsections.length < section.subsections.length &&
      sectionMatches({ ...section, subsections: candidate.subsections }, candidate, inchoate)
    ) {
      needsFact ??= {
        kind: 'needs_fact',
        entry,
        fact: `which subdivision of ${formatCodeSection(candidate)} the conviction was under (${entry.section} is listed)`
      }
    }
  }
  return needsFact ?? { kind: 'not_listed' }
}

export const OFFENSE_LISTS = {
  superstrikes: compileList(superstrikes as OffenseListData),
  registrable: compileList(registrable as OffenseListData),
  violent: compileList(violent as OffenseListData),
  serious: compileList(serious as OffenseListData)
} as const

/** `PC 287` → when it came into being, from every list's dated entries. */
const SECTION_FROM: ReadonlyMap<string, { from: string; citation: string }> = (() => {
  const out = new Map<string, { from: string; citation: string }>()
  for (const list of Object.values(OFFENSE_LISTS)) {
    for (const { entry, section } of list.parsed) {
      if (entry.from)
        out.set(`${section.code} ${section.section}`, { from: entry.from, citation: entry.fromCitation ?? entry.from })
    }
  }
  return out
})()

/** `{ "superstrike-pc667e2Civ": "2026-01-01", … }`: stored with every review run. */
export function listVersions(): Record<string, string> {
  return Object.fromEntries(Object.values(OFFENSE_LISTS).map((l) => [l.id, l.version]))
}
