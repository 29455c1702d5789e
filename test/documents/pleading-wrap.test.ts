import t from 'tap'
import { PleadingWriter, textWidth } from '../../src/documents/pleading-paper.js'

const writer = await PleadingWriter.create({ title: 'wrap', footer: 'wrap', date: new Date('2026-11-29T12:00:00Z') })
const { regular, bold } = writer.fonts

t.test('a section sign stays with the number it cites', async (t) => {
  const text = 'under Health and Safety Code, § 11361.8, and §§ 11361.8, 11361.9 of the code'
  const broken: string[] = []
  for (let width = 60; width <= 400; width += 2) {
    const lines = writer.wrap(text, regular, width)
    if (lines.some((l) => /§$/.test(l) || l.startsWith('11361.8'))) broken.push(`${width} pt: ${JSON.stringify(lines)}`)
  }
  t.same(broken, [], 'at every width from 60 to 400 pt')
})

t.test('a title breaks between its phrases, each citation whole, when they fit', async (t) => {
  const title =
    "PEOPLE'S MOTION TO REDESIGNATE OR DISMISS AND SEAL (Health & Saf. Code, § 11361.8); IN FURTHERANCE OF JUSTICE (Pen. Code, § 1385)"
  t.same(writer.wrap(title, bold, 234, 0, { keepPhrases: true }), [
    "PEOPLE'S MOTION TO REDESIGNATE",
    'OR DISMISS AND SEAL',
    '(Health & Saf. Code, § 11361.8);',
    'IN FURTHERANCE OF JUSTICE',
    '(Pen. Code, § 1385)'
  ])
  // Wide enough, phrases share a line.
  t.same(writer.wrap('A MOTION (Pen. Code, § 1385)', bold, 400, 0, { keepPhrases: true }), [
    'A MOTION (Pen. Code, § 1385)'
  ])
  // Without keepPhrases a body paragraph fills its lines as before.
  t.same(writer.wrap('A MOTION (Health & Saf. Code, § 11361.8)', regular, 120), [
    'A MOTION (Health &',
    'Saf. Code, § 11361.8)'
  ])
})

t.test('a phrase wider than a line goes word by word, and nothing is lost', async (t) => {
  const citation = '(Health & Saf. Code, § 11361.8, subds. (a), (b), (e), (f))'
  for (const width of [40, 80, 120, 160]) {
    const lines = writer.wrap(`TO DISMISS ${citation}`, bold, width, 0, { keepPhrases: true })
    t.equal(lines.join(' ').replace(/\s+/g, ''), `TO DISMISS ${citation}`.replace(/\s+/g, ''), `${width} pt`)
    t.ok(
      lines.every((l) => textWidth(bold, l) <= width),
      `every line fits ${width} pt`
    )
  }
  t.same(writer.wrap('(SBN 000001)', regular, 200, 0, { keepPhrases: true }), ['(SBN 000001)'])
  t.same(writer.wrap('DEMO DISTRICT ATTORNEY (SBN 000001)', regular, 220, 0, { keepPhrases: true }), [
    'DEMO DISTRICT ATTORNEY',
    '(SBN 000001)'
  ])
})
