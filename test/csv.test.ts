import { parse } from 'csv-parse/sync'
import t from 'tap'
import { csvCell, csvLine, neutralised, toCsv } from '../src/csv.js'
import { csvField, csvLine as reviewCsvLine } from '../src/ingest/doj-review-batch.js'

/** The formula-looking values of the issue: each would run, or link, when the CSV is opened in a spreadsheet. */
const FORMULAS = [
  '=HYPERLINK("http://x","click")',
  "=cmd|' /C calc'!A0",
  '@SUM(A1:A2)',
  '+1+1',
  '-2+3',
  '\t=1+1',
  '\r=1+1'
]

t.test('every formula-looking value goes out behind a single quote from toCsv', async (t) => {
  const csv = toCsv([['value'], ...FORMULAS.map((f) => [f])])
  const back = parse(csv) as string[][]
  t.same(
    back.slice(1).map((r) => r[0]),
    FORMULAS.map((f) => `'${f}`)
  )
  for (const f of FORMULAS) {
    t.equal(csvCell(f), `'${f}`, JSON.stringify(f))
    t.equal(parse(csvLine(['a', f]))[0]![1], `'${f}`)
  }
})

t.test("every formula-looking value goes out behind a single quote from the DOJ review's csvField", async (t) => {
  for (const f of FORMULAS) {
    const field = csvField(f)
    t.equal((parse(`${field}\n`) as string[][])[0]![0], `'${f}`, JSON.stringify(f))
  }
  t.same(parse(reviewCsvLine(['SUBJ1', '=HYPERLINK("http://x","click")', -2, 'CLEAN'])), [
    ['SUBJ1', `'=HYPERLINK("http://x","click")`, '-2', 'CLEAN']
  ])
})

t.test('a negative number stays a number; null and undefined are empty; other text is left alone', async (t) => {
  t.equal(csvCell(-2), '-2')
  t.equal(csvCell(-0.5), '-0.5')
  t.equal(csvField(-2), '-2')
  t.equal(toCsv([[-2, 3, null, undefined, '']]), '-2,3,,,\n')
  t.equal(csvField(null), '')
  t.equal(csvField(undefined), '')
  t.equal(csvCell(new Date('2026-11-20T00:00:00Z')), '2026-11-20T00:00:00.000Z')
  for (const plain of ['GARCIA, MARIA', '2026-11-20', 'SCN-100002', ' =not first', 'a=b', "'=already"])
    t.equal(csvCell(plain), plain, JSON.stringify(plain))
  const text = 'GARCIA, MARIA'
  t.equal(neutralised(text), text)
  t.equal(neutralised(''), '')
})

t.test('quotes, commas and line breaks round-trip through csv-parse', async (t) => {
  const rows = [
    ['plain', 'with, comma', 'say "hi"', 'line\nbreak', 'windows\r\nbreak', 'bare\rreturn', ''],
    ['"', ',', '\n', ' spaced ', 'ünïcødé', '""', 'x']
  ]
  const csv = toCsv(rows)
  t.ok(csv.endsWith('\n'))
  t.same(parse(csv), rows)
  t.same(parse(rows.map((r) => reviewCsvLine(r)).join('')), rows, "the DOJ review's writer quotes the same way")
})
