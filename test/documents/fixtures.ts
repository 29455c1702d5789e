import { fileURLToPath } from 'node:url'
import type { DaProfile, PacketInput, PaperCase } from '../../src/documents/court-papers.js'
import { loadDaProfiles, profileFor } from '../../src/documents/da-profiles.js'

/** The example profile of test/fixtures/da-profiles.json, as configuration would load it. */
export const SF_PROFILE: DaProfile = profileFor(loadDaProfiles(fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))), 'SAN FRANCISCO')

export const SALE_CASE: PaperCase = {
  caseNumber: 'SCN123456',
  court: 'Superior Court of California, County of San Francisco',
  counts: [
    { countOrder: '001', section: 'HS 11359', severity: 'F', convictionDate: '2010-05-01', outcome: 'reduce_to_misdemeanor', remedy: 'redesignation_or_dismissal', citations: ['HS 11361.8', 'HS 11359(a)-(b)', 'HS 11361.8(e)-(f)'] },
    { countOrder: '002', section: 'HS 11357(b)', severity: 'M', convictionDate: '2010-05-01', outcome: 'dismiss_and_seal', remedy: 'redesignation_or_dismissal', citations: ['HS 11361.8', 'HS 11362.1(a)(1)'] },
    { countOrder: '003', section: 'PC 459', severity: 'F', convictionDate: '2010-05-01', outcome: 'not_eligible', remedy: 'unknown', citations: [] }
  ]
}

export const packet = (name = 'GARCIA, MARIA', aliases: string[] = []): PacketInput => ({
  profile: SF_PROFILE,
  person: { name, aliases, dob: '1970-02-03' },
  cases: [SALE_CASE],
  date: '2026-11-28'
})
