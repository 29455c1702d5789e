import fc from 'fast-check'
import t from 'tap'
import {
  buildSubject,
  countyOf,
  FIELD,
  LOCATED_SPAN,
  locateReviewFields,
  reviewFieldsAt,
  splitReviewRecord,
  upperTrimmed
} from '../../src/ingest/doj-file.js'
import { courtRow } from '../doj-rows.js'

/*
 * One person's rows as DOJ writes them, built into a record (src/ingest/doj-file.ts): a date of birth that is no date
 * or not yet possible is dropped with a warning naming its line, and a count's offense is read from the comment when
 * no offense column has it.
 */
const subject = (csv: string[], asOf = '2026-12-01') =>
  buildSubject(
    csv.map((line, i) => ({ line: i + 2, fields: splitReviewRecord(line).fields })),
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

t.test('a record read in its bytes gives the fields the text split gives, quotes and all', (t) => {
  // Records made of commas, quotes (doubled, unclosed, in mid-field) and text: whatever a file holds, both agree.
  const piece = fc.constantFrom(',', '"', '""', 'A', 'GARCIA', ' 11359 HS', '')
  let records = 0
  let quotedReadFields = 0
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 300 }), fc.nat(20), (pieces, offset) => {
      const record = pieces.join('')
      // The record lies inside a larger text, as a row inside a block of the file; the bytes after it hold a quote.
      const text = `${'x'.repeat(offset)}${record}\n,"`
      const bytes = Buffer.from(text, 'latin1')
      const end = offset + record.length
      const located = new Int32Array(2 * LOCATED_SPAN).fill(7)
      locateReviewFields(bytes, offset, end, located, LOCATED_SPAN)
      const expected = splitReviewRecord(record)
      t.equal(located[LOCATED_SPAN], expected.count, `${JSON.stringify(record)}: field count`)
      t.same(reviewFieldsAt(bytes, located, LOCATED_SPAN, text, 0), expected.fields, JSON.stringify(record))
      // With only part of the bytes decoded (from `base` on), as a review decodes a run of records at a time.
      const base = Math.max(0, offset - 3)
      t.same(
        reviewFieldsAt(bytes, located, LOCATED_SPAN, text.slice(base), base),
        expected.fields,
        `${JSON.stringify(record)} from ${base}`
      )
      t.same([...located.subarray(0, LOCATED_SPAN)], new Array(LOCATED_SPAN).fill(7), 'the record before is untouched')
      records++
      if (expected.fields.some((f, i) => f !== undefined && bytes[located[LOCATED_SPAN + 1 + 2 * i]!] === 34))
        quotedReadFields++
    }),
    { numRuns: 500 }
  )
  t.equal(records, 500)
  t.ok(quotedReadFields > 50, `records with a quoted field the review reads: ${quotedReadFields}`)
  t.end()
})

t.test('a column read as upper case, trimmed (and a county with single spaces), whatever the text', async (t) => {
  // DOJ's own spelling takes the fast path; anything else (lower case, tabs, a trailing \r, double spaces, NBSP,
  // Ñ) must come out as the plain string operations would make it.
  const char = fc.constantFrom('A', 'Z', 'a', 'ñ', 'Ñ', ' ', '  ', '\t', '\r', '\n', '\u00a0', '\u2003', '-', '1')
  let checked = 0
  fc.assert(
    fc.property(fc.array(char, { maxLength: 12 }), (chars) => {
      const text = chars.join('')
      const row = new Array<string>(FIELD.COMMENT_TEXT + 1)
      row[FIELD.STP_ORI_CNTY_NAME] = text
      checked++
      return (
        upperTrimmed(text) === text.trim().toUpperCase() &&
        countyOf(row) === (text.trim().replace(/\s+/g, ' ').toUpperCase() || null)
      )
    }),
    { numRuns: 2000 }
  )
  t.equal(checked, 2000)
  t.equal(upperTrimmed('DECEASED\r'), 'DECEASED', 'a trailing carriage return is trimmed')
  t.equal(
    countyOf(Object.assign(new Array<string>(30), { [FIELD.STP_ORI_CNTY_NAME]: 'SAN  FRANCISCO' })),
    'SAN FRANCISCO'
  )
})
