import { ParseOption, type XmlDocument, type XmlNode } from 'libxml2-wasm'
import { ClearfileError } from '../errors.js'
import { COURT_FILING_ID, OUR_FILING_ID } from './messages.js'
import { compiledXPath, xmlDocumentOf } from './xml-document.js'

/*
 * Reading what courts send back. XML from outside is parsed with libxml2 with
 * no network and no external entities, and any document type declaration is
 * refused before parsing, so entity tricks (XXE, "billion laughs") are never
 * expanded. Elements are found by local name: namespace prefixes vary by court.
 */
export const FILING_STATUS_CODES = ['received', 'accepted', 'partially-accepted', 'rejected'] as const
export type FilingStatusCode = (typeof FILING_STATUS_CODES)[number]

export interface EcfError {
  code: string
  text: string
}

export interface MessageReceipt {
  /** nc:DocumentIdentification values, by category (e.g. FILINGID, ENVELOPEID) where the court names one. */
  identifications: Array<{ id: string; category: string | null }>
  errors: EcfError[]
  /** True when every ecf:Error has code 0 (ECF §3.2: 0 is success). */
  ok: boolean
}

export interface FilingStatus {
  identifications: Array<{ id: string; category: string | null }>
  status: FilingStatusCode | null
  statusText: string | null
  errors: EcfError[]
}

export interface ReviewCallback extends FilingStatus {
  caseTrackingId: string | null
  completedOn: string | null
  documents: Array<{
    role: 'lead' | 'connected'
    id: string | null
    hash: string | null
    docketId: string | null
    sealed: boolean | null
  }>
}

const SAFE = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_HUGE

/**
 * Refuses XML that declares a document type or an entity anywhere in it (not only in its first bytes: a
 * DOCTYPE after a long comment is still a DOCTYPE), and XML in UTF-16 or UTF-32, whose markup a byte search
 * cannot see. Court XML is UTF-8 (ECF 4.01 messages are); the text of a document cannot hold a literal `<!`
 * outside markup, so nothing legitimate is refused.
 */
export function refuseDocumentType(xml: string | Uint8Array): void {
  if (typeof xml !== 'string') {
    const b = xml
    const wide = (b[0] === 0xfe && b[1] === 0xff) || (b[0] === 0xff && b[1] === 0xfe) || b[0] === 0 || b[1] === 0
    if (wide) throw new ClearfileError('CLEARFILE_ERR_ECF_MALFORMED', 'Court XML must be UTF-8 (ECF 4.01 messages are)')
  }
  const bytes = typeof xml === 'string' ? null : Buffer.from(xml.buffer, xml.byteOffset, xml.byteLength)
  const has = (needle: string) =>
    bytes ? bytes.indexOf(needle, 0, 'latin1') >= 0 || bytes.indexOf(needle.toLowerCase(), 0, 'latin1') >= 0 : false
  const declared = typeof xml === 'string' ? /<!DOCTYPE|<!ENTITY/i.test(xml) : has('<!DOCTYPE') || has('<!ENTITY')
  if (declared)
    throw new ClearfileError(
      'CLEARFILE_ERR_ECF_UNSAFE',
      'Court XML with a document type declaration is refused (entities are never expanded)'
    )
}

/** Parses court XML safely; a DOCTYPE (the door to entity expansion) is refused outright. */
export function parseCourtXml<T>(xml: string | Uint8Array, read: (doc: XmlDocument) => T): T {
  refuseDocumentType(xml)
  let doc: XmlDocument
  try {
    doc = xmlDocumentOf(xml, SAFE)
  } catch (err) {
    throw new ClearfileError(
      'CLEARFILE_ERR_ECF_MALFORMED',
      `Court XML is not well-formed: ${(err as Error).message.split('\n')[0]}`
    )
  }
  try {
    return read(doc)
  } finally {
    doc.dispose()
  }
}

const byName = (name: string) => `*[local-name()="${name}"]`

/** The first node at `path` from `node` (a path of this file's, compiled once). */
const one = (node: XmlNode, path: string): XmlNode | null => node.get(compiledXPath(path))
/** Every node at `path` from `node` (a path of this file's, compiled once). */
const all = (node: XmlNode, path: string): XmlNode[] => node.find(compiledXPath(path))
const first = (node: XmlNode, path: string): string | null => {
  const found = one(node, path)
  return found ? found.content.trim() : null
}

function identifications(root: XmlNode) {
  return all(root, `./${byName('DocumentIdentification')}`).map((n) => ({
    id: first(n, `./${byName('IdentificationID')}`) ?? '',
    category: first(n, `./${byName('IdentificationCategoryText')}`)
  }))
}

function errors(root: XmlNode): EcfError[] {
  return all(root, `.//${byName('Error')}`).map((n) => ({
    code: first(n, `./${byName('ErrorCode')}`) ?? '',
    text: first(n, `./${byName('ErrorText')}`) ?? ''
  }))
}

/**
 * The first element of this name in the document: the message itself, inside a SOAP envelope or wrapper when there is
 * one. A single step with `[1]` lets libxml2 stop at it (8 µs for a callback) rather than look at every element after
 * it (40 µs); it is the same node.
 */
const firstInDocument = (doc: XmlDocument, name: string) => one(doc.root, `descendant-or-self::${byName(name)}[1]`)

/** The message element itself, inside a SOAP envelope or wrapper when there is one. */
function messageRoot(doc: XmlDocument, name: string): XmlNode {
  const found = firstInDocument(doc, name)
  if (!found) throw new ClearfileError('CLEARFILE_ERR_ECF_MALFORMED', `Court XML has no ${name}`)
  return found
}

function statusOf(root: XmlNode): Pick<FilingStatus, 'status' | 'statusText'> {
  const code = first(root, `./${byName('FilingStatus')}/${byName('FilingStatusCode')}`)
  return {
    status: code && (FILING_STATUS_CODES as readonly string[]).includes(code) ? (code as FilingStatusCode) : null,
    statusText:
      first(root, `./${byName('FilingStatus')}/${byName('StatusDescriptionText')}`) ??
      first(root, `./${byName('FilingStatus')}/${byName('StatusText')}`)
  }
}

export function parseMessageReceipt(xml: string | Uint8Array): MessageReceipt {
  return parseCourtXml(xml, (doc) => {
    const root = messageRoot(doc, 'MessageReceiptMessage')
    const errs = errors(root)
    return { identifications: identifications(root), errors: errs, ok: errs.every((e) => e.code === '0') }
  })
}

export function parseFilingStatusResponse(xml: string | Uint8Array): FilingStatus {
  return parseCourtXml(xml, (doc) => {
    const root = messageRoot(doc, 'FilingStatusResponseMessage')
    return { identifications: identifications(root), ...statusOf(root), errors: errors(root) }
  })
}

/** A NotifyFilingReviewComplete callback: the clerk's review of a filing (not the judge's ruling). */
export function parseReviewFilingCallback(xml: string | Uint8Array): ReviewCallback {
  return parseCourtXml(xml, (doc) => {
    const root = messageRoot(doc, 'ReviewFilingCallbackMessage')
    const documents = (['lead', 'connected'] as const).flatMap((role) =>
      all(root, `./${byName(role === 'lead' ? 'ReviewedLeadDocument' : 'ReviewedConnectedDocument')}`).map((n) => {
        const sealed = first(n, `./${byName('SealDocumentIndicator')}`)
        return {
          role,
          id: first(n, `./${byName('DocumentIdentification')}/${byName('IdentificationID')}`),
          hash: first(n, `./${byName('DocumentHashText')}`),
          docketId: first(n, `./${byName('DocumentDocketID')}/${byName('IdentificationID')}`),
          sealed: sealed === null ? null : sealed === 'true'
        }
      })
    )
    return {
      identifications: identifications(root),
      ...statusOf(root),
      errors: errors(root),
      caseTrackingId: first(root, `./*/${byName('CaseTrackingID')}`),
      completedOn: first(root, `./${byName('FilingCompletionDate')}/*`),
      documents
    }
  })
}

export interface ListedFiling {
  courtFilingId: string | null
  filingId: string | null
  status: FilingStatusCode | null
  statusText: string | null
  /** The case the court filed it in (`nc:CaseTrackingID`), where the court says. */
  caseTrackingId: string | null
  /** When the court received it (`nc:DocumentReceivedDate`, a date or date-time), where the court says. */
  receivedAt: string | null
  /** Whose filing it is (`nc:DocumentSubmitter`'s filer id), where the court says. */
  submitterId: string | null
}

/**
 * GetFilingList's answer: each MatchingFiling with the court's id, ours where the court kept it, its status, and
 * the case and time of receipt where the court gives them.
 */
export function parseFilingListResponse(xml: string | Uint8Array): { filings: ListedFiling[]; errors: EcfError[] } {
  return parseCourtXml(xml, (doc) => {
    const root = messageRoot(doc, 'FilingListResponseMessage')
    const filings = all(root, `./${byName('MatchingFiling')}`).map((m) => {
      const ids = identifications(m)
      return {
        courtFilingId: ids.find((i) => i.category === COURT_FILING_ID)?.id ?? ids[0]?.id ?? null,
        filingId: ids.find((i) => i.category === OUR_FILING_ID)?.id ?? null,
        ...statusOf(m),
        caseTrackingId: first(m, `./${byName('CaseTrackingID')}`),
        receivedAt: first(m, `./${byName('DocumentReceivedDate')}/*`),
        submitterId: submitterIdOf(m)
      }
    })
    return { filings, errors: errors(root) }
  })
}

/** The filer id a `nc:DocumentSubmitter` names (a person's or an organization's), if any. */
function submitterIdOf(node: XmlNode): string | null {
  return first(node, `./${byName('DocumentSubmitter')}//${byName('IdentificationID')}`)
}

/** A SOAP 1.1 fault: its faultcode (soap:Client, soap:Server…) and text, or null when the body is not a fault. */
export function soapFault(xml: string): { code: string; text: string } | null {
  if (!/Fault/.test(xml)) return null
  try {
    return parseCourtXml(xml, (doc) => {
      const fault = firstInDocument(doc, 'Fault')
      return fault
        ? {
            code: first(fault, `./${byName('faultcode')}`) ?? '',
            text: first(fault, `./${byName('faultstring')}`) ?? ''
          }
        : null
    })
  } catch {
    return null
  }
}

/** What a Filing Review MDE reads from a ReviewFilingRequestMessage (the simulated court's clerk). */
export interface ReceivedFiling {
  filingId: string | null
  /** The filer id the submitter gave, if any. */
  submitterId: string | null
  callbackUrl: string | null
  /** The case: its number (nc:CaseDocketID) and, where the filer gave it, the court's own id (nc:CaseTrackingID). */
  case: { title: string; docketId: string; trackingId?: string }
  court: { id: string; name: string }
  defendant: { name: string; dob: string | null }
  counts: Array<{ sequence: number; statute: string; description: string; offenseDate: string | null }>
  confidential: boolean
  payer: string
  documents: Array<{
    role: 'lead' | 'connected'
    description: string
    registerAction: string
    attorneyId: string
    pdf: Buffer
  }>
}

export function parseReviewFilingRequest(xml: string | Uint8Array): ReceivedFiling {
  return parseCourtXml(xml, reviewFilingRequestOf)
}

/** `parseReviewFilingRequest` of a message already parsed (as a court that has just validated it has it). */
export function reviewFilingRequestOf(doc: XmlDocument): ReceivedFiling {
  {
    const root = messageRoot(doc, 'ReviewFilingRequestMessage')
    const core = one(root, `./${byName('CoreFilingMessage')}`)
    if (!core)
      throw new ClearfileError('CLEARFILE_ERR_ECF_MALFORMED', 'ReviewFilingRequestMessage without a CoreFilingMessage')
    const kase = one(core, `./${byName('CriminalCase')}`) ?? core
    const court = `./${byName('CaseAugmentation')}/${byName('CaseCourt')}`
    const trackingId = first(kase, `./${byName('CaseTrackingID')}`)
    const documents = (['lead', 'connected'] as const).flatMap((role) =>
      all(core, `./${byName(role === 'lead' ? 'FilingLeadDocument' : 'FilingConnectedDocument')}`).map((d) => ({
        role,
        description: first(d, `./${byName('DocumentDescriptionText')}`) ?? '',
        registerAction: first(d, `./${byName('DocumentMetadata')}/${byName('RegisterActionDescriptionText')}`) ?? '',
        attorneyId:
          first(d, `./${byName('DocumentMetadata')}/${byName('FilingAttorneyID')}/${byName('IdentificationID')}`) ?? '',
        pdf: Buffer.from(first(d, `.//${byName('BinaryBase64Object')}`) ?? '', 'base64')
      }))
    )
    return {
      filingId: identifications(core).find((i) => i.category === OUR_FILING_ID)?.id ?? null,
      submitterId: submitterIdOf(core),
      callbackUrl: first(root, `./${byName('SendingMDELocationID')}/${byName('IdentificationID')}`),
      case: {
        title: first(kase, `./${byName('CaseTitleText')}`) ?? '',
        docketId: first(kase, `./${byName('CaseDocketID')}`) ?? '',
        ...(trackingId ? { trackingId } : {})
      },
      court: {
        id: first(kase, `${court}/${byName('OrganizationIdentification')}/${byName('IdentificationID')}`) ?? '',
        name: first(kase, `${court}/${byName('CourtName')}`) ?? ''
      },
      defendant: {
        name: first(kase, `.//${byName('CaseParticipant')}//${byName('PersonFullName')}`) ?? '',
        dob: first(kase, `.//${byName('CaseParticipant')}//${byName('PersonBirthDate')}/${byName('Date')}`)
      },
      counts: all(kase, `./${byName('CaseCharge')}`).map((c, i) => ({
        sequence: Number(first(c, `./${byName('ChargeSequenceID')}/${byName('IdentificationID')}`) ?? i + 1),
        statute:
          first(
            c,
            `./${byName('ChargeStatute')}/${byName('StatuteCodeIdentification')}/${byName('IdentificationID')}`
          ) ?? '',
        description: first(c, `./${byName('ChargeStatute')}/${byName('StatuteDescriptionText')}`) ?? '',
        offenseDate: first(c, `./${byName('ChargeOffense')}/${byName('ActivityDate')}/${byName('Date')}`)
      })),
      confidential: first(core, `./${byName('FilingConfidentialityIndicator')}`) === 'true',
      payer: first(root, `./${byName('PaymentMessage')}/${byName('PayerName')}`) ?? '',
      documents
    }
  }
}

/** A court's answer to GetPolicy, as far as a filer acts on it (ECF 4.01 §2.4.2). */
export interface CourtPolicyResponse {
  versionId: string | null
  updatedAt: string | null
  /** The court's code lists: the ECF element each governs (as the court prefixes it) and the genericode's URI. */
  codeLists: Array<{ element: string; uri: string }>
  /** SupportedOperationName: empty when the court lists none. */
  operations: string[]
  /** SupportedCaseType: empty when the court lists none. */
  caseTypes: string[]
  acceptsConfidential: boolean | null
  maxAttachmentBytes: number | null
  maxMessageBytes: number | null
  feesMayApply: boolean | null
  errors: EcfError[]
}

const BYTES_PER_UNIT: Readonly<Record<string, number>> = {
  b: 1,
  byte: 1,
  bytes: 1,
  // A limit in "KB" or "MB" is read as the smaller of its two meanings (1000, not 1024): never over it.
  kb: 1000,
  kilobyte: 1000,
  kilobytes: 1000,
  mb: 1_000_000,
  megabyte: 1_000_000,
  megabytes: 1_000_000
}

/** A size in bytes from an nc:MeasureType (MeasureText and MeasureUnitText); null when it cannot be read. */
function bytesOf(node: XmlNode | null): number | null {
  if (!node) return null
  const value = Number(first(node, `./${byName('MeasureText')}`))
  const unit = BYTES_PER_UNIT[(first(node, `./${byName('MeasureUnitText')}`) ?? 'byte').toLowerCase()]
  return Number.isFinite(value) && value > 0 && unit ? value * unit : null
}

export function parseCourtPolicyResponse(xml: string | Uint8Array): CourtPolicyResponse {
  return parseCourtXml(xml, (doc) => {
    const root = messageRoot(doc, 'CourtPolicyResponseMessage')
    const dev = one(root, `./${byName('DevelopmentPolicyParameters')}`)
    const flag = (name: string) => {
      const v = dev ? first(dev, `./${byName(name)}`) : null
      return v === null ? null : v === 'true' || v === '1'
    }
    const listed = (name: string) =>
      dev ? all(dev, `./${byName(name)}`).flatMap((n) => (n.content.trim() ? [n.content.trim()] : [])) : []
    return {
      versionId: first(root, `./${byName('PolicyVersionID')}/${byName('IdentificationID')}`),
      updatedAt: first(root, `./${byName('PolicyLastUpdateDate')}/*`),
      codeLists: all(root, `./${byName('RuntimePolicyParameters')}/${byName('CourtCodelist')}`).flatMap((c) => {
        const element = first(c, `./${byName('ECFElementName')}`)
        const uri = first(c, `./${byName('CourtCodelistURI')}/${byName('IdentificationID')}`)
        return element && uri ? [{ element, uri }] : []
      }),
      operations: listed('SupportedOperationName'),
      caseTypes: listed('SupportedCaseType'),
      acceptsConfidential: flag('AcceptConfidentialFilingsIndicator'),
      maxAttachmentBytes: dev ? bytesOf(one(dev, `./${byName('MaximumAllowedAttachmentSize')}`)) : null,
      maxMessageBytes: dev ? bytesOf(one(dev, `./${byName('MaximumAllowedMessageSize')}`)) : null,
      feesMayApply: flag('FilingFeesMayBeApplicableIndicator'),
      errors: errors(root)
    }
  })
}

/**
 * The codes of a genericode 1.0 code list: the values of its key column (the first `Key`'s ColumnRef; else the
 * column named `code`; else the first column), in every Row of its SimpleCodeList.
 */
export function parseGenericode(xml: string | Uint8Array): { shortName: string | null; codes: string[] } {
  return parseCourtXml(xml, (doc) => {
    const root = messageRoot(doc, 'CodeList')
    const key =
      first(root, `./${byName('ColumnSet')}/${byName('Key')}[1]/${byName('ColumnRef')}/@Ref`) ??
      (one(root, `./${byName('ColumnSet')}/${byName('Column')}[@Id="code"]`) ? 'code' : null) ??
      first(root, `./${byName('ColumnSet')}/${byName('Column')}[1]/@Id`)
    if (!key) throw new ClearfileError('CLEARFILE_ERR_ECF_MALFORMED', 'A code list without columns')
    const codes = all(
      root,
      `./${byName('SimpleCodeList')}/${byName('Row')}/${byName('Value')}[@ColumnRef="${key.replace(/"/g, '')}"]`
    ).flatMap((v) => {
      const code = first(v, `./${byName('SimpleValue')}`)
      return code ? [code] : []
    })
    return { shortName: first(root, `./${byName('Identification')}/${byName('ShortName')}`), codes }
  })
}

/** GetFeesCalculation's answer: the amount the court would charge and its currency. */
export function parseFeesCalculationResponse(xml: string | Uint8Array): {
  amount: string | null
  currency: string | null
  errors: EcfError[]
} {
  return parseCourtXml(xml, (doc) => {
    const root = messageRoot(doc, 'FeesCalculationResponseMessage')
    const amount = one(root, `./${byName('FeesCalculationAmount')}`)
    return {
      amount: amount ? amount.content.trim() : null,
      currency: amount ? first(amount, '@*[local-name()="currencyCode" or local-name()="currencyID"]') : null,
      errors: errors(root)
    }
  })
}
