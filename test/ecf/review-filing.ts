import { buildReviewFilingRequest } from '../../src/ecf/messages.js'

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
