import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import {
  renderBulkMotion, renderMotion, renderProposedOrder, renderSchedule, type BulkInput, type RenderedDocument
} from '../../src/documents/court-papers.js'
import { LINES_PER_PAGE } from '../../src/documents/pleading-paper.js'
import { packet, SALE_CASE, SF_PROFILE } from './fixtures.js'

const dir = mkdtempSync(join(tmpdir(), 'clearfile-papers-'))
let n = 0

/** The PDF's text, page by page, as poppler's pdftotext reads it (layout kept). */
function pagesOf (doc: RenderedDocument): string[] {
  const file = join(dir, `doc${++n}.pdf`)
  writeFileSync(file, doc.bytes)
  return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }).split('\f').filter((p) => p.trim() !== '')
}

/** The words of the pages with the pleading line numbers taken out, on one line. */
const bodyText = (pages: string[]) => pages.map((p) => p.split('\n').map((l) => l.replace(/^\s{0,3}\d{1,2}(?=\s|$)/, '')).join(' ')).join(' ').replace(/\s+/g, ' ')

/** The right-hand column of the caption: what stands after the ")" divider, line by line. */
const captionRight = (page: string) => page.split('\n').filter((l) => /\s\)(\s|$)/.test(l)).map((l) => l.slice(l.search(/\s\)(\s|$)/) + 2).trim()).filter((x) => x !== '').join(' ')

const lineNumbers = (page: string) => page.split('\n').map((l) => /^\s{0,3}(\d{1,2})(?:\s|$)/.exec(l)?.[1]).filter((x): x is string => x !== undefined).map(Number)

t.test('every page of a motion has the 28 line numbers and the footer title under the page number', async (t) => {
  const motion = await renderMotion(packet())
  const pages = pagesOf(motion)
  t.equal(pages.length, motion.pages)
  t.ok(motion.pages >= 2)
  for (const [i, page] of pages.entries()) {
    t.same(lineNumbers(page).filter((x) => x <= LINES_PER_PAGE).slice(0, 28), Array.from({ length: 28 }, (_, k) => k + 1), `page ${i + 1} numbers 1-28`)
    t.match(page, /PEOPLE'S MOTION — H&S § 11361\.8/, `page ${i + 1} footer`)
    t.match(page, new RegExp(`\\n\\s+${i + 1}\\s*\\n\\s+PEOPLE'S MOTION`), `page ${i + 1} number above the footer`)
  }
})

t.test('the first page carries counsel, the court, the caption, the case number and the nature of the paper', async (t) => {
  const [first] = pagesOf(await renderMotion(packet('GARCIA, MARIA', ['LOPEZ, MARIA'])))
  const words = bodyText([first!])
  for (const text of ['ALEX EXAMPLE (SBN 123456)', 'JORDAN SAMPLE (SBN 654321)', 'Attorneys for Plaintiff,', 'SUPERIOR COURT OF THE STATE OF CALIFORNIA',
    'CITY AND COUNTY OF SAN FRANCISCO', 'Plaintiff,', 'GARCIA, MARIA,', 'aka LOPEZ, MARIA,', 'Defendant.', 'Case No. SCN123456']) {
    t.ok(words.includes(text), text)
  }
  t.ok(words.includes('THE PEOPLE OF THE STATE OF') && words.includes('CALIFORNIA,'), 'the People as plaintiff')
  t.match(captionRight(first!), /^Case No\. SCN123456 PEOPLE'S MOTION TO REDESIGNATE OR DISMISS AND SEAL \(Health & Saf\. Code, § 11361\.8\)$/)
  const counsel = first!.split('\n').findIndex((l) => l.includes('ALEX EXAMPLE'))
  const court = first!.split('\n').findIndex((l) => l.includes('SUPERIOR COURT OF THE STATE'))
  t.ok(counsel < court, 'counsel above the court')
  t.match(first!.split('\n')[court], /^\s*8\s/, 'the court’s title on line 8')
})

t.test('the motion states each eligible count with its relief and citations, and leaves out the rest', async (t) => {
  const text = bodyText(pagesOf(await renderMotion(packet())))
  t.match(text, /HS 11359 \(felony\), convicted 2010-05-01\. The People ask the Court to redesignate the conviction as a misdemeanor/)
  t.match(text, /HS 11357\(b\) \(misdemeanor\), convicted 2010-05-01\. The People ask the Court to dismiss and seal the conviction as legally invalid/)
  t.match(text, /Authority: HS 11361\.8; HS 11359\(a\)-\(b\)/)
  t.notMatch(text, /PC 459/, 'a count that is not eligible is not on the motion')
  t.match(text, /finds that the defendant is eligible/)
})

t.test('a still-running sentence asks to recall and resentence under 11361.8(a)-(b)', async (t) => {
  const input = packet()
  input.cases = [{ ...SALE_CASE, counts: [{ ...SALE_CASE.counts[0]!, remedy: 'resentencing' }] }]
  const pages = pagesOf(await renderMotion(input))
  const text = bodyText(pages)
  t.match(captionRight(pages[0]!), /MOTION TO RECALL AND RESENTENCE \(Health/)
  t.match(text, /recall the sentence and resentence the conviction as a misdemeanor \(Health & Saf\. Code, § 11361\.8, subds\. \(a\), \(b\)\)/)
})

t.test('the proposed order grants count by count, seals dismissals, ends HS 11590 registration and has the judge’s lines', async (t) => {
  const order = await renderProposedOrder(packet())
  const pages = pagesOf(order)
  const text = bodyText(pages)
  t.match(captionRight(pages[0]!), /\[PROPOSED\] ORDER GRANTING PEOPLE'S MOTION TO REDESIGNATE OR DISMISS AND SEAL/)
  t.match(text, /HS 11359 \(felony\), convicted 2010-05-01, is REDESIGNATED a misdemeanor for all purposes/)
  t.match(text, /HS 11357\(b\) \(misdemeanor\), convicted 2010-05-01, is DISMISSED and SEALED/)
  t.match(text, /shall be sealed\. \(Health & Saf\. Code, § 11361\.8, subd\. \(f\)\.\)/)
  t.match(text, /section 11590/)
  t.match(text, /Judge of the Superior Court/)
  for (const page of pages) t.match(page, /\[PROPOSED\] ORDER — H&S § 11361\.8/)
})

t.test('names in any script the court sees are drawn and extractable as text', async (t) => {
  const names = ['Nguyễn Văn Thành', 'José Núñez', "Zoë O'Brien-Łukasiewicz"]
  const text = pagesOf(await renderMotion(packet(names[0], names.slice(1)))).join('\n')
  for (const name of names) t.ok(text.includes(name.toUpperCase()), name)
  t.ok(text.includes('defendant Nguyễn Văn Thành'), 'in the body too')
})

t.test('a name the fonts cannot draw is an error naming the character, never a blank', async (t) => {
  await t.rejects(renderMotion(packet('王小明')), { code: 'CLEARFILE_ERR_VALIDATION', message: /motion: name: the character "王" \(U\+738B\) cannot be drawn/ })
})

t.test('the same inputs give byte-identical documents, so the SHA-256 names a document', async (t) => {
  const a = await renderMotion(packet('Nguyễn Văn Thành'))
  const b = await renderMotion(packet('Nguyễn Văn Thành'))
  t.equal(Buffer.compare(Buffer.from(a.bytes), Buffer.from(b.bytes)), 0)
  t.equal(a.sha256, b.sha256)
  const other = await renderMotion({ ...packet('Nguyễn Văn Thành'), date: '2026-11-29' })
  t.not(other.sha256, a.sha256, 'the run date is part of the document')
})

t.test('a bulk motion points to Schedule A, and a 1,200-person schedule paginates with its header on every page', async (t) => {
  const entries = Array.from({ length: 1200 }, (_, i) => ({
    person: { name: `PERSON, NUMBER ${i + 1}`, aliases: [], dob: '1970-01-01' },
    case: { ...SALE_CASE, caseNumber: `SCN${String(100000 + i)}`, counts: [SALE_CASE.counts[0]!] }
  }))
  const input: BulkInput = { profile: SF_PROFILE, court: 'Superior Court of California, County of San Francisco', entries, date: '2026-11-28' }
  const motion = bodyText(pagesOf(await renderBulkMotion(input)))
  t.match(motion, /THE PERSONS LISTED IN SCHEDULE A/)
  t.match(motion, /on 1200 counts of conviction of 1200 people/)

  const schedule = await renderSchedule(input)
  const pages = pagesOf(schedule)
  t.equal(pages.length, schedule.pages)
  const rows = pages.map((p) => (p.match(/SCN1\d{5}/g) ?? []).length)
  t.equal(rows.reduce((a, b) => a + b, 0), 1200, 'every person is listed once')
  for (const [i, page] of pages.entries()) {
    t.match(page, /Name\s+DOB\s+Case No\.\s+Counts\s+Relief/, `page ${i + 1} header`)
    t.ok(rows[i]! <= LINES_PER_PAGE - 1, `page ${i + 1} holds at most 27 rows`)
  }
  // After the first page, each page is a header line and 27 one-line rows.
  t.equal(schedule.pages, 1 + Math.ceil((1200 - rows[0]!) / (LINES_PER_PAGE - 1)))
  t.match(pages[0], /PERSON, NUMBER 1\s+1970-01-01\s+SCN100000\s+HS 11359\s+Misdemeanor/)
})
