import { closeSync, existsSync, openSync, readSync } from 'node:fs'
import { join } from 'node:path'
import {
  ParseOption,
  XmlDocument,
  XmlValidateError,
  XsdValidator,
  xmlRegisterInputProvider,
  type XmlElement
} from 'libxml2-wasm'
import { ClearfileError } from '../errors.js'
import { projectRoot } from '../project-root.js'
import { compiledXPath, xmlDocumentOf } from './xml-document.js'

/*
 * Validation of ECF 4.01 messages against the OASIS schemas vendored under
 * schemas/ecf-4.01 (notices intact), offline: the payment schemas import UBL 2.1
 * by a docs.oasis-open.org URL, which is answered from the local copy as the
 * package's catalog.xml says. Nothing is fetched from the network.
 */
export const ECF_DIR = () => join(projectRoot(), 'schemas', 'ecf-4.01')
const UBL_PREFIXES = [
  'http://docs.oasis-open.org/ubl/prd2-UBL-2.1/xsd/',
  'https://docs.oasis-open.org/ubl/prd2-UBL-2.1/xsd/'
]

function localPath(name: string): string | null {
  for (const prefix of UBL_PREFIXES)
    if (name.startsWith(prefix)) return join(ECF_DIR(), 'ubl-2.1', 'xsd', name.slice(prefix.length))
  if (name.startsWith('http:') || name.startsWith('https:')) return null
  return name.startsWith('file://') ? new URL(name).pathname : name
}

let registered = false
function registerOfflineProvider(): void {
  if (registered) return
  registered = true
  xmlRegisterInputProvider({
    match: (name) => {
      const p = localPath(name)
      return p !== null && existsSync(p)
    },
    open: (name) => {
      try {
        return openSync(localPath(name)!, 'r')
      } catch {
        return undefined
      }
    },
    read: (fd, buf) => {
      try {
        return readSync(fd, buf, 0, buf.byteLength, null)
      } catch {
        return -1
      }
    },
    close: (fd) => {
      try {
        closeSync(fd)
        return true
      } catch {
        return false
      }
    }
  })
}

/** Every message clearfile sends or reads, in one driver schema. */
const DRIVER_IMPORTS: Array<[string, string]> = [
  [
    'urn:oasis:names:tc:legalxml-courtfiling:wsdl:WebServicesProfile-Definitions-4.0',
    'wsmp/WebServicesProfile-Definitions-4.0-wrappers.xsd'
  ],
  [
    'urn:oasis:names:tc:legalxml-courtfiling:schema:xsd:CoreFilingMessage-4.0',
    'xsd/message/ECF-4.0-CoreFilingMessage.xsd'
  ],
  ['urn:oasis:names:tc:legalxml-courtfiling:schema:xsd:CriminalCase-4.0', 'xsd/casetype/ECF-4.0-CriminalCase.xsd'],
  ['urn:oasis:names:tc:legalxml-courtfiling:schema:xsd:AppellateCase-4.0', 'xsd/casetype/ECF-4.0-AppellateCase.xsd'],
  ['urn:oasis:names:tc:legalxml-courtfiling:schema:xsd:PaymentMessage-4.0', 'xsd/message/ECF-4.0-PaymentMessage.xsd'],
  [
    'urn:oasis:names:tc:legalxml-courtfiling:schema:xsd:MessageReceiptMessage-4.0',
    'xsd/message/ECF-4.0-MessageReceiptMessage.xsd'
  ],
  [
    'urn:oasis:names:tc:legalxml-courtfiling:schema:xsd:ReviewFilingCallbackMessage-4.0',
    'xsd/message/ECF-4.0-ReviewFilingCallbackMessage.xsd'
  ],
  [
    'urn:oasis:names:tc:legalxml-courtfiling:schema:xsd:FilingStatusQueryMessage-4.0',
    'xsd/message/ECF-4.0-FilingStatusQueryMessage.xsd'
  ],
  [
    'urn:oasis:names:tc:legalxml-courtfiling:schema:xsd:FilingStatusResponseMessage-4.0',
    'xsd/message/ECF-4.0-FilingStatusResponseMessage.xsd'
  ],
  [
    'urn:oasis:names:tc:legalxml-courtfiling:schema:xsd:FilingListQueryMessage-4.0',
    'xsd/message/ECF-4.0-FilingListQueryMessage.xsd'
  ],
  [
    'urn:oasis:names:tc:legalxml-courtfiling:schema:xsd:FilingListResponseMessage-4.0',
    'xsd/message/ECF-4.0-FilingListResponseMessage.xsd'
  ],
  ...(['CourtPolicyQuery', 'CourtPolicyResponse', 'FeesCalculationQuery', 'FeesCalculationResponse'] as const).map(
    (m): [string, string] => [
      `urn:oasis:names:tc:legalxml-courtfiling:schema:xsd:${m}Message-4.0`,
      `xsd/message/ECF-4.0-${m}Message.xsd`
    ]
  ),
  [
    'urn:oasis:names:tc:legalxml-courtfiling:schema:xsd:PaymentReceiptMessage-4.0',
    'xsd/message/ECF-4.0-PaymentReceiptMessage.xsd'
  ]
]

let validator: XsdValidator | undefined

/** The compiled ECF schema set: compiled once per process (≈ a quarter second), then reused. */
function ecfValidator(): XsdValidator {
  if (validator) return validator
  registerOfflineProvider()
  const driver =
    '<?xml version="1.0" encoding="UTF-8"?>\n<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:clearfile:ecf-driver" elementFormDefault="qualified">\n' +
    DRIVER_IMPORTS.map(([ns, loc]) => `  <xsd:import namespace="${ns}" schemaLocation="${loc}"/>`).join('\n') +
    '\n</xsd:schema>\n'
  const doc = XmlDocument.fromString(driver, { url: join(ECF_DIR(), 'clearfile-driver.xsd') })
  try {
    validator = XsdValidator.fromDoc(doc)
  } finally {
    doc.dispose()
  }
  return validator
}

/**
 * Compiles the ECF schema set now, so that the first message built does not stall every request meanwhile: call it
 * once at start, in a process that builds messages, before it takes requests.
 */
export function compileEcfSchemas(): void {
  ecfValidator()
}

export interface EcfProblem {
  line: number
  message: string
}

/** The message inside a SOAP envelope: the Body's first element. */
const SOAP_BODY_MESSAGE = '*[local-name()="Body"]/*[1]'

/**
 * Validates an ECF message (a whole document, or the message element inside a
 * SOAP body) against the OASIS ECF 4.01 schemas. Returns the problems, each
 * naming the element as libxml2 reports it; an empty list means valid. `read`, when given, reads a valid message
 * from the document just parsed, before it is let go (what else is wanted of it takes no second parse).
 */
export function ecfProblems(xml: string | Uint8Array, read?: (doc: XmlDocument) => void): EcfProblem[] {
  const v = ecfValidator()
  // HUGE: a base64 PDF is one text node larger than libxml2's default 10 MB limit. NO_XXE/NONET: never load anything external.
  const option = ParseOption.XML_PARSE_HUGE | ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE
  const doc = xmlDocumentOf(xml, option)
  try {
    const root = doc.root
    const target: XmlElement =
      root.name === 'Envelope' ? ((root.get(compiledXPath(SOAP_BODY_MESSAGE)) as XmlElement | null) ?? root) : root
    v.validate(target)
    read?.(doc)
    return []
  } catch (err) {
    if (err instanceof XmlValidateError) return err.details.map((d) => ({ line: d.line, message: d.message.trim() }))
    throw err
  } finally {
    doc.dispose()
  }
}

/**
 * Throws `CLEARFILE_ERR_ECF_INVALID` naming the first problems when a message would not validate; `read` as for
 * `ecfProblems`.
 */
export function assertValidEcf(xml: string | Uint8Array, what: string, read?: (doc: XmlDocument) => void): void {
  const problems = ecfProblems(xml, read)
  if (problems.length > 0) {
    throw new ClearfileError(
      'CLEARFILE_ERR_ECF_INVALID',
      `${what} does not validate against the OASIS ECF 4.01 schemas: ${problems
        .slice(0, 3)
        .map((p) => `line ${p.line}: ${p.message}`)
        .join('; ')}`
    )
  }
}
