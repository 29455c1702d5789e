import { fileURLToPath } from 'node:url'
import type { DaProfile, PacketInput, PaperCase } from '../../src/documents/court-papers.js'
import { loadDaProfiles, profileFor } from '../../src/documents/da-profiles.js'
import { reliefGrounds, type LawFacts } from '../../src/eligibility/relief-grounds.js'

/** The example profile of test/fixtures/da-profiles.json, as configuration would load it. */
export const SF_PROFILE: DaProfile = profileFor(
  loadDaProfiles(fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))),
  'SAN FRANCISCO'
)

const ABSENT = { status: 'absent' } as const

/** Law facts as a determination keeps them: by default a completed sentence, no disqualifier, the law's relief known. */
export function lawFacts(facts: Partial<LawFacts> = {}): LawFacts {
  return {
    guaranteed: 'dismiss_and_seal',
    best: 'dismiss_and_seal',
    missingFacts: [],
    felonyException: null,
    disqualifiers: { superStrike: ABSENT, pc290: ABSENT, twoPriors: ABSENT, aggravating: ABSENT },
    grantCitations: [],
    sentence: 'completed',
    disqualifierMode: 'enforce',
    policyReason: null,
    ...facts
  }
}

export const SALE_CASE: PaperCase = {
  caseNumber: 'SCN123456',
  court: 'Superior Court of California, County of San Francisco',
  counts: [
    {
      countOrder: '001',
      section: 'HS 11359',
      severity: 'F',
      convictionDate: '2010-05-01',
      outcome: 'reduce_to_misdemeanor',
      remedy: 'redesignation_or_dismissal',
      // A felony sale whose conduct is a misdemeanor today: the four disqualifiers of HS 11359(c) were checked and none found.
      grounds: reliefGrounds(
        'reduce_to_misdemeanor',
        'redesignation_or_dismissal',
        lawFacts({
          guaranteed: 'reduce_to_misdemeanor',
          best: 'reduce_to_misdemeanor',
          felonyException: 'HS 11359(c)',
          grantCitations: ['HS 11359(a)-(b)']
        }),
        false
      )
    },
    {
      countOrder: '002',
      section: 'HS 11357(b)',
      severity: 'M',
      convictionDate: '2010-05-01',
      outcome: 'dismiss_and_seal',
      remedy: 'redesignation_or_dismissal',
      grounds: reliefGrounds(
        'dismiss_and_seal',
        'redesignation_or_dismissal',
        lawFacts({ grantCitations: ['HS 11357(a)(1)-(2)', 'HS 11362.1(a)(1)'] }),
        false
      )
    },
    {
      countOrder: '003',
      section: 'PC 459',
      severity: 'F',
      convictionDate: '2010-05-01',
      outcome: 'not_eligible',
      remedy: 'unknown',
      grounds: null
    }
  ]
}

export const packet = (name = 'GARCIA, MARIA', aliases: string[] = []): PacketInput => ({
  profile: SF_PROFILE,
  person: { name, aliases, dob: '1970-02-03' },
  cases: [SALE_CASE],
  date: '2026-11-28'
})
