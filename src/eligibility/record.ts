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
  /**
   * When the offense happened, as far as the record tells (YYYY-MM-DD): the
   * offense date a DA system gives, or the DOJ arrest (cycle) date. Null when
   * the record has neither; the age at the offense then falls back to the
   * conviction date, and the explanation says so.
   */
  offenseDate?: string | null
  /** What `offenseDate` is: the offense date itself, or the arrest date. */
  offenseDateBasis?: 'offense' | 'arrest'
  /** YYYY-MM-DD when the sentence ends, or null when the record does not show it (unknown, never "completed"). */
  sentenceEnd: string | null
  county: string | null
  caseNumber: string | null
  /** Why the offense text could not be read as a code section, when `section` is null. */
  sectionRefused?: string
  /** The unreadable offense text names cannabis or a Prop 64 section in some spelling: it goes to review, never away. */
  mayConcernCannabis?: boolean
}

/**
 * A PC 290 registration event (DOJ STP_TYPE_DESCR `REGISTRATION` whose offense
 * begins `290`). Evidence of a registrable offense, not a conviction of one:
 * registration can follow PC 290.006 (court-ordered) or another state's law.
 */
export interface RegistrationFact {
  date: string | null
  county?: string | null
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
export function yearsBetween(from: string, to: string): number {
  const years = Number(to.slice(0, 4)) - Number(from.slice(0, 4))
  // Same-format dates compare as text: "MM-DD" of `to` before that of `from` means the anniversary is still ahead.
  return to.slice(5) < from.slice(5) ? years - 1 : years
}
