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

t.test(
  "a grade DOJ left blank is read from the offense's type of charge (F, M or I), and is unknown without one",
  async (t) => {
    const grade = (extra: Record<string, string>) =>
      subject([courtRow('001001000000', '11359 HS-POSSESS FOR SALE', { CONV_STAT_DESCR: '', ...extra })]).record
        .convictions[0]!.severity
    t.equal(grade({ OFFENSE_TOC: 'M' }), 'M')
    t.equal(grade({ OFFENSE_TOC: ' i ' }), 'I', 'trimmed, any case')
    t.equal(grade({ OFFENSE_TOC: 'X' }), null, 'a code that is no grade')
    t.equal(grade({}), null, 'no code at all')
    t.equal(grade({ CONV_STAT_DESCR: 'misdemeanor', OFFENSE_TOC: 'F' }), 'M', 'the conviction status first')
  }
)

t.test(
  'an offense column that names no code section gives way to a comment that does; without one the count is refused, flagged when it may concern cannabis',
  async (t) => {
    const [amended] = subject([
      courtRow('001001000000', 'POSSESS MARIJUANA FOR SALE', { COMMENT_TEXT: 'AMENDED TO 11357(A) HS' })
    ]).record.convictions
    t.match(amended, {
      section: { code: 'HS', section: '11357', subsections: ['a'] },
      sectionText: 'AMENDED TO 11357(A) HS',
      offenseSource: 'COMMENT_TEXT'
    })
    const [unread] = subject([courtRow('001001000000', 'POSSESS MARIJUANA FOR SALE')]).record.convictions
    t.match(unread, { section: null, sectionText: 'POSSESS MARIJUANA FOR SALE', mayConcernCannabis: true })
    t.ok(unread!.sectionRefused, `refused: ${unread!.sectionRefused}`)
    const [other] = subject([courtRow('001001000000', 'DRIVING WITHOUT A LICENSE')]).record.convictions
    t.equal(other!.section, null)
    t.notOk(other!.mayConcernCannabis, 'nothing cannabis in it: not flagged')
  }
)

t.test(
  "rows of one count that disagree on its grade, date or offense leave each unknown, with a warning naming both lines, whatever the rows' order",
  async (t) => {
    const rows = [
      courtRow('001001000000', '11359 HS-POSSESS FOR SALE'),
      courtRow('001001000000', '11360 HS-TRANSPORT', { CONV_STAT_DESCR: 'MISDEMEANOR', STP_EVENT_DATE: '20100601' })
    ]
    for (const [order, csv] of [
      ['as written', rows],
      ['reversed', [...rows].reverse()]
    ] as const) {
      const person = subject([...csv])
      t.equal(person.record.convictions.length, 1, `${order}: one count`)
      t.match(person.record.convictions[0], {
        section: null,
        severity: null,
        date: null,
        mayConcernCannabis: true,
        lines: [2, 3]
      })
      t.match(
        person.record.convictions[0]!.sectionRefused,
        /^rows of the count name HS (11359 and HS 11360|11360 and HS 11359)$/
      )
      t.same(
        person.problems.map((p) => [p.line, p.severity, p.reason.replace(/ \(.*?\)/g, '')]),
        [
          [3, 'warning', 'rows of count 001001000000 disagree on the grade; treated as unknown'],
          [3, 'warning', 'rows of count 001001000000 disagree on the conviction date; treated as unknown'],
          [3, 'warning', 'rows of count 001001000000 disagree on the offense; treated as unknown']
        ],
        `${order}: a warning for each, on the second row's line`
      )
      t.ok(
        person.problems.every((p) => p.reason.includes('(line 2 and line 3)')),
        'each warning names both lines'
      )
    }
    // Rows that agree (a sentence row repeating its count) change nothing and warn of nothing.
    const agreeing = subject([rows[0]!, rows[0]!])
    t.match(agreeing.record.convictions[0], { section: { section: '11359' }, severity: 'F', date: '2010-05-01' })
    t.same(agreeing.problems, [])
  }
)
