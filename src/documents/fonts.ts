import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import fontkit from '@pdf-lib/fontkit'
import { StandardFonts, type PDFDocument, type PDFFont } from 'pdf-lib'
import { ClearfileError } from '../errors.js'

/*
 * Court papers need a 12-pt serif (CRC 2.104-2.105). Times is a PDF standard
 * font: nothing to embed, fast, and it covers every name in Windows-1252. Names
 * beyond that (Nguyễn, Łukasiewicz) are drawn in DejaVu Serif, shipped from npm
 * (dejavu-fonts-ttf) and subset into the document, so the court sees the name as
 * written. (Noto Serif was tried first: pdf-lib's fontkit subsetting drops most of
 * its glyphs, so names rendered with gaps.)
 */

const require = createRequire(import.meta.url)
let unicodeBytes: Uint8Array | undefined
let unicodeFont: { hasGlyphForCodePoint: (cp: number) => boolean } | undefined

/** DejaVu Serif (Bitstream Vera / DejaVu license), from dejavu-fonts-ttf; read once per process. */
export function unicodeSerif(): { bytes: Uint8Array; font: { hasGlyphForCodePoint: (cp: number) => boolean } } {
  if (!unicodeBytes) {
    unicodeBytes = readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSerif.ttf'))
    unicodeFont = (
      fontkit as unknown as { create: (b: Uint8Array) => { hasGlyphForCodePoint: (cp: number) => boolean } }
    ).create(unicodeBytes)
  }
  return { bytes: unicodeBytes, font: unicodeFont! }
}

// Windows-1252 beyond Latin-1: the characters pdf-lib's standard fonts can encode in 0x80-0x9F.
const CP1252_EXTRA = new Set([...'€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ'].map((c) => c.codePointAt(0)!))

/** True when a standard PDF font (WinAnsiEncoding) can draw every character. */
export function isWinAnsi(text: string): boolean {
  for (const ch of text) {
    const cp = ch.codePointAt(0)!
    if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || CP1252_EXTRA.has(cp)) continue
    return false
  }
  return true
}

/**
 * Fails with the character and where it appears when the shipped Unicode font
 * cannot draw it: a name must never come out blank or as boxes.
 */
export function assertDrawable(text: string, where: string): void {
  if (isWinAnsi(text)) return
  const { font } = unicodeSerif()
  for (const ch of text) {
    const cp = ch.codePointAt(0)!
    if (cp < 0x20)
      throw new ClearfileError(
        'CLEARFILE_ERR_VALIDATION',
        `${where}: control character U+${cp.toString(16).toUpperCase().padStart(4, '0')} cannot be printed`
      )
    if (!isWinAnsi(ch) && !font.hasGlyphForCodePoint(cp)) {
      throw new ClearfileError(
        'CLEARFILE_ERR_VALIDATION',
        `${where}: the character ${JSON.stringify(ch)} (U+${cp.toString(16).toUpperCase().padStart(4, '0')}) cannot be drawn by the court-paper fonts`
      )
    }
  }
}

/**
 * pdf-lib parses the font file again for every document that embeds it; the
 * parse is most of the cost of a Unicode name. This fontkit hands back the one
 * parsed DejaVu Serif (each document still gets its own subset).
 */
const parsedOnceFontkit = {
  create(data: Uint8Array, postscriptName?: string) {
    const shipped = unicodeSerif()
    if (data === shipped.bytes) return shipped.font
    return (fontkit as unknown as { create: (d: Uint8Array, n?: string) => unknown }).create(data, postscriptName)
  }
}

export interface PaperFonts {
  regular: PDFFont
  bold: PDFFont
  /** The font that can draw this text: Times when it can, else DejaVu Serif (embedded on first use). */
  forText: (text: string, bold?: boolean) => Promise<PDFFont>
}

export async function paperFonts(doc: PDFDocument): Promise<PaperFonts> {
  const regular = await doc.embedFont(StandardFonts.TimesRoman)
  const bold = await doc.embedFont(StandardFonts.TimesRomanBold)
  let unicode: PDFFont | undefined
  return {
    regular,
    bold,
    async forText(text, isBold = false) {
      if (isWinAnsi(text)) return isBold ? bold : regular
      if (!unicode) {
        doc.registerFontkit(parsedOnceFontkit as never)
        // A fixed name (no random subset tag) keeps the same inputs giving the same bytes.
        unicode = await doc.embedFont(unicodeSerif().bytes, { subset: true, customName: 'CLRFIL+DejaVuSerif' })
      }
      return unicode
    }
  }
}
