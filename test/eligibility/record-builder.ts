import { parseCodeSection } from '../../src/eligibility/code-section.js'
import type { ConvictionFact, PersonRecord } from '../../src/eligibility/record.js'

let counter = 0

/** A conviction for tests: `conv('HS 11359', 'F', '2010-05-01')`. */
export function conv(
  section: string,
  severity: 'F' | 'M' | 'I' | null,
  date: string | null,
  extra: Partial<ConvictionFact> = {}
): ConvictionFact {
  return {
    id: `c${++counter}`,
    section: parseCodeSection(section),
    sectionText: section,
    severity,
    date,
    sentenceEnd: date,
    county: 'SAN FRANCISCO',
    caseNumber: 'SCN1',
    ...extra
  }
}

export function person(convictions: ConvictionFact[], extra: Partial<PersonRecord> = {}): PersonRecord {
  return { subjectId: 's1', dob: '1970-01-01', deceased: false, convictions, registrations: [], ...extra }
}
