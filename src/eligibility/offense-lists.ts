import registrable from './lists/registrable-pc290c.json' with { type: 'json' }
import serious from './lists/serious-pc1192-7c.json' with { type: 'json' }
import superstrikes from './lists/superstrikes-pc667e2Civ.json' with { type: 'json' }
import violent from './lists/violent-pc667-5c.json' with { type: 'json' }
import { formatCodeSection, parseCodeSection, sectionMatches, type CodeSection } from './code-section.js'

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
  parsed: Array<{ entry: OffenseListEntry, section: CodeSection }>
}

/** How a conviction stands against a list. */
export type ListMatch =
  | { kind: 'listed', entry: OffenseListEntry }
  | { kind: 'needs_fact', entry: OffenseListEntry, fact: string }
  | { kind: 'not_listed' }

export function compileList (data: OffenseListData): OffenseList {
  return {
    ...data,
    parsed: data.entries.map((entry) => {
      const section = parseCodeSection(entry.section)
      if (!section) throw new Error(`${data.id}: entry ${JSON.stringify(entry.section)} is not a code section`)
      return { entry, section }
    })
  }
}

/**
 * Checks a conviction against a list. A definite entry wins over a
 * fact-dependent one; a record less specific than a definite entry (`PC 286`
 * against `PC 286(c)(2)`) needs the subdivision, never a silent yes or no.
 */
export function matchList (list: OffenseList, candidate: CodeSection, severity: 'F' | 'M' | 'I' | null): ListMatch {
  let needsFact: ListMatch | undefined
  for (const { entry, section } of list.parsed) {
    if (sectionMatches(section, candidate, { includeInchoate: list.includesAttemptsAndConspiracies })) {
      if (entry.felonyOnly && severity !== 'F') {
        if (severity === null) needsFact ??= { kind: 'needs_fact', entry, fact: 'whether the conviction was a felony' }
        continue
      }
      if (!entry.needsFact) return { kind: 'listed', entry }
      needsFact ??= { kind: 'needs_fact', entry, fact: entry.needsFact }
    } else if (!entry.needsFact && candidate.subsections.length < section.subsections.length &&
      sectionMatches({ ...section, subsections: candidate.subsections }, candidate, { includeInchoate: list.includesAttemptsAndConspiracies })) {
      needsFact ??= { kind: 'needs_fact', entry, fact: `which subdivision of ${formatCodeSection(candidate)} the conviction was under (${entry.section} is listed)` }
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

/** `{ "superstrike-pc667e2Civ": "2026-01-01", … }`: stored with every review run. */
export function listVersions (): Record<string, string> {
  return Object.fromEntries(Object.values(OFFENSE_LISTS).map((l) => [l.id, l.version]))
}
