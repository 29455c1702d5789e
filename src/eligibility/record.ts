import type { CodeSection } from './code-section.js'

/** One conviction as the rules engine sees it, from a DOJ file or from REST intake. */
export interface ConvictionFact {
  /** Stable id within the record: the DOJ CNT_ORDER, or the stored conviction id. */
  id: string
  /** Parsed code section; null when the record's text could not be read as one. */
  section: CodeSection | null
  /** The code section as the record wrote it. */
  sectionText: string
  severity: 'F' | 'M' | 'I' | null
  /** YYYY-MM-DD, or null when unknown. */
  date: string | null
  /** YYYY-MM-DD when the sentence ends, or null when unknown. */
  sentenceEnd: string | null
  county: string | null
  caseNumber: string | null
}

/** A PC 290 registration event (DOJ STP_TYPE_DESCR `REGISTRATION` whose offense begins `290`). */
export interface RegistrationFact {
  date: string | null
}

/** Everything the engine may know about a person: their whole record, every county. */
export interface PersonRecord {
  subjectId: string
  dob: string | null
  deceased: boolean
  convictions: ConvictionFact[]
  registrations: RegistrationFact[]
}

/** Whole years from `from` to `to` (YYYY-MM-DD): a person's age, or years since a date. */
export function yearsBetween (from: string, to: string): number {
  const years = Number(to.slice(0, 4)) - Number(from.slice(0, 4))
  // Same-format dates compare as text: "MM-DD" of `to` before that of `from` means the anniversary is still ahead.
  return to.slice(5) < from.slice(5) ? years - 1 : years
}
