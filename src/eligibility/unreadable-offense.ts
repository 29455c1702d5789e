import { AUMA_EFFECTIVE, sentenceStatus, type LawFloor } from './prop64-floor.js'
import type { ConvictionFact } from './record.js'

const NOT_CHECKED = { status: 'absent' } as const

/**
 * The floor of a conviction whose offense text clearfile could not read as a
 * code section although it may concern cannabis: no relief is known, a person
 * must read the record. The reason names the text and why it was refused.
 */
export function unreadableFloor(conviction: ConvictionFact, asOf: string): LawFloor {
  const text = conviction.sectionText.trim() || '(blank)'
  const why = `the offense ${JSON.stringify(text)} could not be read as a code section${conviction.sectionRefused ? ` (${conviction.sectionRefused})` : ''} and may concern cannabis`
  const sentence = sentenceStatus(conviction.sentenceEnd, asOf)
  const range = { guaranteed: 'not_eligible', best: 'dismiss_and_seal', outcome: 'needs_review' } as const
  return {
    section: `unreadable: ${text}`,
    ...range,
    remedy:
      sentence === 'running' ? 'resentencing' : sentence === 'completed' ? 'redesignation_or_dismissal' : 'unknown',
    sentence,
    missingFacts: [why],
    disqualifiers: { superStrike: NOT_CHECKED, pc290: NOT_CHECKED, twoPriors: NOT_CHECKED, aggravating: NOT_CHECKED },
    felonyException: null,
    ignoringDisqualifiers: range,
    grantCitations: [],
    convictedAfterProp64: conviction.date === null ? null : conviction.date >= AUMA_EFFECTIVE,
    ageAtConviction: null,
    ageAtOffense: null,
    ageBasis: null,
    explanation: {
      rule: 'law_floor',
      result: `needs review: ${why}`,
      facts: { sectionAsRecorded: conviction.sectionText, refused: conviction.sectionRefused ?? null },
      citation: 'HS 11361.8'
    }
  }
}
