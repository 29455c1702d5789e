import { type ParseOption, XmlDocument } from 'libxml2-wasm'

/**
 * Parses XML text or bytes with libxml2. Text goes in as UTF-8 bytes that Node makes (`Buffer.from`):
 * libxml2-wasm's own string path (`fromString`) encodes in JavaScript one character at a time, which for a
 * 32 KB filing message took about four times as long as the parse itself. Either way libxml2 is given the
 * same UTF-8 bytes and no encoding, so the document is the same.
 */
export function xmlDocumentOf(xml: string | Uint8Array, option: ParseOption): XmlDocument {
  return XmlDocument.fromBuffer(typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml, { option })
}
