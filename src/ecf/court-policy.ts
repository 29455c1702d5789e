import type { XmlDocument, XmlElement } from 'libxml2-wasm'
import type { CourtPolicy } from './court-adapter.js'
import { NS, withoutDocumentBytes } from './messages.js'
import { parseCourtXml } from './parse.js'
import { compiledXPath } from './xml-document.js'

/*
 * What a court's published policy (GetPolicy, ECF 4.01 §2.4.2) says about a filing before it is sent: the codes
 * we use must be on the court's code lists for the elements those lists govern (register actions, case
 * categories, participant roles… ECF leaves them to each court), and the filing must fit the court's limits and
 * what it accepts. A court refuses a filing that does not; finding it here means nothing is sent that would be.
 */

/** The prefixes ECF 4.01 names its elements with (nc, j, ecf, core…). */
const PREFIXES: Readonly<Record<string, string>> = NS

/** An element a court names (`j:RegisterActionDescriptionText`): its local name, and its namespace when we know the prefix. */
interface Governed {
  element: string
  local: string
  ns: string | undefined
  /** Where it is in a message: by its namespace (`//nc:BinarySizeValue`) where we know its prefix, else by local name. */
  path: string
}

function governed(element: string): Governed | undefined {
  const [prefix, local] = element.includes(':') ? element.split(':', 2) : [null, element]
  if (!local || !/^[A-Za-z_][\w.-]*$/.test(local)) return undefined
  // A prefix we do not know is matched by the local name alone: a court's prefixes are its own.
  const ns = prefix && Object.hasOwn(PREFIXES, prefix) ? PREFIXES[prefix] : undefined
  return { element, local, ns, path: ns ? `//${prefix}:${local}` : `//*[local-name()="${local}"]` }
}

/**
 * Every value of each named element in the message, in document order, by element name: one walk of the message for
 * all of them (a court governing a dozen elements cost a dozen walks).
 */
function valuesOf(doc: XmlDocument, elements: readonly string[]): Map<string, string[]> {
  const values = new Map(elements.map((e) => [e, [] as string[]]))
  const wanted = elements.flatMap((e) => governed(e) ?? [])
  if (wanted.length === 0) return values
  // A union of name tests, found in document order. One predicate testing every element's local-name() and
  // namespace-uri() against each took 0.19 ms a message; this takes 0.02.
  const path = [...new Set(wanted.map((w) => w.path))].join(' | ')
  // Compiled once per set of elements: a court's policy names the same ones message after message.
  for (const node of doc.root.find(compiledXPath(path, PREFIXES))) {
    const { name, namespaceUri } = node as XmlElement
    for (const w of wanted)
      if (w.local === name && (w.ns === undefined || w.ns === namespaceUri))
        values.get(w.element)!.push(node.content.trim())
  }
  return values
}

/** Codes the court's list has in another case or spacing ("Proposed order" for "Proposed Order"): a hint. */
function nearest(code: string, codes: readonly string[]): string | undefined {
  const plain = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim()
  return codes.find((c) => plain(c) === plain(code))
}

/**
 * Why a court whose policy this is would refuse the filing message `xml` (a ReviewFilingRequestMessage), one
 * sentence each; none when it fits. Checked: ReviewFiling among the court's operations and Criminal among its case
 * types (where it lists any), confidential filings accepted, the message and each document within the court's
 * sizes, and every value of every element the court governs with a code list on that list.
 */
export function policyProblems(xml: string, policy: CourtPolicy): string[] {
  return parseCourtXml(withoutDocumentBytes(xml), (doc) =>
    policyProblemsOfDocument(doc, Buffer.byteLength(xml, 'utf8'), policy)
  )
}

/**
 * `policyProblems` of a message already parsed (`doc`, with or without its documents' bytes) that is `bytes` long as
 * sent: where the message was just parsed to be validated, it is checked on that parse.
 */
export function policyProblemsOfDocument(doc: XmlDocument, bytes: number, policy: CourtPolicy): string[] {
  const problems: string[] = []
  if (policy.operations.length > 0 && !policy.operations.includes('ReviewFiling'))
    problems.push(`the court's policy does not list ReviewFiling among its operations`)
  if (policy.caseTypes.length > 0 && !policy.caseTypes.some((c) => c.toLowerCase() === 'criminal'))
    problems.push(`the court's policy does not take Criminal cases (it lists ${policy.caseTypes.join(', ')})`)
  if (policy.maxMessageBytes !== null && bytes > policy.maxMessageBytes)
    problems.push(`the message is ${bytes} bytes; the court takes at most ${policy.maxMessageBytes}`)
  const CONFIDENTIAL = 'core:FilingConfidentialityIndicator'
  const SIZE = 'nc:BinarySizeValue'
  const found = valuesOf(doc, [CONFIDENTIAL, SIZE, ...policy.codeLists.map((l) => l.element)])
  if (policy.acceptsConfidential === false && found.get(CONFIDENTIAL)!.includes('true'))
    problems.push('the filing asks to be kept confidential; the court does not accept confidential filings')
  if (policy.maxAttachmentBytes !== null)
    for (const size of found.get(SIZE)!)
      if (Number(size) > policy.maxAttachmentBytes)
        problems.push(`a document is ${size} bytes; the court takes at most ${policy.maxAttachmentBytes}`)
  for (const list of policy.codeLists) {
    const codes = new Set(list.codes)
    for (const value of new Set(found.get(list.element))) {
      if (codes.has(value)) continue
      const hint = nearest(value, list.codes)
      problems.push(
        `${list.element} "${value}" is not on the court's code list ${list.uri} (${list.codes.length} codes${hint ? `; it has "${hint}"` : ''})`
      )
    }
  }
  return problems
}
