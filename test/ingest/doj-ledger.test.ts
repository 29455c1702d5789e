import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import t from 'tap'
import { DEFAULT_POLICY } from '../../src/eligibility/policies.js'
import { COL, DOJ_FIELD_COUNT, splitCsvRecord } from '../../src/ingest/doj-file.js'
import { reviewDojFile } from '../../src/ingest/doj-review.js'

/*
 * Conservation of counts, as a property: DOJ files generated here, with every
 * spelling DOJ uses, are reviewed, and the ledger must put each row in the
 * bucket this generator knows it belongs to, every Prop 64 count must have one
 * determination under its canonical section, and nothing may be left over.
 * The generator writes spellings from structured offenses without the
 * parser's grammar: it knows the answer, the parser has to find it.
 */

const COUNTY = 'SAN FRANCISCO'
const AS_OF = '2026-11-28'

interface Offense {
  code: 'HS' | 'PC' | 'VC'
  section: string
  subs: string[]
  prop64: boolean
}

const OFFENSES: Offense[] = [
  { code: 'HS', section: '11357', subs: ['b'], prop64: true },
  { code: 'HS', section: '11357', subs: [], prop64: true },
  { code: 'HS', section: '11358', subs: [], prop64: true },
  { code: 'HS', section: '11359', subs: [], prop64: true },
  { code: 'HS', section: '11360', subs: ['a'], prop64: true },
  { code: 'HS', section: '11360', subs: ['b'], prop64: true },
  { code: 'HS', section: '11362.1', subs: [], prop64: true },
  { code: 'PC', section: '187', subs: [], prop64: false },
  { code: 'PC', section: '1187', subs: [], prop64: false },
  { code: 'PC', section: '459', subs: [], prop64: false },
  { code: 'PC', section: '288', subs: ['a'], prop64: false },
  { code: 'PC', section: '261.5', subs: [], prop64: false },
  { code: 'HS', section: '11350', subs: ['a'], prop64: false },
  { code: 'HS', section: '11366', subs: [], prop64: false },
  { code: 'VC', section: '23152', subs: ['a'], prop64: false }
]

const CODE_SPELLINGS: Record<Offense['code'], string[]> = {
  HS: ['HS', 'H&S', 'H & S', 'HSC', 'H.S.', 'H/S', 'hs'],
  PC: ['PC', 'P.C.', 'PEN', 'pc'],
  VC: ['VC', 'V.C.', 'VEH']
}

/** How one count's offense is written. */
const spellingArb = fc.record({
  offense: fc.constantFrom(...OFFENSES),
  code: fc.nat(6),
  codeFirst: fc.boolean(),
  gap: fc.constantFrom('', ' ', '  '),
  subGap: fc.constantFrom('', ' '),
  upper: fc.boolean(),
  inchoate: fc.constantFrom('', '', '', '664/', '664 PC/', '182/', '182(A)(1)/', '/664', 'glued664', 'comment182'),
  place: fc.constantFrom('descr', 'descr', 'descr', 'seeComment', 'blankWithComment'),
  words: fc.constantFrom('-POSSESS FOR SALE', '-CULTIVATE', ' - DESCRIPTION', '', '-THEFT')
})
type Spelling = typeof spellingArb extends fc.Arbitrary<infer T> ? T : never

/** The canonical section clearfile should read, and the text DOJ would write. */
function spell(s: Spelling): { canonical: string; descr: string; comment: string } {
  const o = s.offense
  const codes = CODE_SPELLINGS[o.code]
  const code = codes[s.code % codes.length]!
  const subs = o.subs.map((x) => `${s.subGap}(${s.upper ? x.toUpperCase() : x})`).join('')
  const number = s.upper ? o.section.toUpperCase() : o.section
  const core = s.codeFirst ? `${code}${s.gap}${number}${subs}` : `${number}${subs}${s.gap}${code}`
  const plain = `${o.code} ${o.section}${o.subs.map((x, i) => `(${i === 2 ? x.toUpperCase() : x})`).join('')}`
  let text = core
  let canonical = plain
  let comment = ''
  const target = o.code === 'PC' ? plain.slice(3) : plain
  switch (s.inchoate) {
    case '664/':
    case '664 PC/':
      text = `${s.inchoate}${core}`
      canonical = `PC 664/${target}`
      break
    case '182/':
    case '182(A)(1)/':
      text = `${s.inchoate}${core}`
      canonical = `PC 182/${target}`
      break
    case '/664':
      text = `${core}/664`
      canonical = `PC 664/${target}`
      break
    case 'glued664':
      // DOJ glues 664 onto cannabis sections only (66411359 HS).
      if (o.prop64) {
        text = `664${number}${subs} ${code}`
        canonical = `PC 664/${target}`
      }
      break
    case 'comment182':
      text = '182(A)(1) PC'
      comment = `CONSP TO COMMIT ${core}`
      canonical = `PC 182/${target}`
      break
  }
  if (s.inchoate === 'comment182') return { canonical, descr: `${text}-CONSPIRACY`, comment }
  if (s.place === 'seeComment') return { canonical, descr: 'SEE COMMENT FOR CHARGE', comment: `CHRG ${text} NOTED` }
  if (s.place === 'blankWithComment') return { canonical, descr: '', comment: `CHRG ${text}` }
  return { canonical, descr: `${text}${s.words}`, comment }
}

const countArb = fc.record({
  spelling: spellingArb,
  convicted: fc.boolean(),
  inCounty: fc.boolean(),
  parts: fc.integer({ min: 1, max: 2 }),
  severity: fc.constantFrom('FELONY', 'MISDEMEANOR'),
  year: fc.integer({ min: 1995, max: 2015 })
})

const personArb = fc.record({
  counts: fc.array(countArb, { minLength: 1, maxLength: 4 }),
  registration: fc.boolean(),
  deceased: fc.boolean(),
  arrests: fc.boolean(),
  malformed: fc.constantFrom('none', 'none', 'none', 'short', 'noSubject', 'badCount', 'unterminated')
})

type Bucket = 'decided' | 'notAConviction' | 'outsideCounty' | 'notProp64' | 'unreadable'

interface Expected {
  lines: string[]
  buckets: Record<Bucket, number>
  decided: Map<string, string>
}

function csv(f: string[]): string {
  return f.map((x) => (/[",\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x)).join(',')
}

function buildFile(people: Array<typeof personArb extends fc.Arbitrary<infer T> ? T : never>): Expected {
  const lines: string[] = []
  const buckets: Record<Bucket, number> = {
    decided: 0,
    notAConviction: 0,
    outsideCounty: 0,
    notProp64: 0,
    unreadable: 0
  }
  const decided = new Map<string, string>()
  people.forEach((p, i) => {
    const subject = String(5000 + i)
    const base = (): string[] => {
      const f = new Array<string>(DOJ_FIELD_COUNT).fill('')
      f[COL.SUBJECT_ID] = subject
      f[COL.PRI_NAME] = `PERSON,${subject}`
      f[COL.PRI_DOB] = '19700101'
      f[COL.STP_ORI_CNTY_NAME] = COUNTY
      return f
    }
    if (p.arrests) {
      const f = base()
      Object.assign(f, {
        [COL.STP_TYPE_DESCR]: 'ARREST/DETAINED/CITED',
        [COL.CNT_ORDER]: '001001001000',
        [COL.STP_EVENT_DATE]: '19940101',
        [COL.OFFENSE_DESCR]: '11359HS-POSSESS FOR SALE'
      })
      lines.push(csv(f))
      buckets.notAConviction++
    }
    p.counts.forEach((c, k) => {
      const { canonical, descr, comment } = spell(c.spelling)
      const cnt = `${String(k + 2).padStart(3, '0')}002001000`
      const rows = c.convicted ? c.parts : 1
      for (let part = 0; part < rows; part++) {
        const f = base()
        Object.assign(f, {
          [COL.STP_TYPE_DESCR]: 'COURT ACTION',
          [COL.CNT_ORDER]: cnt,
          [COL.STP_EVENT_DATE]: `${c.year}0601`,
          [COL.OFN]: `SCN${subject}${k}`,
          [COL.OFFENSE_DESCR]: descr,
          [COL.COMMENT_TEXT]: comment,
          [COL.STP_ORI_CNTY_NAME]: c.inCounty ? COUNTY : 'ALAMEDA',
          [COL.DISP_DESCR]: c.convicted ? 'CONVICTED-JAIL' : 'DISMISSED/CHARGE DROPPED',
          [COL.CONV_STAT_DESCR]: c.convicted ? c.severity : '',
          [COL.SENT_LOC_DESCR]: c.convicted ? 'JAIL' : '',
          [COL.SENT_LENGTH]: c.convicted ? String(10 + part) : '',
          [COL.SENT_TIME_CODE]: c.convicted ? 'D' : ''
        })
        lines.push(csv(f))
        const bucket: Bucket = !c.convicted
          ? 'notAConviction'
          : !c.inCounty
            ? 'outsideCounty'
            : c.spelling.offense.prop64
              ? 'decided'
              : 'notProp64'
        buckets[bucket]++
        if (bucket === 'decided') decided.set(`${subject}|${cnt}`, canonical)
      }
    })
    if (p.registration) {
      const f = base()
      Object.assign(f, {
        [COL.STP_TYPE_DESCR]: 'REGISTRATION',
        [COL.CNT_ORDER]: '009003001000',
        [COL.STP_EVENT_DATE]: '20200101',
        [COL.OFFENSE_DESCR]: '290 PC-REGISTRATION OF SEX OFFENDER'
      })
      lines.push(csv(f))
      buckets.notAConviction++
    }
    if (p.deceased) {
      const f = base()
      Object.assign(f, {
        [COL.STP_TYPE_DESCR]: 'DECEASED',
        [COL.CNT_ORDER]: '010001001000',
        [COL.STP_EVENT_DATE]: '20240101'
      })
      lines.push(csv(f))
      buckets.notAConviction++
    }
    if (p.malformed !== 'none') {
      const f = base()
      Object.assign(f, {
        [COL.STP_TYPE_DESCR]: 'COURT ACTION',
        [COL.CNT_ORDER]: '011002001000',
        [COL.STP_EVENT_DATE]: '20100101',
        [COL.OFFENSE_DESCR]: '11359 HS-POSSESS FOR SALE',
        [COL.DISP_DESCR]: 'CONVICTED-JAIL'
      })
      if (p.malformed === 'short') lines.push(csv(f.slice(0, 60)))
      if (p.malformed === 'noSubject') {
        f[COL.SUBJECT_ID] = ''
        lines.push(csv(f))
      }
      if (p.malformed === 'badCount') {
        f[COL.CNT_ORDER] = '11'
        lines.push(csv(f))
      }
      if (p.malformed === 'unterminated') {
        f[COL.COMMENT_TEXT] = 'X'
        lines.push(csv(f).replace(',X,', ',"OPENS AND NEVER CLOSES,'))
      }
      buckets.unreadable++
    }
  })
  return { lines, buckets, decided }
}

t.test(
  'property: every row of a generated DOJ file lands in the bucket it belongs to, and every Prop 64 count is decided once under its section',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'clearfile-ledger-'))
    let run = 0
    let rows = 0
    await fc.assert(
      fc.asyncProperty(fc.array(personArb, { minLength: 5, maxLength: 40 }), async (people) => {
        const expected = buildFile(people)
        const file = join(dir, `doj-${++run}.csv`)
        // A trailing whole row, so an unterminated quote at the very end still has a row to resume at.
        writeFileSync(file, `${expected.lines.join('\n')}\n`)
        const out = join(dir, `out-${run}`)
        const result = await reviewDojFile({
          file,
          county: COUNTY,
          asOf: AS_OF,
          policy: DEFAULT_POLICY,
          outDir: out,
          workers: 0
        })
        const s = result.summary
        rows += s.rowsRead
        const { rowsRead, balanced, determinations, ...buckets } = s.ledger
        if (!balanced) throw new Error(`ledger does not balance: ${JSON.stringify(s.ledger)}`)
        if (rowsRead !== expected.lines.length) throw new Error(`${rowsRead} rows read of ${expected.lines.length}`)
        if (JSON.stringify(buckets) !== JSON.stringify(expected.buckets))
          throw new Error(`ledger ${JSON.stringify(buckets)}, expected ${JSON.stringify(expected.buckets)}`)
        const table = readFileSync(join(out, 'determinations.csv'), 'utf8')
          .trimEnd()
          .split('\n')
          .map((l) => splitCsvRecord(l))
        const h = table[0]!
        const got = new Map(
          table
            .slice(1)
            .map((r) => [`${r[h.indexOf('subject_id')]}|${r[h.indexOf('count_order')]}`, r[h.indexOf('code_section')]!])
        )
        if (got.size !== table.length - 1) throw new Error('a count was decided twice')
        if (determinations !== expected.decided.size)
          throw new Error(`${determinations} determinations for ${expected.decided.size} Prop 64 counts`)
        for (const [key, canonical] of expected.decided) {
          if (got.get(key) !== canonical)
            throw new Error(`${key}: decided as ${got.get(key) ?? 'nothing'}, expected ${canonical}`)
        }
        const errorLines = readFileSync(join(out, 'errors.csv'), 'utf8')
          .trimEnd()
          .split('\n')
          .slice(1)
          .map((l) => splitCsvRecord(l))
          .filter((e) => e[2] === 'error')
        if (errorLines.length !== expected.buckets.unreadable)
          throw new Error(`${errorLines.length} error lines for ${expected.buckets.unreadable} unreadable rows`)
      }),
      { numRuns: 100, seed: 1129 }
    )
    t.ok(rows > 1000, `${rows} generated rows accounted for`)
  }
)
