import type { DaProfile, PacketInput, PaperCase } from '../../src/documents/court-papers.js'

export const SF_PROFILE: DaProfile = {
  county: 'SAN FRANCISCO',
  courtCounty: 'City and County of San Francisco',
  office: 'Office of the District Attorney',
  address: ['350 Rhode Island Street, North Building', 'San Francisco, California 94103'],
  phone: '(628) 652-4000',
  email: 'records.relief@example.gov',
  electedDa: { name: 'Alex Example', barNumber: '123456' },
  filingDeputy: { name: 'Jordan Sample', barNumber: '654321', title: 'Assistant District Attorney' }
}

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
