import { create } from 'xmlbuilder2'
import { nonEntityAmpersandRegex } from 'xmlbuilder2/lib/constants.js'
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js'

/*
 * The court messages are written by xmlbuilder2, once for each shape. A message's shape is its elements, attribute
 * names and namespace declarations, without its values; a court's receipts, callbacks and our filings come in a few
 * shapes, thousands of times each. Building one in xmlbuilder2's DOM and serializing it cost 3–4 µs an element, 0.15
 * to 0.5 ms a message, and at statewide scale that was a seventh of the CPU of a filing's round trip (the filing, the
 * court's receipt and its callback, our receipt of that). So the first message of a shape is built by xmlbuilder2 with
 * a marker in place of each value, and every message of that shape is then its markup with the values put in, escaped
 * as xmlbuilder2 escapes them: the same bytes, for a few microseconds.
 */

/** An element being written: the part of xmlbuilder2's builder the messages use. */
export interface XmlElementWriter {
  /** A child element, in `namespace` when given (its name may carry a prefix). */
  ele(namespace: string, name: string): XmlElementWriter
  ele(name: string): XmlElementWriter
  /** An attribute: `xmlns` and `xmlns:…` declare namespaces and are part of the shape. */
  att(namespace: string, name: string, value: string): XmlElementWriter
  att(name: string, value: string): XmlElementWriter
  /** Text content, escaped as xmlbuilder2 escapes it. */
  txt(value: string): XmlElementWriter
}

/** A message's document element: `end()` gives the message, with its XML declaration. */
export interface XmlMessageWriter extends XmlElementWriter {
  end(): string
}

const ELE = 0
const ATT = 1
const TXT = 2
interface Op {
  kind: typeof ELE | typeof ATT | typeof TXT
  /** The op index of the element it is in (the document element is op 0). */
  parent: number
  namespace: string | undefined
  name: string
  /** An attribute's value or a text; for an element, unused. */
  value: string
}

/** Where each value goes in a shape's markup: the markup between them, and whether each is an attribute's. */
interface Template {
  pieces: string[]
  ops: number[]
  inAttribute: boolean[]
}

const MARK_OPEN = '\uE000'
const MARK_CLOSE = '\uE001'
const MARK = /\uE000(\d+)\uE001/
/** Shapes kept: a few dozen in practice. Past that, or for a message of more ops (a long list), xmlbuilder2 builds it. */
const MAX_TEMPLATES = 512
const MAX_TEMPLATE_OPS = 600
const templates = new Map<string, Template>()

const declares = (name: string) => name === 'xmlns' || name.startsWith('xmlns:')

/** Replays the ops on xmlbuilder2; `valueAt` gives each value (the value itself, or its marker). */
function build(ops: readonly Op[], valueAt: (op: Op, index: number) => string): string {
  const first = ops[0]!
  const doc = create({ version: '1.0', encoding: 'UTF-8' })
  const nodes: XMLBuilder[] = new Array(ops.length)
  nodes[0] = first.namespace === undefined ? doc.ele(first.name) : doc.ele(first.namespace, first.name)
  for (let i = 1; i < ops.length; i++) {
    const op = ops[i]!
    const parent = nodes[op.parent]!
    if (op.kind === ELE) nodes[i] = op.namespace === undefined ? parent.ele(op.name) : parent.ele(op.namespace, op.name)
    else if (op.kind === TXT) parent.txt(valueAt(op, i))
    else if (op.namespace === undefined) parent.att(op.name, valueAt(op, i))
    else parent.att(op.namespace, op.name, valueAt(op, i))
  }
  return nodes[0].end({ prettyPrint: false })
}

/** The message as xmlbuilder2 writes it, built op by op. */
const writeDirectly = (ops: readonly Op[]) => build(ops, (op) => op.value)

let templatesUsed = true

/**
 * Runs `write` with every message built by xmlbuilder2 itself, no template used or made: what the tests hold the
 * templates against. Synchronous, so nothing else writes a message meanwhile.
 */
export function withoutTemplates<T>(write: () => T): T {
  const before = templatesUsed
  templatesUsed = false
  try {
    return write()
  } finally {
    templatesUsed = before
  }
}

/** The template of the ops' shape; undefined when its markup holds a marker that is no value's (never, in ours). */
function templateOf(ops: readonly Op[]): Template | undefined {
  // Namespace declarations stay: xmlbuilder2 reads them to place the element in its namespace.
  const markup = build(ops, (op, i) =>
    op.kind === ATT && declares(op.name) ? op.value : `${MARK_OPEN}${i}${MARK_CLOSE}`
  )
  // split with a capturing group: the markup between markers at even places, each marker's op index at odd ones.
  const parts = markup.split(MARK)
  const at = parts.filter((_, i) => i % 2 === 1).map(Number)
  const isValue = (i: number) => ops[i] !== undefined && ops[i].kind !== ELE && !declares(ops[i].name)
  if (!at.every(isValue) || new Set(at).size !== at.length) return undefined
  return {
    pieces: parts.filter((_, i) => i % 2 === 0),
    ops: at,
    inAttribute: at.map((i) => ops[i]!.kind === ATT)
  }
}

/** A value escaped as xmlbuilder2's serializer escapes it (its `&` rule included: a `&` that starts a reference stays). */
function escaped(value: string, inAttribute: boolean): string {
  if (!value.includes('&') && !value.includes('<') && !value.includes('>') && !(inAttribute && value.includes('"')))
    return value
  const text = value.replace(nonEntityAmpersandRegex, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  return inAttribute ? text.replace(/"/g, '&quot;') : text
}

function fill(t: Template, ops: readonly Op[]): string {
  let out = t.pieces[0]!
  for (let i = 0; i < t.ops.length; i++) out += escaped(ops[t.ops[i]!]!.value, t.inAttribute[i]!) + t.pieces[i + 1]!
  return out
}

/** The ops a message was written as, and the key of its shape. */
class Recording {
  readonly ops: Op[] = []
  key = ''
  add(kind: Op['kind'], parent: number, namespace: string | undefined, name: string, value: string): number {
    this.ops.push({ kind, parent, namespace, name, value })
    // A message too long for a template (a long list) is written by xmlbuilder2: its key would not be looked up.
    if (this.ops.length <= MAX_TEMPLATE_OPS)
      this.key += `${kind}${parent}\u0001${namespace ?? ''}\u0001${name}${kind === ATT && declares(name) ? `\u0001${value}` : ''}\u0002`
    return this.ops.length - 1
  }
  message(): string {
    if (!templatesUsed || this.ops.length > MAX_TEMPLATE_OPS) return writeDirectly(this.ops)
    const cached = templates.get(this.key)
    if (cached) return fill(cached, this.ops)
    if (templates.size >= MAX_TEMPLATES) return writeDirectly(this.ops)
    const made = templateOf(this.ops)
    if (!made) return writeDirectly(this.ops)
    templates.set(this.key, made)
    return fill(made, this.ops)
  }
}

class ElementWriter implements XmlMessageWriter {
  constructor(
    private readonly recording: Recording,
    private readonly at: number
  ) {}
  ele(a: string, b?: string): XmlElementWriter {
    const [namespace, name] = b === undefined ? [undefined, a] : [a, b]
    return new ElementWriter(this.recording, this.recording.add(ELE, this.at, namespace, name, ''))
  }
  att(a: string, b: string, c?: string): XmlElementWriter {
    const [namespace, name, value] = c === undefined ? [undefined, a, b] : [a, b, c]
    this.recording.add(ATT, this.at, namespace, name, value)
    return this
  }
  txt(value: string): XmlElementWriter {
    this.recording.add(TXT, this.at, undefined, '', value)
    return this
  }
  end(): string {
    return this.recording.message()
  }
}

/**
 * A message whose document element is `name` in `namespace`, as xmlbuilder2 writes it with an XML declaration
 * (`create({ version: '1.0', encoding: 'UTF-8' }).ele(namespace, name)` … `.end()`), byte for byte.
 */
export function xmlMessage(namespace: string, name: string): XmlMessageWriter {
  const recording = new Recording()
  return new ElementWriter(recording, recording.add(ELE, -1, namespace, name, ''))
}
