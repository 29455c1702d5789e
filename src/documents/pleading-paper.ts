import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib'
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
const BLACK = rgb(0, 0, 0)

/** Baseline of numbered line `n` (1-28). */
export const baselineOf = (line: number) => FIRST_BASELINE - (line - 1) * LINE_PITCH

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

export interface PaperMetadata {
  title: string
  /** The short title printed in every page's footer (CRC 2.110). */
  footer: string
  /** Fixed metadata date: the same inputs must give the same bytes. */
  date: Date
  subject?: string
}

/** Writes text onto numbered pleading lines, page after page. */
export class PleadingWriter {
  readonly doc: PDFDocument
  readonly fonts: PaperFonts
  readonly #meta: PaperMetadata
  #page!: PDFPage
  /** The next free numbered line on the current page (1-28, 29 = page full). */
  line = 1

  private constructor (doc: PDFDocument, fonts: PaperFonts, meta: PaperMetadata) {
    this.doc = doc
    this.fonts = fonts
    this.#meta = meta
  }

  static async create (meta: PaperMetadata): Promise<PleadingWriter> {
    const doc = await PDFDocument.create({ updateMetadata: false })
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

  get pageCount (): number { return this.doc.getPageCount() }
  get page (): PDFPage { return this.#page }

  newPage (): void {
    const page = this.doc.addPage([PAGE.width, PAGE.height])
    const { regular } = this.fonts
    for (let n = 1; n <= LINES_PER_PAGE; n++) {
      const label = String(n)
      page.drawText(label, { x: NUMBER_RIGHT - regular.widthOfTextAtSize(label, FONT_SIZE), y: baselineOf(n), size: FONT_SIZE, font: regular, color: BLACK })
    }
    const top = PAGE.height
    const bottom = 0
    for (const x of RULE_LEFT) page.drawLine({ start: { x, y: top }, end: { x, y: bottom }, thickness: 0.75, color: BLACK })
    page.drawLine({ start: { x: RULE_RIGHT, y: top }, end: { x: RULE_RIGHT, y: bottom }, thickness: 0.75, color: BLACK })
    this.#page = page
    this.line = 1
  }

  /** Moves to the next page when fewer than `lines` remain on this one. */
  ensure (lines: number): void {
    if (this.line + lines - 1 > LINES_PER_PAGE) this.newPage()
  }

  skip (lines = 1): void {
    this.line += lines
    if (this.line > LINES_PER_PAGE) this.newPage()
  }

  /** Splits text into lines that fit `width` at 12 pt (words longer than a line are broken). */
  wrap (text: string, font: PDFFont, width: number, firstIndent = 0): string[] {
    const out: string[] = []
    for (const paragraph of text.split('\n')) {
      let current = ''
      let avail = width - (out.length === 0 ? firstIndent : 0)
      for (const word of paragraph.split(/\s+/).filter((w) => w !== '')) {
        const candidate = current === '' ? word : `${current} ${word}`
        if (font.widthOfTextAtSize(candidate, FONT_SIZE) <= avail) {
          current = candidate
          continue
        }
        if (current !== '') {
          out.push(current)
          avail = width
        }
        let rest = word
        while (font.widthOfTextAtSize(rest, FONT_SIZE) > avail) {
          let cut = rest.length - 1
          while (cut > 1 && font.widthOfTextAtSize(rest.slice(0, cut), FONT_SIZE) > avail) cut--
          out.push(rest.slice(0, cut))
          rest = rest.slice(cut)
          avail = width
        }
        current = rest
      }
      out.push(current)
    }
    return out
  }

  /** Draws one string on a numbered line of the current page. */
  async drawOn (line: number, text: string, options: TextOptions = {}): Promise<void> {
    return this.drawAtY(baselineOf(line), text, options)
  }

  /** Draws one string at a baseline of the current page (for single-spaced blocks such as counsel's). */
  async drawAtY (y: number, text: string, options: TextOptions = {}): Promise<void> {
    if (text === '') return
    const font = await this.fonts.forText(text, options.bold)
    const x0 = options.x ?? TEXT_LEFT
    const width = options.width ?? TEXT_RIGHT - x0
    const w = font.widthOfTextAtSize(text, FONT_SIZE)
    const x = options.align === 'center' ? x0 + (width - w) / 2 : options.align === 'right' ? x0 + width - w : x0
    this.#page.drawText(text, { x, y, size: FONT_SIZE, font, color: BLACK })
  }

  /** Writes a paragraph from the current line on, wrapping and turning pages as needed. */
  async paragraph (text: string, options: TextOptions = {}): Promise<void> {
    const font = await this.fonts.forText(text, options.bold)
    const x0 = options.x ?? TEXT_LEFT
    const width = options.width ?? TEXT_RIGHT - x0
    const lines = this.wrap(text, font, width, options.firstIndent ?? 0)
    for (const [i, line] of lines.entries()) {
      if (this.line > LINES_PER_PAGE) this.newPage()
      const indent = i === 0 ? options.firstIndent ?? 0 : 0
      await this.drawOn(this.line, line, { ...options, x: x0 + indent, width: width - indent })
      this.line++
    }
    if (this.line > LINES_PER_PAGE) this.newPage()
  }

  /** Page numbers and the footer title on every page, then the bytes. */
  async save (): Promise<Uint8Array> {
    const { regular } = this.fonts
    const footerFont = await this.fonts.forText(this.#meta.footer)
    for (const [i, page] of this.doc.getPages().entries()) {
      const number = String(i + 1)
      page.drawText(number, { x: (PAGE.width - regular.widthOfTextAtSize(number, FONT_SIZE)) / 2, y: 44, size: FONT_SIZE, font: regular, color: BLACK })
      page.drawLine({ start: { x: TEXT_LEFT, y: 38 }, end: { x: TEXT_RIGHT, y: 38 }, thickness: 0.75, color: BLACK })
      const w = footerFont.widthOfTextAtSize(this.#meta.footer, FOOTER_SIZE)
      page.drawText(this.#meta.footer, { x: (PAGE.width - w) / 2, y: 26, size: FOOTER_SIZE, font: footerFont, color: BLACK })
    }
    return this.doc.save({ useObjectStreams: false })
  }
}
