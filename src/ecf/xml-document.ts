import { type ParseOption, XmlDocument, XmlXPath } from 'libxml2-wasm'

/**
 * Parses XML text or bytes with libxml2. Text goes in as UTF-8 bytes that Node makes (`Buffer.from`):
 * libxml2-wasm's own string path (`fromString`) encodes in JavaScript one character at a time, which for a
 * 32 KB filing message took about four times as long as the parse itself. Either way libxml2 is given the
 * same UTF-8 bytes and no encoding, so the document is the same.
 */
export function xmlDocumentOf(xml: string | Uint8Array, option: ParseOption): XmlDocument {
  return XmlDocument.fromBuffer(typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml, { option })
}

/**
 * An XPath compiled once and used for every message (compiling was a third of a lookup): the fixed paths messages
 * are read by (parse.ts, the validator's SOAP body), and the searches a court's policy asks for, with the prefixes
 * `namespaces` gives them. Past 256 paths (policies that keep changing) they start over.
 */
const compiled = new Map<string, XmlXPath>()
const MAX_COMPILED = 256
export function compiledXPath(path: string, namespaces?: Readonly<Record<string, string>>): XmlXPath {
  const key = namespaces ? `${path}\u0000${Object.entries(namespaces).join('\u0000')}` : path
  let found = compiled.get(key)
  if (!found) {
    if (compiled.size >= MAX_COMPILED) {
      for (const old of compiled.values()) old.dispose()
      compiled.clear()
    }
    found = XmlXPath.compile(path, namespaces && { ...namespaces })
    compiled.set(key, found)
  }
  return found
}
