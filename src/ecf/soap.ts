/** SOAP 1.1 (the ECF 4.0 Web Services SIP binds SOAP 1.1), document/literal. */
export const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/'
const WSDL = 'urn:oasis:names:tc:legalxml-courtfiling:wsdl:WebServicesProfile-Definitions-4.0'

/** SOAPAction of each operation, by port (ECF 4.0 WS-SIP). */
export const SOAP_ACTIONS = {
  ReviewFiling: `${WSDL}/FilingReviewMDEPort/ReviewFilingRequest`,
  GetFilingStatus: `${WSDL}/FilingReviewMDEPort/GetFilingStatusRequest`,
  GetFilingList: `${WSDL}/FilingReviewMDEPort/GetFilingListRequest`,
  GetPolicy: `${WSDL}/FilingReviewMDEPort/GetPolicyRequest`,
  GetFeesCalculation: `${WSDL}/FilingReviewMDEPort/GetFeesCalculationRequest`,
  NotifyFilingReviewComplete: `${WSDL}/FilingAssemblyMDEPort/NotifyFilingReviewCompleteRequest`
} as const
export type SoapOperation = keyof typeof SOAP_ACTIONS

/** Wraps a message (its XML declaration removed) in a SOAP 1.1 envelope. */
export function soapEnvelope(messageXml: string): string {
  const body = messageXml.replace(/^\s*<\?xml[^>]*\?>\s*/, '')
  return `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${SOAP_NS}"><soap:Body>${body}</soap:Body></soap:Envelope>`
}

export function soapFaultEnvelope(code: 'soap:Client' | 'soap:Server', text: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;')
  return `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${SOAP_NS}"><soap:Body><soap:Fault><faultcode>${code}</faultcode><faultstring>${escaped}</faultstring></soap:Fault></soap:Body></soap:Envelope>`
}

export function operationOf(soapAction: string | undefined): SoapOperation | undefined {
  const action = (soapAction ?? '').replace(/^"|"$/g, '')
  return (Object.keys(SOAP_ACTIONS) as SoapOperation[]).find((op) => SOAP_ACTIONS[op] === action)
}
