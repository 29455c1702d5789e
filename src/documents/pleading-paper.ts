import { deflateSync } from 'node:zlib'
import { PDFDocument, PDFName, type PDFFont, type PDFPage, type PDFRef } from 'pdf-lib'
import { paperFonts, type PaperFonts } from './fonts.js'

/*
 * California pleading paper (CRC 2.100-2.119): US Letter, 12-pt serif, 28
 * numbered lines per page restarting at 1, the numbers at the left margin behind
 * a double rule, a single rule at the right, left margin over 1 in and right over
 * ½ in, the page number at the bottom and under a printed line the paper's title
 * (at least 10 pt) on every page.
 */
export const PAGE = { width: 612, height: 792 } as const
export const LINES_PER_PAGE = 28
export const LINE_PITCH = 24
const FIRST_BASELINE = 722
export const TEXT_LEFT = 80
export const TEXT_RIGHT = 568
const NUMBER_RIGHT = 62
const RULE_LEFT = [70, 72.5]
const RULE_RIGHT = 576
const FONT_SIZE = 12
const FOOTER_SIZE = 10

/** Baseline of numbered line `n` (1-28). */
export const baselineOf = (line: number) => FIRST_BASELINE - (line - 1) * LINE_PITCH

/*
 * What every page shares — the 28 line numbers, the double rule at the left, the
 * rule at the right and the footer's rule — is one content stream, written and
 * compressed once per process and added to each page by reference, with the
 * page's font resource named to match. Pages then only carry their own text.
 */
const BACKGROUND_FONT = 'CfPaper'
const DIGIT_WIDTH = 6 // Times-Roman "0" at 12 pt: 500/1000 em
const BACKGROUND = (() => {
  const column = (from: number, to: number, x: number) => {
    let ops = `BT /${BACKGROUND_FONT} ${FONT_SIZE} Tf ${LINE_PITCH} TL 1 0 0 1 ${x} ${baselineOf(from)} Tm`
    for (let n = from; n <= to; n++) ops += `${n === from ? '' : ' T*'} (${n}) Tj`
    return `${ops} ET`
  }
  const rule = (x1: number, y1: number, x2: number, y2: number) => `${x1} ${y1} m ${x2} ${y2} l S`
  const ops = [
    'q 0 g 0 G 0.75 w',
    column(1, 9, NUMBER_RIGHT - DIGIT_WIDTH),
    column(10, LINES_PER_PAGE, NUMBER_RIGHT - 2 * DIGIT_WIDTH),
    ...RULE_LEFT.map((x) => rule(x, PAGE.height, x, 0)),
    rule(RULE_RIGHT, PAGE.height, RULE_RIGHT, 0),
    rule(TEXT_LEFT, 38, TEXT_RIGHT, 38),
    'Q'
  ].join('\n')
  return deflateSync(Buffer.from(ops, 'latin1'))
})()

/**
 * Text widths from per-character advance widths, cached per font name (each
 * document has its own font objects; the metrics are the same). pdf-lib's own
 * measure adds kerning pairs on every call, and wrapping measures each line
 * word by word, which made measuring the slowest part of a document; drawing
 * does not kern, so this is also the width actually drawn.
 */
const advanceCache = new Map<string, { low: Float64Array; other: Map<string, number> }>()
export function textWidth(font: PDFFont, text: string, size = FONT_SIZE): number {
  let cache = advanceCache.get(font.name)
  if (!cache) advanceCache.set(font.name, (cache = { low: new Float64Array(256).fill(-1), other: new Map() }))
  const { low, other } = cache
  let total = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 256) {
      let w = low[code]!
      if (w < 0) low[code] = w = font.widthOfTextAtSize(text[i]!, 1000)
      total += w
      continue
    }
    // Beyond Latin-1 (and surrogate pairs): per character, from the map.
    const ch = String.fromCodePoint(text.codePointAt(i)!)
    if (ch.length === 2) i++
    let w = other.get(ch)
    if (w === undefined) other.set(ch, (w = font.widthOfTextAtSize(ch, 1000)))
    total += w
  }
  return (total * size) / 1000
}

/**
 * The bytes a standard font (WinAnsiEncoding) draws characters with, asked of the font once per character and
 * kept by font name for every document: the same codes pdf-lib's own drawing writes. `low` holds Latin-1 by char
 * code (-1: not asked yet).
 */
const winAnsiCodes = new Map<string, { low: Int16Array; other: Map<number, number> }>()
const askCode = (font: PDFFont, ch: string) => Number.parseInt(font.encodeText(ch).asString(), 16)

/** A PDF literal string of a standard font's codes: parentheses and backslashes escaped, every other byte as itself. */
function literalOf(font: PDFFont, text: string): string {
  let codes = winAnsiCodes.get(font.name)
  if (!codes) winAnsiCodes.set(font.name, (codes = { low: new Int16Array(256).fill(-1), other: new Map() }))
  const { low, other } = codes
  let out = '('
  // Text for a standard font is WinAnsi (fonts.forText chose it so): no surrogate pairs.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    let code: number | undefined
    if (c < 256) {
      code = low[c]!
      if (code < 0) low[c] = code = askCode(font, text[i]!)
    } else {
      code = other.get(c)
      if (code === undefined) other.set(c, (code = askCode(font, text[i]!)))
    }
    out +=
      code === 0x28 || code === 0x29 || code === 0x5c ? `\\${String.fromCharCode(code)}` : String.fromCharCode(code)
  }
  return `${out})`
}

/** A coordinate as content operators write it: at most three decimals, never an exponent. */
const num = (n: number) => String(Math.round(n * 1000) / 1000)

/*
 * Text as pdf-lib's drawText would have it: tabs and the Unicode line and
 * paragraph separators become four spaces, backspace and vertical tab are
 * dropped, and the other line breaks start a new line.
 */
const cleanText = (text: string) => text.replace(/\t|\u0085|\u2028|\u2029/g, '    ').replace(/[\b\v]/g, '')
const linesOf = (text: string) => cleanText(text).split(/[\n\f\r]/)

/** A page and the content operators written on it so far (its shared background aside). */
interface PageContent {
  page: PDFPage
  ops: string[]
  /** Resource names of the fonts this page's dictionary already holds. */
  fonts: Set<string>
}

export interface TextOptions {
  /** Left edge, in points from the page edge (default the text margin). */
  x?: number
  /** Width available from `x` (default to the right margin). */
  width?: number
  /** Extra indent of the first line of a paragraph. */
  firstIndent?: number
  align?: 'left' | 'center' | 'right'
  bold?: boolean
}

export interface WrapOptions {
  /**
   * Keep each phrase of a title on one line when it fits on one: a
   * parenthesised citation (with what is glued to it, such as `;`), and the
   * words between citations and semicolons.
   */
  keepPhrases?: boolean
}

/** The pieces of a paragraph never broken apart: its words, a `§` or `§§` with the word after it. */
function piecesOf(paragraph: string): string[] {
  const words = paragraph.split(/\s+/).filter((w) => w !== '')
  if (!paragraph.includes('§')) return words
  const pieces: string[] = []
  for (let i = 0; i < words.length; i++) {
    let piece = words[i]!
    while (piece.endsWith('§') && i + 1 < words.length) piece += ` ${words[++i]!}`
    pieces.push(piece)
  }
  return pieces
}

/**
 * The pieces grouped into phrases, each kept whole when it fits on a line:
 * with `phrases`, a parenthesised group from its `(` to the matching `)`, and
 * the runs of words between such groups and after a `;`; else piece by piece.
 * A phrase of one piece is the piece itself.
 */
function phrasesOf(pieces: string[], phrases: boolean): Array<string | string[]> {
  if (!phrases) return pieces
  const out: Array<string | string[]> = []
  let current: string[] = []
  let depth = 0
  const close = () => {
    if (current.length > 0) out.push(current.length === 1 ? current[0]! : current)
    current = []
  }
  for (const piece of pieces) {
    if (depth === 0 && piece.startsWith('(')) close()
    current.push(piece)
    for (const ch of piece) depth = Math.max(0, depth + (ch === '(' ? 1 : ch === ')' ? -1 : 0))
    if (depth === 0 && (current[0]!.startsWith('(') || piece.endsWith(';'))) close()
  }
  close()
  return out
}

export interface PaperMetadata {
  title: string
  /** The short title printed in every page's footer (CRC 2.110). */
  footer: string
  /** Fixed metadata date: the same inputs must give the same bytes. */
  date: Date
  subject?: string
}

/**
 * Writes text onto numbered pleading lines, page after page. It writes each
 * page's content operators itself, one string a page, compressed once when the
 * document is saved: building pdf-lib's operator objects for every line, then
 * serialising them, was most of the time of a document.
 */
export class PleadingWriter {
  readonly doc: PDFDocument
  readonly fonts: PaperFonts
  readonly #meta: PaperMetadata
  readonly #pages: PageContent[] = []
  #current!: PageContent
  #background: PDFRef | undefined
  /** The next free numbered line on the current page (1-28, 29 = page full). */
  line = 1

  private constructor(doc: PDFDocument, fonts: PaperFonts, meta: PaperMetadata) {
    this.doc = doc
    this.fonts = fonts
    this.#meta = meta
  }

  static async create(meta: PaperMetadata): Promise<PleadingWriter> {
    const doc = await PDFDocument.create({ updateMetadata: false })
    // Embedded font files are compressed through this too: use native zlib for them as for content streams.
    const context = doc.context as unknown as {
      flateStream: (contents: Uint8Array, dict?: Record<string, unknown>) => unknown
      stream: (contents: Uint8Array, dict: Record<string, unknown>) => unknown
    }
    context.flateStream = (contents, dict = {}) =>
      context.stream(deflateSync(contents), { ...dict, Filter: 'FlateDecode' })
    doc.setTitle(meta.title)
    doc.setSubject(meta.subject ?? meta.title)
    doc.setCreator('clearfile')
    doc.setProducer('clearfile (pdf-lib)')
    doc.setCreationDate(meta.date)
    doc.setModificationDate(meta.date)
    const writer = new PleadingWriter(doc, await paperFonts(doc), meta)
    writer.newPage()
    return writer
  }

  get pageCount(): number {
    return this.#pages.length
  }

  newPage(): void {
    const page = this.doc.addPage([PAGE.width, PAGE.height])
    this.#background ??= this.doc.context.register(this.doc.context.stream(BACKGROUND, { Filter: 'FlateDecode' }))
    page.node.setFontDictionary(PDFName.of(BACKGROUND_FONT), this.fonts.regular.ref)
    page.node.addContentStream(this.#background)
    this.#current = { page, ops: [], fonts: new Set([BACKGROUND_FONT]) }
    this.#pages.push(this.#current)
    this.line = 1
  }

  /** The resource name of a font on a page, added to the page's font dictionary at its first use there. */
  #fontName(content: PageContent, font: PDFFont): string {
    const { regular, bold } = this.fonts
    const name = font === regular ? BACKGROUND_FONT : font === bold ? 'CfBold' : 'CfUnicode'
    if (!content.fonts.has(name)) {
      content.page.node.setFontDictionary(PDFName.of(name), font.ref)
      content.fonts.add(name)
    }
    return name
  }

  /**
   * Writes lines of text from a baseline down by `lineHeight`, as one text object; an empty line keeps its
   * place. A standard font's text is a literal string of its WinAnsi codes; the embedded Unicode font's is the
   * glyph ids it hands back (which also puts those glyphs in its subset).
   */
  #text(
    content: PageContent,
    lines: readonly string[],
    o: { x: number; y: number; font: PDFFont; size?: number; lineHeight?: number }
  ): void {
    const standard = o.font === this.fonts.regular || o.font === this.fonts.bold
    let ops = `BT /${this.#fontName(content, o.font)} ${o.size ?? FONT_SIZE} Tf ${num(o.lineHeight ?? LINE_PITCH)} TL 1 0 0 1 ${num(o.x)} ${num(o.y)} Tm`
    for (const line of lines.flatMap(linesOf)) {
      if (line !== '') ops += ` ${standard ? literalOf(o.font, line) : o.font.encodeText(line).toString()} Tj`
      ops += ' T*'
    }
    content.ops.push(`${ops} ET`)
  }

  /** A horizontal rule across the current page, `thickness` points thick. */
  rule(x1: number, x2: number, y: number, thickness: number): void {
    this.#current.ops.push(`q ${num(thickness)} w ${num(x1)} ${num(y)} m ${num(x2)} ${num(y)} l S Q`)
  }

  /** Moves to the next page when fewer than `lines` remain on this one. */
  ensure(lines: number): void {
    if (this.line + lines - 1 > LINES_PER_PAGE) this.newPage()
  }

  skip(lines = 1): void {
    this.line += lines
    if (this.line > LINES_PER_PAGE) this.newPage()
  }

  /**
   * Splits text into lines that fit `width` at 12 pt (words longer than a line
   * are broken). A `§` stays with the number it cites; with `keepPhrases`, a
   * parenthesised citation (`(Health & Saf. Code, § 11361.8)`) and the words
   * between citations are each kept on one line whenever they fit on one, so a
   * title breaks between its phrases.
   */
  wrap(text: string, font: PDFFont, width: number, firstIndent = 0, options: WrapOptions = {}): string[] {
    const out: string[] = []
    const space = textWidth(font, ' ')
    for (const paragraph of text.split('\n')) {
      let current = ''
      let currentWidth = 0
      let avail = width - (out.length === 0 ? firstIndent : 0)
      const units = phrasesOf(piecesOf(paragraph), options.keepPhrases === true)
      for (let u = 0; u < units.length; u++) {
        const unit = units[u]!
        const word = typeof unit === 'string' ? unit : unit.join(' ')
        const wordWidth = textWidth(font, word)
        if (current === '' ? wordWidth <= avail : currentWidth + space + wordWidth <= avail) {
          currentWidth = current === '' ? wordWidth : currentWidth + space + wordWidth
          current = current === '' ? word : `${current} ${word}`
          continue
        }
        // A phrase that cannot fit on a line of its own goes piece by piece.
        if (typeof unit !== 'string' && (wordWidth > width || (current === '' && wordWidth > avail))) {
          units.splice(u + 1, 0, ...unit)
          continue
        }
        if (current !== '') {
          out.push(current)
          avail = width
          if (wordWidth <= avail) {
            current = word
            currentWidth = wordWidth
            continue
          }
        }
        let rest = word
        while (textWidth(font, rest) > avail) {
          let cut = rest.length - 1
          while (cut > 1 && textWidth(font, rest.slice(0, cut)) > avail) cut--
          out.push(rest.slice(0, cut))
          rest = rest.slice(cut)
          avail = width
        }
        current = rest
        currentWidth = textWidth(font, rest)
      }
      out.push(current)
    }
    return out
  }

  /** Draws one string on a numbered line of the current page. */
  async drawOn(line: number, text: string, options: TextOptions = {}): Promise<void> {
    return this.drawAtY(baselineOf(line), text, options)
  }

  /** Draws one string at a baseline of the current page (for single-spaced blocks such as counsel's). */
  async drawAtY(y: number, text: string, options: TextOptions = {}): Promise<void> {
    if (text === '') return
    const font = await this.fonts.forText(text, options.bold)
    const x0 = options.x ?? TEXT_LEFT
    const width = options.width ?? TEXT_RIGHT - x0
    const w = textWidth(font, text)
    const x = options.align === 'center' ? x0 + (width - w) / 2 : options.align === 'right' ? x0 + width - w : x0
    this.#text(this.#current, [text], { x, y, font })
  }

  /**
   * Draws left-aligned lines as one text operation, from a baseline down by
   * `lineHeight` (24: one numbered line each; 12: single-spaced). Blank strings
   * keep their line. Fewer operations make a document markedly cheaper.
   */
  async drawBlock(
    y: number,
    lines: readonly string[],
    options: { x?: number; lineHeight?: number; bold?: boolean } = {}
  ): Promise<void> {
    if (lines.every((l) => l === '')) return
    const font = await this.fonts.forText(lines.join(' '), options.bold)
    this.#text(this.#current, lines, { x: options.x ?? TEXT_LEFT, y, font, lineHeight: options.lineHeight })
  }

  /** Writes a paragraph from the current line on, wrapping and turning pages as needed. */
  async paragraph(text: string, options: TextOptions = {}): Promise<void> {
    const font = await this.fonts.forText(text, options.bold)
    const x0 = options.x ?? TEXT_LEFT
    const width = options.width ?? TEXT_RIGHT - x0
    const indent = options.firstIndent ?? 0
    const lines = this.wrap(text, font, width, indent)
    if (options.align === 'center' || options.align === 'right') {
      for (const line of lines) {
        if (this.line > LINES_PER_PAGE) this.newPage()
        await this.drawOn(this.line++, line, { ...options, x: x0, width })
      }
    } else {
      // Left-aligned lines on one page go out as one multi-line text operation.
      let i = 0
      if (indent > 0 && lines.length > 0) {
        if (this.line > LINES_PER_PAGE) this.newPage()
        await this.drawOn(this.line++, lines[0]!, { ...options, x: x0 + indent, width: width - indent })
        i = 1
      }
      while (i < lines.length) {
        if (this.line > LINES_PER_PAGE) this.newPage()
        const room = LINES_PER_PAGE - this.line + 1
        const chunk = lines.slice(i, i + room)
        this.#text(this.#current, chunk, { x: x0, y: baselineOf(this.line), font })
        this.line += chunk.length
        i += chunk.length
      }
    }
    if (this.line > LINES_PER_PAGE) this.newPage()
  }

  /** Page numbers and the footer title on every page, then the bytes. */
  async save(): Promise<Uint8Array> {
    const { regular } = this.fonts
    const footerFont = await this.fonts.forText(this.#meta.footer)
    const footerX = (PAGE.width - textWidth(footerFont, this.#meta.footer, FOOTER_SIZE)) / 2
    const { context } = this.doc
    for (const [i, content] of this.#pages.entries()) {
      const number = String(i + 1)
      this.#text(content, [number], { x: (PAGE.width - textWidth(regular, number)) / 2, y: 44, font: regular })
      this.#text(content, [this.#meta.footer], { x: footerX, y: 26, font: footerFont, size: FOOTER_SIZE })
      const ops = Buffer.from(content.ops.join('\n'), 'latin1')
      content.page.node.addContentStream(context.register(context.flateStream(ops)))
    }
    // pdf-lib yields to the event loop every 50 objects while saving; a document is small, so write it in one go.
    return this.doc.save({ useObjectStreams: false, objectsPerTick: Number.POSITIVE_INFINITY })
  }
}
