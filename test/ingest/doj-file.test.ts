import fc from 'fast-check'
import t from 'tap'
import { buildSubject, REVIEW_COLUMNS, splitCsvBytes, splitCsvRecord } from '../../src/ingest/doj-file.js'
import { courtRow } from '../doj-rows.js'

/*
 * One person's rows as DOJ writes them, built into a record (src/ingest/doj-file.ts): a date of birth that is no date
 * or not yet possible is dropped with a warning naming its line, and a count's offense is read from the comment when
 * no offense column has it.
 */
const subject = (csv: string[], asOf = '2026-12-01') =>
  buildSubject(
    csv.map((line, i) => ({ line: i + 2, fields: splitCsvRecord(line) })),
    { asOf }
  )

t.test(
  'a date of birth that is no date, or after the as-of date, is unknown, with a warning on its line',
  async (t) => {
    for (const [dob, reason] of [
      ['1970-02-3X', 'PRI_DOB "1970-02-3X" is not a YYYYMMDD date; date of birth treated as unknown'],
      ['20300101', 'PRI_DOB 2030-01-01 is after the as-of date 2026-12-01; date of birth treated as unknown']
    ]) {
      const person = subject([courtRow('001001000000', '11359 HS-POSSESS FOR SALE', { PRI_DOB: dob })])
      t.equal(person.record.dob, null, `${dob}: unknown`)
      t.match(person.problems, [{ line: 2, severity: 'warning', reason }])
    }
    t.equal(subject([courtRow('001001000000', '11359 HS-POSSESS FOR SALE')]).record.dob, '1970-02-03')
  }
)

t.test(
  'a count with no offense column is read from the comment, and refused naming why when the comment has none',
  async (t) => {
    const fromComment = subject([courtRow('001001000000', '', { COMMENT_TEXT: 'PLEA TO 11357(A) HS' })])
    t.match(fromComment.record.convictions, [
      { section: { code: 'HS', section: '11357' }, sectionText: 'PLEA TO 11357(A) HS', offenseSource: 'COMMENT_TEXT' }
    ])
    for (const [comment, why] of [
      ['', 'no offense in any offense column or the comment'],
      ['SEE MINUTE ORDER', 'the comment names no code section']
    ] as const) {
      const refused = subject([courtRow('001001000000', '', { COMMENT_TEXT: comment })])
      t.match(JSON.stringify(refused), why, `comment ${JSON.stringify(comment)}: ${why}`)
    }
  }
)

t.test('a record split in its bytes gives the fields the text split gives, quotes and all', (t) => {
  // Records made of commas, quotes (doubled, unclosed, in mid-field) and text: whatever a file holds, both agree.
  const piece = fc.constantFrom(',', '"', '""', 'A', 'GARCIA', ' 11359 HS', '')
  const everyColumn = new Uint8Array(200).fill(1)
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 300 }), fc.nat(20), (pieces, offset) => {
      const record = pieces.join('')
      // The record lies inside a larger text, as a row inside a block of the file.
      const text = `${'x'.repeat(offset)}${record}\n,"`
      const bytes = Buffer.from(text, 'latin1')
      for (const keep of [REVIEW_COLUMNS, everyColumn]) {
        const end = offset + record.length
        t.same(splitCsvBytes(bytes, offset, end, text, keep), splitCsvRecord(record, keep), JSON.stringify(record))
        // With only part of the bytes decoded (from `base` on), as a review decodes a run of records at a time.
        const base = Math.max(0, offset - 3)
        t.same(
          splitCsvBytes(bytes, offset, end, text.slice(base), keep, base),
          splitCsvRecord(record, keep),
          `${JSON.stringify(record)} from ${base}`
        )
      }
    }),
    { numRuns: 500 }
  )
  t.end()
})
