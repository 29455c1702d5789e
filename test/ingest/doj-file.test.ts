import t from 'tap'
import { buildSubject, splitCsvRecord } from '../../src/ingest/doj-file.js'
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
