import { buildReviewFilingRequest, type FilingRequestInput } from '../../src/ecf/messages.js'

/**
 * A ReviewFilingRequestMessage for the adapter and WS-Security tests: one HS 11359 count of one case before the
 * simulated court (or the court `courtId`, as another filer in our case would name it), with `pdf` as its lead document.
 */
export function reviewFilingXml(
  filingId: string,
  pdf: Uint8Array,
  callbackUrl = 'http://127.0.0.1:1/ecf/v4/FilingAssemblyMDE',
  submitterId?: string,
  courtId = 'CA-SIM'
): string {
  return buildReviewFilingRequest({
    filingId,
    callbackUrl,
    submittedAt: '2026-11-28T12:00:00.000Z',
    court: { id: courtId, name: 'Superior Court of California (simulated)' },
    case: { title: 'People v. MARIA GARCIA', docketId: 'SCN123456' },
    defendant: { name: 'GARCIA, MARIA', dob: '1970-02-03' },
    counts: [{ sequence: 1, statute: 'HS 11359', description: 'Possession for sale', offenseDate: '2010-05-01' }],
    attorney: { barNumber: '654321', name: 'Jordan Sample' },
    ...(submitterId ? { submitterId } : {}),
    payer: 'Office of the District Attorney',
    payerAddress: ['350 Rhode Island Street'],
    confidential: false,
    documents: [{ role: 'lead', description: "People's motion", registerAction: 'Motion', pdf }]
  })
}

/** What the pipeline builds a filing's message from: one case, two counts to dismiss and seal, the two papers. */
export function filingRequestInput(codes?: Record<string, string>, pdfBytes = 2_000): FilingRequestInput {
  const court = { id: 'CA-SF', name: 'Superior Court of California, County of San Francisco' }
  return {
    filingId: 'f-0001',
    callbackUrl: 'http://127.0.0.1:1/ecf/v4/FilingAssemblyMDE',
    submittedAt: '2026-11-28T12:00:00.000Z',
    court,
    person: { name: 'GARCIA, MARIA', dob: '1970-02-03' },
    caseTitle: 'People v. MARIA GARCIA',
    case: {
      caseNumber: 'SCN123456',
      counts: [
        { section: 'HS 11357', outcome: 'dismiss_and_seal', convictionDate: '2010-05-01' },
        { section: 'HS 11359', outcome: 'reduce_to_misdemeanor', convictionDate: '2011-06-02' }
      ]
    },
    profile: {
      office: 'Office of the District Attorney',
      courtCounty: 'San Francisco',
      address: ['350 Rhode Island Street'],
      filingDeputy: { name: 'Jordan Sample', barNumber: '654321' }
    },
    ...(codes ? { codes } : {}),
    motion: new Uint8Array(pdfBytes).fill(37),
    order: new Uint8Array(pdfBytes / 2).fill(37)
  }
}
