import { randomBytes } from 'node:crypto'
import { ClearfileError } from '../errors.js'

/*
 * SOAP 1.1 with MTOM/XOP (W3C SOAP Message Transmission Optimization Mechanism,
 * XML-binary Optimized Packaging): each PDF travels as a binary MIME part of a
 * multipart/related body, referenced from its nc:BinaryBase64Object by an
 * xop:Include, instead of as base64 text a third larger. The receiver puts the
 * bytes back as base64 (the XOP infoset is the base64 one), so the message
 * validates against the same schemas.
 */
export const XOP_NS = 'http://www.w3.org/2004/08/xop/include'

export interface MtomMessage {
  body: Buffer
  contentType: string
}

// Our own serialization of the message: every embedded PDF is <nc:BinaryBase64Object>base64</nc:BinaryBase64Object>.
const BINARY = /<nc:BinaryBase64Object>([A-Za-z0-9+/=\s]*)<\/nc:BinaryBase64Object>/g

/** Packages a SOAP envelope clearfile built as MTOM: one root part and one binary part per embedded PDF. */
export function toMtom(envelope: string): MtomMessage {
  const boundary = `MIMEBoundary_${randomBytes(12).toString('hex')}`
  const rootId = 'root.message@clearfile'
  const parts: Array<{ id: string; bytes: Buffer }> = []
  const root = envelope.replace(BINARY, (_m, b64: string) => {
    const id = `attachment${parts.length + 1}@clearfile`
    parts.push({ id, bytes: Buffer.from(b64, 'base64') })
    return `<nc:BinaryBase64Object><xop:Include xmlns:xop="${XOP_NS}" href="cid:${encodeURIComponent(id)}"/></nc:BinaryBase64Object>`
  })
  const chunks: Buffer[] = [
    Buffer.from(
      `--${boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="text/xml"\r\nContent-Transfer-Encoding: 8bit\r\nContent-ID: <${rootId}>\r\n\r\n${root}\r\n`
    )
  ]
  for (const part of parts) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <${part.id}>\r\n\r\n`
      ),
      part.bytes,
      Buffer.from('\r\n')
    )
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return {
    body: Buffer.concat(chunks),
    contentType: `multipart/related; type="application/xop+xml"; start="<${rootId}>"; start-info="text/xml"; boundary="${boundary}"`
  }
}

const param = (contentType: string, name: string) => new RegExp(`${name}="?([^";]+)"?`, 'i').exec(contentType)?.[1]

/**
 * Reads an MTOM request back into one SOAP envelope with the binary parts
 * inlined as base64 where their xop:Include stood. Throws
 * CLEARFILE_ERR_ECF_MALFORMED when the package is broken or refers to a part
 * it does not carry.
 */
export function fromMtom(body: Buffer, contentType: string): string {
  const boundary = param(contentType, 'boundary')
  if (!boundary) throw new ClearfileError('CLEARFILE_ERR_ECF_MALFORMED', 'multipart/related without a boundary')
  const delimiter = Buffer.from(`--${boundary}`)
  const parts = new Map<string, Buffer>()
  const order: Buffer[] = []
  let at = body.indexOf(delimiter)
  while (at !== -1) {
    const start = at + delimiter.length
    if (body.subarray(start, start + 2).toString() === '--') break
    const next = body.indexOf(delimiter, start)
    if (next === -1)
      throw new ClearfileError('CLEARFILE_ERR_ECF_MALFORMED', 'multipart/related part without its closing boundary')
    const part = body.subarray(start + 2, next - 2) // after CRLF, before CRLF--boundary
    const split = part.indexOf('\r\n\r\n')
    if (split === -1) throw new ClearfileError('CLEARFILE_ERR_ECF_MALFORMED', 'multipart/related part without headers')
    const headers = part.subarray(0, split).toString('latin1')
    const id = /^content-id:\s*<([^>]+)>/im.exec(headers)?.[1]
    const content = part.subarray(split + 4)
    order.push(content)
    if (id) parts.set(id, content)
    at = next
  }
  const startId = param(contentType, 'start')?.replace(/^<|>$/g, '')
  const root = startId ? parts.get(startId) : order[0]
  if (!root) throw new ClearfileError('CLEARFILE_ERR_ECF_MALFORMED', 'multipart/related without its root part')
  return root
    .toString('utf8')
    .replace(/<(?:[A-Za-z_][\w.-]*:)?Include\b[^>]*\bhref="cid:([^"]+)"[^>]*\/>/g, (_m, href: string) => {
      const bytes = parts.get(decodeURIComponent(href))
      if (!bytes)
        throw new ClearfileError(
          'CLEARFILE_ERR_ECF_MALFORMED',
          `xop:Include of a part the package does not carry: ${href}`
        )
      return bytes.toString('base64')
    })
}
