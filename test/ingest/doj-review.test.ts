import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { generateDojFile, generateDojRows, HEADER } from '../../src/ingest/generate-doj.js'
import { DEFAULT_POLICY } from '../../src/eligibility/policies.js'
import { type COL, splitCsvRecord } from '../../src/ingest/doj-file.js'
import { courtRow, dojRow } from '../doj-rows.js'
import { type DojReviewOptions, ReviewOutputError, reviewDojFile } from '../../src/ingest/doj-review.js'
import { readRecords } from '../../src/ingest/doj-records.js'
import { seededRandom } from '../../src/seeded-random.js'

const dir = () => mkdtempSync(join(tmpdir(), 'clearfile-review-'))
const AS_OF = '2026-11-28'
/** A San Francisco review of `file` into `outDir` under the default policy, as of AS_OF. */
const reviewOptions = (file: string, outDir: string, extra: Partial<DojReviewOptions> = {}): DojReviewOptions => ({
  file,
  county: 'SAN FRANCISCO',
  asOf: AS_OF,
  policy: DEFAULT_POLICY,
  outDir,
  ...extra
})

const row = dojRow
const court = courtRow

async function review(lines: string[], extra: { county?: string; workers?: number } = {}) {
  const d = dir()
  const file = join(d, 'doj.csv')
  writeFileSync(file, `${lines.join('\n')}\n`)
  const out = join(d, 'out')
  const result = await reviewDojFile(
    reviewOptions(file, out, { county: extra.county ?? 'SAN FRANCISCO', workers: extra.workers ?? 0 })
  )
  const csv = (name: string) =>
    readFileSync(join(out, name), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => splitCsvRecord(l))
  return {
    result,
    raw: readFileSync(join(out, 'determinations.csv'), 'utf8'),
    determinations: csv('determinations.csv'),
    errors: csv('errors.csv'),
    summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))
  }
}

t.test(
  'a Prop 64 conviction becomes one determinations.csv row with subject_id and count_order as in the input',
  async (t) => {
    const { result, determinations } = await review([court('001002001000', '11359 HS-POSSESS MARIJUANA FOR SALE')])
    t.ok(result.ok)
    const [header, first] = determinations
    const get = (name: string) => first![header!.indexOf(name)]
    for (const col of [
      'subject_id',
      'count_order',
      'case_number',
      'name',
      'code_section',
      'severity',
      'conviction_date',
      'county',
      'determination',
      'remedy',
      'reason',
      'citations'
    ]) {
      t.ok(header!.includes(col), col)
    }
    t.equal(get('subject_id'), '1')
    t.equal(get('count_order'), '001002001000')
    t.equal(get('case_number'), 'SCN1')
    t.equal(get('name'), 'GARCIA,MARIA')
    t.equal(get('code_section'), 'HS 11359')
    t.equal(get('determination'), 'reduce_to_misdemeanor')
    t.equal(get('remedy'), 'redesignation_or_dismissal')
    t.match(get('citations'), /HS 11359\(a\)-\(b\)/)
    t.match(get('reason'), /HS 11359 felony/)
  }
)

t.test(
  'a header line is skipped, and a malformed row is reported with its line number while the rest are used',
  async (t) => {
    const good = court('001002001000', '11359 HS-POSSESS MARIJUANA FOR SALE')
    const short = good.slice(0, good.lastIndexOf(','))
    const badDate = court('002002001000', '11358 HS-CULTIVATE', { STP_EVENT_DATE: '2010133' })
    const shortCount = court('12', '11357 HS')
    const { result, determinations, errors, summary } = await review([
      HEADER.join(','),
      short,
      good,
      badDate,
      shortCount
    ])
    t.ok(result.ok)
    const h = determinations[0]!
    t.same(
      determinations.slice(1).map((r) => [r[h.indexOf('count_order')], r[h.indexOf('determination')]]),
      [
        ['001002001000', 'reduce_to_misdemeanor'],
        ['002002001000', 'needs_review']
      ],
      'the good row counts, and a Prop 64 count with a broken date goes to review, not away'
    )
    t.match(determinations[2]![h.indexOf('reason')], /conviction date/)
    t.same(
      errors.slice(1).map((e) => [e[0], e[2], e[3]]),
      [
        ['2', 'error', 'expected 95 fields, found 94'],
        ['4', 'warning', 'STP_EVENT_DATE "2010133" is not a YYYYMMDD date; treated as unknown'],
        [
          '5',
          'error',
          'CNT_ORDER "12" is not at least 6 digits (cycle and step), so the row cannot be placed in a case'
        ]
      ]
    )
    t.equal(summary.rowsRead, 4)
    t.equal(summary.rowsRejected, 2)
    t.same(summary.ledger, {
      rowsRead: 4,
      decided: 2,
      notAConviction: 0,
      outsideCounty: 0,
      notProp64: 0,
      unreadable: 2,
      balanced: true,
      determinations: 2
    })
  }
)

t.test('an empty file is reported, not crashed on', async (t) => {
  const d = dir()
  writeFileSync(join(d, 'empty.csv'), '')
  const result = await reviewDojFile(reviewOptions(join(d, 'empty.csv'), join(d, 'out'), { workers: 0 }))
  t.equal(result.ok, false)
  t.match(result.reason, /empty/)
  t.equal(result.summary.rowsRead, 0)
})

t.test('a file that is not CSV gives a one-line reason, with every row in errors.csv', async (t) => {
  const { result, errors } = await review(['%PDF-1.7', 'binary \u0001\u0002 stream', 'endobj'])
  t.equal(result.ok, false)
  t.match(result.reason, /no row could be read as a 95-column DOJ row/)
  t.equal(errors.length - 1, 3)
})

t.test('quoted fields may hold commas, quotes and line breaks', async (t) => {
  const c = court('001002001000', '11357(B) HS-POSSESS', {
    PRI_NAME: 'O"BRIEN,ZOE\nJR',
    COMMENT_TEXT: 'NOTE, WITH "QUOTES"'
  })
  const { errors, raw, summary } = await review([c])
  t.equal(errors.length, 1, 'no errors')
  t.equal(summary.prop64ConvictionsInCounty, 1)
  t.ok(raw.includes(',"O""BRIEN,ZOE\nJR",'), 'the name comes out quoted exactly as it went in')
})

t.test('SEE COMMENT FOR CHARGE reads the charge from COMMENT_TEXT', async (t) => {
  const { determinations } = await review([
    court('001002001000', 'SEE COMMENT FOR CHARGE', { COMMENT_TEXT: 'CHRG 11360(B) HS GIVE AWAY' })
  ])
  t.equal(determinations[1]![determinations[0]!.indexOf('code_section')], 'HS 11360(b)')
})

t.test('the offense of conviction is read from CONV_OFFENSE_DESCR when the arrest offense differs', async (t) => {
  const { determinations } = await review([
    court('001002001000', '11359 HS-POSSESS FOR SALE', {
      CONV_OFFENSE_DESCR: '11357(B) HS-POSSESS 28.5 G OR LESS',
      CONV_STAT_DESCR: 'MISDEMEANOR'
    })
  ])
  const h = determinations[0]!
  t.equal(determinations[1]![h.indexOf('code_section')], 'HS 11357(b)')
  t.equal(determinations[1]![h.indexOf('determination')], 'dismiss_and_seal')
})

t.test('sentence parts on several rows of one count add to that count, not the last one read', async (t) => {
  const rows = [
    court('001002001000', '11359 HS-POSSESS FOR SALE', {
      SENT_LOC_DESCR: 'JAIL',
      SENT_LENGTH: '1',
      SENT_TIME_CODE: 'Y'
    }),
    court('001002002000', '11358 HS-CULTIVATE', { SENT_LOC_DESCR: 'JAIL', SENT_LENGTH: '10', SENT_TIME_CODE: 'D' }),
    court('001002001000', '11359 HS-POSSESS FOR SALE', {
      SENT_LOC_DESCR: 'PROBATION',
      SENT_LENGTH: '20',
      SENT_TIME_CODE: 'Y'
    })
  ]
  const { determinations } = await review(rows)
  const h = determinations[0]!
  const remedies = Object.fromEntries(
    determinations.slice(1).map((r) => [r[h.indexOf('code_section')], r[h.indexOf('remedy')]])
  )
  t.same(
    remedies,
    { 'HS 11359': 'resentencing', 'HS 11358': 'redesignation_or_dismissal' },
    '2010 + 1 y + 20 y runs past 2026'
  )
})

t.test(
  'a super strike in another county before the conviction disqualifies; deceased and registration steps are read',
  async (t) => {
    const rows = [
      court('001002001000', '187 PC-MURDER', { STP_EVENT_DATE: '20000101', STP_ORI_CNTY_NAME: 'LOS ANGELES' }),
      court('002002001000', '11359 HS-POSSESS FOR SALE'),
      row({ STP_TYPE_DESCR: 'DECEASED', CNT_ORDER: '003001001000', STP_EVENT_DATE: '20200101' })
    ]
    const { determinations } = await review(rows)
    const h = determinations[0]!
    t.equal(determinations.length - 1, 1, 'only the county’s Prop 64 conviction is decided')
    t.equal(determinations[1]![h.indexOf('determination')], 'not_eligible')
    t.match(determinations[1]![h.indexOf('super_strike')], /present: PC 187 on 2000-01-01/)
  }
)

/** The lines with the first person's last row moved to the end of the file. */
function firstPersonsLastRowAtTheEnd(lines: string[]): string[] {
  const firstId = splitCsvRecord(lines[0]!)[2]
  const lastOfFirst = lines.findLastIndex((l) => splitCsvRecord(l)[2] === firstId)
  return [...lines.slice(0, lastOfFirst), ...lines.slice(lastOfFirst + 1), lines[lastOfFirst]!]
}

/** Determination rows without their line numbers, sorted: what must not depend on the order rows were read in. */
const determinationKeys = (rows: string[][]) =>
  rows
    .slice(1)
    .map((r) => r.slice(0, 22).join('|'))
    .sort()

t.test('rows of one person split apart in the file still give the same determinations', async (t) => {
  const lines = [...generateDojRows({ rows: 3000, seed: 3, malformedRate: 0 })].map((l) => l.trimEnd())
  const grouped = await review(lines)
  const regrouped = await review(firstPersonsLastRowAtTheEnd(lines))
  t.equal(grouped.summary.readMode, 'grouped')
  t.equal(regrouped.summary.readMode, 'regrouped')
  t.same(determinationKeys(regrouped.determinations), determinationKeys(grouped.determinations))
})

t.test('worker threads and the calling thread write byte-identical results', async (t) => {
  const d = dir()
  const file = join(d, 'doj.csv')
  await generateDojFile(file, { rows: 20_000, seed: 5, header: true })
  const run = async (workers: number) => {
    const out = join(d, `out${workers}`)
    // Blocks of 256 KiB (about 40), so that the workers hand blocks' buffers back and they are read into again.
    const r = await reviewDojFile(reviewOptions(file, out, { workers, readBytes: 256 * 1024 }))
    return {
      r,
      csv: readFileSync(join(out, 'determinations.csv'), 'utf8'),
      errors: readFileSync(join(out, 'errors.csv'), 'utf8')
    }
  }
  const [single, pooled] = [await run(0), await run(2)]
  t.ok(single.r.summary.prop64ConvictionsInCounty > 100)
  t.equal(pooled.csv, single.csv)
  t.equal(pooled.errors, single.errors)
  t.ok(single.r.summary.rowsRejected > 0, 'the generator plants malformed rows')
})

t.test('a review on the calling thread reads smaller blocks where asked, with the same results', async (t) => {
  const d = dir()
  const file = join(d, 'doj.csv')
  await generateDojFile(file, { rows: 20_000, seed: 6, header: true })
  const run = async (name: string, extra: Partial<DojReviewOptions>) => {
    const out = join(d, name)
    let batches = 0
    let largest = 0
    const r = await reviewDojFile(
      reviewOptions(file, out, {
        ...extra,
        onBatch: async (batch) => {
          batches++
          largest = Math.max(largest, batch.stats.rowsRead)
        }
      })
    )
    return { r, batches, largest, csv: readFileSync(join(out, 'determinations.csv'), 'utf8') }
  }
  const whole = await run('whole', { workers: 0 })
  const small = await run('small', { workers: 0, inlineReadBytes: 64 * 1024 })
  const pooled = await run('pooled', { workers: 1, inlineReadBytes: 64 * 1024 })
  t.ok(whole.r.ok && small.r.ok && pooled.r.ok, 'each review finished')
  t.ok(small.batches >= 4 * whole.batches, `${small.batches} batches of 64 KiB against ${whole.batches} of 2 MiB`)
  t.ok(small.largest < whole.largest / 4, `the largest batch: ${small.largest} rows against ${whole.largest}`)
  t.equal(small.csv, whole.csv, 'the same determinations, byte for byte')
  t.equal(pooled.batches, whole.batches, 'workers read the usual blocks: the size is for the calling thread only')
  t.equal(pooled.csv, whole.csv, 'and the same determinations')
})

/** The determination rows of a review as objects keyed by column. */
const rowsOf = (determinations: string[][]) =>
  determinations.slice(1).map((r) => Object.fromEntries(determinations[0]!.map((h, i) => [h, r[i]!])))

t.test(
  'glued code letters are read: 11359HS is decided, and a prior 187PC or 664/187PC keeps the felony a felony (finding 1)',
  async (t) => {
    for (const spelling of ['11359HS-POSSESS FOR SALE', '11358HS-CULTIVATE', '11357HS-POSSESS', '11360HS-TRANSPORT']) {
      const { determinations, summary } = await review([court('001002001000', spelling)])
      t.equal(rowsOf(determinations).length, 1, `${spelling} is decided`)
      t.equal(summary.ledger.decided, 1)
    }
    for (const prior of ['187PC-MURDER', '664/187PC-ATTEMPTED MURDER']) {
      const { determinations } = await review([
        court('001002001000', prior, { STP_EVENT_DATE: '20000101' }),
        court('002002001000', '11359HS-POSSESS FOR SALE')
      ])
      const [d] = rowsOf(determinations)
      t.equal(d!.determination, 'not_eligible', `a prior ${prior} is seen`)
      t.match(d!.super_strike, /^present: PC (664\/)?187 on 2000-01-01/)
    }
  }
)

t.test(
  'attempts and conspiracies to commit a Prop 64 offense are decided or reviewed, never dropped (finding 2)',
  async (t) => {
    const { determinations, summary } = await review([
      court('001002001000', '664 PC/11359 HS-ATTEMPT POSSESS FOR SALE'),
      court('002002001000', '182/11359 HS-CONSPIRACY'),
      court('003002001000', '182(A)(1) PC-CONSPIRACY', { COMMENT_TEXT: 'CONSP TO SELL 11359 HS' }),
      court('004002001000', '182(A)(1) PC-CONSPIRACY', { COMMENT_TEXT: 'CONSPIRACY TO SELL MARIJUANA' }),
      court('005002001000', '182(A)(1) PC-CONSPIRACY', { COMMENT_TEXT: 'CONSPIRACY TO DEFRAUD' })
    ])
    const rows = rowsOf(determinations)
    t.same(
      rows.map((r) => [r.count_order, r.code_section, r.determination]),
      [
        ['001002001000', 'PC 664/HS 11359', 'reduce_to_misdemeanor'],
        ['002002001000', 'PC 182/HS 11359', 'needs_review'],
        ['003002001000', 'PC 182/HS 11359', 'needs_review'],
        ['004002001000', rows[3]!.code_section, 'needs_review']
      ]
    )
    t.match(rows[1]!.reason, /conspiracy \(PC 182\)/)
    t.match(rows[3]!.reason, /PC 182\(a\)\(1\) names no offense/)
    t.equal(summary.ledger.notProp64, 1, 'a conspiracy to defraud is not a Prop 64 offense')
  }
)

t.test(
  'a subdivision Prop 64 created, on a conviction from before it existed, goes to review with the reason (finding 3)',
  async (t) => {
    for (const s of ['11359(C) HS', '11358(D) HS', '11360(A)(3)(D) HS']) {
      const [d] = rowsOf((await review([court('001002001000', `${s}-SALE`)])).determinations)
      t.equal(d!.determination, 'needs_review', s)
      t.match(d!.missing_facts, /came into being on 2016-11-09 .*the record is inconsistent/, s)
    }
    const [after] = rowsOf(
      (await review([court('001002001000', '11359(C) HS-SALE', { STP_EVENT_DATE: '20180101' })])).determinations
    )
    t.match(after!.aggravating, /^present/, 'after AUMA the subdivision is real and aggravating')
  }
)

t.test('a PC 290 registration is evidence for review, not a 290(c) conviction (finding 4)', async (t) => {
  const [d] = rowsOf(
    (
      await review([
        row({
          STP_TYPE_DESCR: 'REGISTRATION',
          CNT_ORDER: '001003001000',
          STP_EVENT_DATE: '20050101',
          OFFENSE_DESCR: '290 PC-REGISTRATION OF SEX OFFENDER'
        }),
        court('002002001000', '11359 HS-POSSESS FOR SALE')
      ])
    ).determinations
  )
  t.equal(d!.determination, 'needs_review')
  t.match(d!.pc290, /^possible: .*registration alone is not a conviction/)
})

t.test(
  'age is taken at the arrest date: arrested at 20 and convicted at 22 for 11357(b) is reduced to an infraction (finding 5)',
  async (t) => {
    const [d] = rowsOf(
      (
        await review([
          court('001002001000', '11357(B) HS-POSSESS', {
            PRI_DOB: '19900101',
            CYC_DATE: '20100601',
            STP_EVENT_DATE: '20120601',
            CONV_STAT_DESCR: 'MISDEMEANOR'
          })
        ])
      ).determinations
    )
    t.equal(d!.determination, 'reduce_to_infraction')
    const [without] = rowsOf(
      (
        await review([
          court('001002001000', '11357(B) HS-POSSESS', {
            PRI_DOB: '19900101',
            STP_EVENT_DATE: '20120601',
            CONV_STAT_DESCR: 'MISDEMEANOR'
          })
        ])
      ).determinations
    )
    t.equal(
      without!.determination,
      'dismiss_and_seal',
      'without an arrest date, 22 at conviction is 21+ at the offense'
    )
  }
)

t.test('an unknown sentence stays unknown and never picks the (e)-(f) application (finding 6)', async (t) => {
  const cases: Array<Partial<Record<keyof typeof COL, string>>> = [
    { SENT_LOC_DESCR: '', SENT_LENGTH: '', SENT_TIME_CODE: '' },
    { SENT_LOC_DESCR: 'JAIL', SENT_LENGTH: '', SENT_TIME_CODE: '' },
    { SENT_LOC_DESCR: 'PRISON', SENT_LENGTH: '3', SENT_TIME_CODE: 'L' }
  ]
  for (const sentence of cases) {
    const [d] = rowsOf((await review([court('001002001000', '11359 HS-POSSESS FOR SALE', sentence)])).determinations)
    t.equal(d!.remedy, 'unknown', JSON.stringify(sentence))
    t.notMatch(d!.reason, /application to redesignate or dismiss and seal \(HS 11361\.8\(e\)-\(f\)\)$/)
  }
})

t.test(
  'broken facts are refused clearly: a conviction before birth is not a juvenile conviction (finding 7)',
  async (t) => {
    const { determinations, errors } = await review([
      court('001002001000', '11359 HS-POSSESS FOR SALE', { PRI_DOB: '20150101', STP_EVENT_DATE: '20100501' })
    ])
    const [d] = rowsOf(determinations)
    t.equal(d!.determination, 'reduce_to_misdemeanor', 'no negative age read as a minor: only what holds at any age')
    t.equal(d!.law_most_relief, 'reduce_to_infraction')
    t.match(d!.missing_facts, /the date of birth/)
    t.match(
      errors
        .slice(1)
        .map((e) => e[3])
        .join(),
      /before the date of birth 2015-01-01/
    )
    const future = await review([court('001002001000', '11359 HS-POSSESS FOR SALE', { STP_EVENT_DATE: '20301231' })])
    t.match(
      future.errors
        .slice(1)
        .map((e) => e[3])
        .join(),
      /after the as-of date/
    )
    t.equal(rowsOf(future.determinations)[0]!.determination, 'needs_review')
  }
)

t.test(
  'a county with no conviction in the file fails the review and names the counties found (finding 7)',
  async (t) => {
    const { result } = await review([court('001002001000', '11359 HS-POSSESS FOR SALE')], { county: 'SAN FRANCSICO' })
    t.equal(result.ok, false)
    t.match(
      result.reason,
      /no conviction in the file is in county "SAN FRANCSICO"; counties in the file: SAN FRANCISCO \(1 conviction rows\)/
    )
  }
)

t.test(
  'an unterminated quote is reported with the lines it swallowed, and reading resumes at the next row (finding 11)',
  async (t) => {
    const broken = court('002002001000', '11357(B) HS-POSSESS', { COMMENT_TEXT: 'X' }).replace(
      ',X,',
      ',"NOTE OPENS AND NEVER CLOSES,'
    )
    const lines = [
      court('001002001000', '11359 HS-POSSESS FOR SALE'),
      broken,
      'CONTINUATION WITHOUT A CLOSING QUOTE',
      court('003002001000', '11358 HS-CULTIVATE', { SUBJECT_ID: '2' }),
      court('004002001000', '11357(B) HS-POSSESS', { SUBJECT_ID: '3', CONV_STAT_DESCR: 'MISDEMEANOR' }),
      court('005002001000', '11360(B) HS-GIVE AWAY', { SUBJECT_ID: '4', CONV_STAT_DESCR: 'MISDEMEANOR' })
    ]
    const { determinations, errors, summary } = await review(lines)
    t.same(
      rowsOf(determinations).map((r) => r.count_order),
      ['001002001000', '003002001000', '004002001000', '005002001000'],
      'every row after the broken one is read'
    )
    const lines2 = errors.slice(1).filter((e) => /never closes/.test(e[3]!))
    t.equal(lines2.length, 1)
    t.match(lines2[0]![3], /a quote opened on line 2 never closes: lines 2-3 could not be read/)
    t.equal(summary.ledger.unreadable, 1)
    t.equal(summary.ledger.balanced, true)
  }
)

t.test('re-reading a file in another order gives the same determinations (order invariance)', async (t) => {
  const lines = [...generateDojRows({ rows: 2000, seed: 9, malformedRate: 0 })].map((l) => l.trimEnd())
  const shuffled = [...lines]
  const rand = seededRandom(4)
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
  }
  const a = await review(lines)
  const b = await review(shuffled)
  t.same(determinationKeys(b.determinations), determinationKeys(a.determinations))
  t.same({ ...b.summary.ledger }, { ...a.summary.ledger })
})

t.test('reading a large file lets the event loop turn between rows, not only between chunks of the file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'clearfile-read-turns-'))
  const file = join(dir, 'doj.csv')
  // 20,000 rows of 100 bytes: one 4 MB read, which used to be handed row by row to the sink in one turn.
  writeFileSync(file, Array.from({ length: 20_000 }, (_, i) => `R${String(i).padStart(98, '0')}`).join('\n'))
  let rows = 0
  let rowsWhenTurned: number | undefined
  await readRecords(file, () => {
    rows++
    if (rows === 1) setImmediate(() => (rowsWhenTurned = rows))
    // A sink doing about 20 µs of work a row (splitting and checking it, say): 400 ms for the chunk.
    const until = performance.now() + 0.02
    while (performance.now() < until);
    return true
  })
  t.equal(rows, 20_000)
  t.ok(rowsWhenTurned !== undefined && rowsWhenTurned < 2_000, `the loop turned after ${rowsWhenTurned} rows`)
})

t.test('a person whose rows come again several batches later is noticed in worker threads too', async (t) => {
  const lines = [...generateDojRows({ rows: 20_000, seed: 3, malformedRate: 0 })].map((l) => l.trimEnd())
  // The first person's last row, moved to the end: more than 4,000 rows (a batch) after the rest of theirs.
  const grouped = await review(lines, { workers: 2 })
  const regrouped = await review(firstPersonsLastRowAtTheEnd(lines), { workers: 2 })
  t.equal(grouped.summary.readMode, 'grouped')
  t.equal(regrouped.summary.readMode, 'regrouped')
  t.same(determinationKeys(regrouped.determinations), determinationKeys(grouped.determinations))
  t.equal(regrouped.summary.rowsRead, grouped.summary.rowsRead)
})

t.test(
  'an output that cannot be written ends the review with an error naming the file, on one thread or on workers',
  async (t) => {
    const d = dir()
    const file = join(d, 'doj.csv')
    // About 40 blocks of 64 KiB: a write fails while later blocks are still being read and decided.
    await generateDojFile(file, { rows: 6000, seed: 21 })
    const cases = [
      { name: 'determinations.csv', target: '/dev/full', code: 'ENOSPC' },
      { name: 'errors.csv', target: '/dev/full', code: 'ENOSPC' },
      { name: 'determinations.csv', target: 'a directory', code: 'EISDIR' }
    ]
    for (const workers of [0, 1])
      for (const { name, target, code } of cases) {
        const out = join(d, `out-${workers}-${name}-${code}`)
        mkdirSync(out)
        const partial = join(out, `${name}.partial`)
        // /dev/full takes the file open and refuses every write with ENOSPC, as a full disk does.
        if (target === 'a directory') mkdirSync(partial)
        else symlinkSync(target, partial)
        const reviewed = reviewDojFile(reviewOptions(file, out, { workers, readBytes: 1 << 16 }))
        await t.rejects(reviewed, ReviewOutputError, `${name} as ${target}, ${workers} workers: rejected`)
        const err = (await reviewed.catch((e: unknown) => e)) as ReviewOutputError
        t.equal(err.path, partial, 'the file named')
        t.equal(err.cause.code, code)
        t.notOk(existsSync(join(out, name)), `no ${name} claims to be whole`)
      }
  }
)

t.test('an output directory that cannot be made is named', async (t) => {
  const d = dir()
  const file = join(d, 'doj.csv')
  writeFileSync(file, `${HEADER.join(',')}\n`)
  writeFileSync(join(d, 'a-file'), '')
  const outDir = join(d, 'a-file', 'out')
  const err = await reviewDojFile(reviewOptions(file, outDir)).catch((e: unknown) => e)
  t.ok(err instanceof ReviewOutputError)
  t.equal((err as ReviewOutputError).path, outDir)
  t.equal((err as ReviewOutputError).cause.code, 'ENOTDIR')
})
