import { createWriteStream } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { DOJ_FIELD_COUNT, COL } from './doj-file.js'
import { seededRandom } from '../seeded-random.js'

/**
 * A seeded generator of realistic CA DOJ bulk research files (95 columns):
 * many counties, several cycles per person, arrest and court-action steps, one
 * row per count per sentence part, Prop 64 and other offenses (super strikes,
 * registrable offenses, look-alikes such as PC 1187 and PC 261.5), PC 290
 * registrations, deceased subjects, and a small share of malformed rows.
 * The same seed always gives the same file.
 */
export interface GenerateOptions {
  rows: number
  seed?: number
  /** Share of rows made malformed on purpose (wrong field count, bad date, short CNT_ORDER). */
  malformedRate?: number
  /** Write a header line first. */
  header?: boolean
  /** Counties to draw from (upper case); the first is the most common, unless `countyWeights` are given. */
  counties?: string[]
  /**
   * Each county's weight, in the order of `counties` (e.g. its population): a person's home county and the
   * counties they are arrested in away from home are drawn in proportion. Without weights, 60% of people live
   * in the first county and the rest anywhere.
   */
  countyWeights?: number[]
}

export const HEADER = [
  'RECORD_ID',
  'SUBJECT_STATUS',
  'SUBJECT_ID',
  'REQ_SEG_SEP',
  'REQ_CII_NUMBER',
  'REQ_NAME',
  'REQ_GENDER',
  'REQ_DOB',
  'REQ_CDL',
  'REQ_SSN',
  'PII_SEG_SEP',
  'CII_NUMBER',
  'PRI_NAME',
  'GENDER',
  'PRI_DOB',
  'PRI_SSN',
  'PRI_CDL',
  'PRI_IDN',
  'PRI_INN',
  'FBI_NUMBER',
  'PDR_SEG_SEP',
  'RACE_CODE',
  'RACE_DESCR',
  'EYE_COLOR_CODE',
  'EYE_COLOR_DESCR',
  'HAIR_COLOR_CODE',
  'HAIR_COLOR_DESCR',
  'HEIGHT',
  'WEIGHT',
  'SINGLE_SOURCE',
  'MULTI_SOURCE',
  'POB_CODE',
  'POB_NAME',
  'POB_TYPE',
  'CITIZENSHIP_LIST',
  'CYC_SEG_SEP',
  'CYC_ORDER',
  'CYC_DATE',
  'STP_SEG_SEP',
  'STP_ORDER',
  'STP_EVENT_DATE',
  'STP_TYPE_CODE',
  'STP_TYPE_DESCR',
  'STP_ORI_TYPE',
  'STP_ORI_TYPE_DESCR',
  'STP_ORI_CODE',
  'STP_ORI_DESCR',
  'STP_ORI_CNTY_CODE',
  'STP_ORI_CNTY_NAME',
  'CNT_SEG_SEP',
  'CNT_ORDER',
  'DISP_DATE',
  'OFN',
  'OFFENSE_CODE',
  'OFFENSE_DESCR',
  'OFFENSE_TOC',
  'OFFENSE_QUAL_LST',
  'DISP_OFFENSE_CODE',
  'DISP_OFFENSE_DESCR',
  'DISP_OFFENSE_TOC',
  'DISP_OFFENSE_QUAL_LST',
  'CONV_OFFENSE_ORDER',
  'CONV_OFFENSE_CODE',
  'CONV_OFFENSE_DESCR',
  'CONV_OFFENSE_TOC',
  'CONV_OFFENSE_QUAL_LST',
  'FE_NUM_ORDER',
  'FE_NUM_ARR_AGY',
  'FE_NUM_BNCH_WARR',
  'FE_NUM_CITE',
  'FE_NUM_DOCKET',
  'FE_NUM_INCIDENT',
  'FE_NUM_BOOKING',
  'FE_NUM_NUMBER',
  'FE_NUM_REMAND',
  'FE_NUM_OOS_INN',
  'FE_NUM_CRT_CASE',
  'FE_NUM_WARRANT',
  'DISP_ORDER',
  'DISP_CODE',
  'DISP_DESCR',
  'CONV_STAT_CODE',
  'CONV_STAT_DESCR',
  'SENT_SEG_SEP',
  'SENT_ORDER',
  'SENT_LOC_CODE',
  'SENT_LOC_DESCR',
  'SENT_LENGTH',
  'SENT_TIME_CODE',
  'SENT_TIME_DESCR',
  'CYC_AGE',
  'CII_TYPE',
  'CII_TYPE_ALPHA',
  'COMMENT_TEXT',
  'END_OF_REC'
] as const

const COUNTIES = [
  'SAN FRANCISCO',
  'LOS ANGELES',
  'SACRAMENTO',
  'ALAMEDA',
  'SAN DIEGO',
  'CONTRA COSTA',
  'SAN JOAQUIN',
  'FRESNO',
  'KERN',
  'ORANGE',
  'RIVERSIDE',
  'HUMBOLDT'
]
const LAST = [
  'GARCIA',
  'SMITH',
  'NGUYEN',
  'JOHNSON',
  'LOPEZ',
  'WILLIAMS',
  'KIM',
  'BROWN',
  'MARTINEZ',
  "O'BRIEN",
  'NUNEZ',
  'DAVIS',
  'CHEN',
  'WASHINGTON',
  'PATEL',
  'JACKSON'
]
const FIRST = [
  'MARIA',
  'JAMES',
  'AN',
  'ROBERT',
  'JOSE',
  'LINDA',
  'MICHAEL',
  'ZOE',
  'DAVID',
  'THANH',
  'PATRICIA',
  'CARLOS',
  'WEI',
  'DEREK',
  'PRIYA',
  'TERRENCE'
]

/** [offense description, type of charge, weight] */
const PROP64: Array<[string, 'F' | 'M', number]> = [
  ['11357(A) HS-POSSESS CONCENTRATED CANNABIS', 'F', 3],
  ['11357(B) HS-POSSESS MARIJUANA 28.5 G OR LESS', 'M', 8],
  ['11357(C) HS-POSSESS MARIJUANA OVER 28.5 G', 'M', 5],
  ['11357 HS-POSSESS MARIJUANA', 'M', 3],
  ['11358 HS-CULTIVATE MARIJUANA', 'F', 6],
  ['11359 HS-POSSESS MARIJUANA FOR SALE', 'F', 12],
  ['11360(A) HS-TRANSPORT/SELL MARIJUANA', 'F', 8],
  ['11360(B) HS-GIVE AWAY 28.5 G OR LESS', 'M', 2],
  ['66411359 HS-ATTEMPT POSSESS MARIJUANA FOR SALE', 'F', 1],
  ['11359(C)(3) HS-SELL MARIJUANA TO MINOR', 'F', 0.3],
  ['SEE COMMENT FOR CHARGE', 'F', 1]
]
const OTHER: Array<[string, 'F' | 'M', number]> = [
  ['459 PC-BURGLARY', 'F', 10],
  ['23152(A) VC-DUI ALCOHOL/DRUGS', 'M', 12],
  ['245(A)(1) PC-ASSAULT WITH DEADLY WEAPON', 'F', 5],
  ['211 PC-ROBBERY', 'F', 3],
  ['11350(A) HS-POSSESS NARCOTIC CONTROLLED SUBSTANCE', 'F', 8],
  ['11364 HS-POSSESS DRUG PARAPHERNALIA', 'M', 6],
  ['647(F) PC-DISORDERLY CONDUCT:INTOX', 'M', 6],
  ['187 PC-MURDER', 'F', 0.3],
  ['664/187 PC-ATTEMPTED MURDER', 'F', 0.3],
  ['288(A) PC-LEWD ACT WITH CHILD UNDER 14', 'F', 0.3],
  ['261(A)(2) PC-RAPE BY FORCE', 'F', 0.2],
  ['207 PC-KIDNAPPING', 'F', 0.3],
  ['286 PC-SODOMY', 'F', 0.1],
  ['261.5 PC-UNLAWFUL SEX WITH MINOR', 'F', 0.4],
  ['1187 PC-LOOK-ALIKE SECTION', 'M', 0.3],
  ['137 PC-INDUCE FALSE TESTIMONY', 'F', 0.2],
  ['243.4(E)(1) PC-SEXUAL BATTERY', 'M', 0.3],
  ['32 PC-ACCESSORY', 'F', 1],
  ['148(A)(1) PC-OBSTRUCT/RESIST OFFICER', 'M', 4]
]

function weighted<T extends [string, string, number]>(rand: () => number, list: T[]): T {
  const total = list.reduce((s, x) => s + x[2], 0)
  let r = rand() * total
  for (const item of list) {
    r -= item[2]
    if (r <= 0) return item
  }
  return list[list.length - 1]!
}

const pad = (n: number, w: number) => String(n).padStart(w, '0')
const ymd = (d: Date) => `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}`

function csvRow(fields: string[]): string {
  return `${fields.map((f) => (/[",\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',')}\n`
}

/** Generates rows, person by person, calling `emit` with each CSV line. */
export function* generateDojRows(options: GenerateOptions): Generator<string> {
  const rand = seededRandom(options.seed ?? 1)
  const counties = options.counties ?? COUNTIES
  const malformed = options.malformedRate ?? 0.0005
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1))
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!
  const weights = options.countyWeights
  if (weights && (weights.length !== counties.length || weights.some((w) => !(w >= 0))))
    throw new Error('countyWeights must give a weight of 0 or more to each county')
  const weightedCounties = weights?.map((w, i): [string, string, number] => [counties[i]!, '', w])
  // Drawn as before when no weights are given, so a seed keeps giving the same file.
  const drawCounty = () => (weightedCounties ? weighted(rand, weightedCounties)[0] : pick(counties))
  let rows = 0
  let recordId = 1
  let subject = 1_000_000
  if (options.header) yield `${HEADER.join(',')}\n`
  while (rows < options.rows) {
    subject++
    const dob = new Date(Date.UTC(int(1940, 2000), int(0, 11), int(1, 28)))
    const name = `${pick(LAST)},${pick(FIRST)} ${String.fromCharCode(65 + int(0, 25))}`
    const cii = `A${pad(int(0, 99_999_999), 8)}`
    const gender = pick(['M', 'F'])
    const home = weightedCounties ? drawCounty() : rand() < 0.6 ? counties[0]! : pick(counties)
    const ssn = `${pad(int(0, 999), 3)}${pad(int(0, 99), 2)}${pad(int(0, 9999), 4)}`
    const cdl = `D${pad(int(0, 9_999_999), 7)}`
    const fbi = `${int(100000, 999999)}AB${int(1, 9)}`
    const height = String(int(500, 606))
    const weight = String(int(110, 260))
    const person = (f: string[]) => {
      f[COL.SUBJECT_ID] = String(subject)
      f[1] = 'A'
      f[3] = '#'
      f[4] = cii
      f[5] = name
      f[6] = gender
      f[7] = ymd(dob)
      f[10] = '#'
      f[COL.CII_NUMBER] = cii
      f[COL.PRI_NAME] = name
      f[13] = gender
      f[COL.PRI_DOB] = ymd(dob)
      f[15] = ssn
      f[16] = cdl
      f[19] = fbi
      f[20] = '#'
      f[21] = 'H'
      f[22] = 'HISPANIC'
      f[23] = 'BRO'
      f[24] = 'BROWN'
      f[25] = 'BLK'
      f[26] = 'BLACK'
      f[27] = height
      f[28] = weight
      f[31] = 'CA'
      f[32] = 'CALIFORNIA'
      f[33] = 'S'
      f[34] = 'US'
      f[35] = '#'
      f[38] = '#'
      f[49] = '#'
      f[83] = '#'
      f[91] = 'C'
      f[92] = 'CII'
      f[94] = '#'
    }
    const cycles = int(1, 5)
    let when = new Date(dob.getTime() + int(16, 40) * 365.25 * 86_400_000)
    const registrable = { seen: false }
    for (let cycle = 1; cycle <= cycles && rows < options.rows; cycle++) {
      when = new Date(when.getTime() + int(30, 3000) * 86_400_000)
      if (when.getUTCFullYear() > 2025) break
      const county = rand() < 0.75 ? home : drawCounty()
      const counts = int(1, 3)
      const offenses = Array.from({ length: counts }, () => weighted(rand, rand() < 0.55 ? PROP64 : OTHER))
      const courtDate = new Date(when.getTime() + int(20, 300) * 86_400_000)
      const caseNo = `${county.slice(0, 2)}${pad(int(0, 9_999_999), 7)}`
      for (const [step, stepType] of [
        [1, 'ARREST/DETAINED/CITED'],
        [2, 'COURT ACTION']
      ] as const) {
        for (let count = 1; count <= counts && rows < options.rows; count++) {
          const [offense, toc] = offenses[count - 1]!
          const convicted = step === 2 && rand() < 0.8
          const parts = convicted ? int(1, 2) : 1
          for (let part = 1; part <= parts && rows < options.rows; part++) {
            const f = new Array<string>(DOJ_FIELD_COUNT).fill('')
            person(f)
            f[COL.RECORD_ID] = String(recordId++)
            f[36] = String(cycle)
            f[COL.CYC_DATE] = ymd(when)
            f[39] = String(step)
            f[COL.STP_EVENT_DATE] = ymd(step === 1 ? when : courtDate)
            f[41] = step === 1 ? '1' : '2'
            f[COL.STP_TYPE_DESCR] = stepType
            f[43] = step === 1 ? 'P' : 'C'
            f[44] = step === 1 ? 'POLICE DEPARTMENT' : 'SUPERIOR COURT'
            f[45] = `CA0${pad(int(0, 999), 3)}00`
            f[COL.STP_ORI_DESCR] = step === 1 ? `PD ${county}` : `CASC ${county}`
            f[47] = pad(counties.indexOf(county) + 1, 2)
            f[COL.STP_ORI_CNTY_NAME] = county
            f[COL.CNT_ORDER] = `${pad(cycle, 3)}${pad(step, 3)}${pad(count, 3)}000`
            f[53] = pad(int(0, 99999), 5)
            f[COL.OFFENSE_DESCR] = offense
            f[COL.OFFENSE_TOC] = toc
            if (offense === 'SEE COMMENT FOR CHARGE') f[COL.COMMENT_TEXT] = 'CHRG 11359 HS POSS MJ FOR SALE'
            f[66] = '1'
            f[67] = `BK${pad(int(0, 99_999_999), 8)}`
            f[72] = pad(int(0, 9_999_999), 7)
            if (step === 2) {
              f[COL.OFN] = caseNo
              f[COL.FE_NUM_CRT_CASE] = caseNo
              f[COL.DISP_DATE] = ymd(courtDate)
              f[78] = '1'
              if (convicted) {
                const custody = rand() < 0.15 && toc === 'F' ? 'PRISON' : part === 2 ? 'PROBATION' : 'JAIL'
                f[79] = 'C'
                f[COL.DISP_DESCR] = `CONVICTED-${custody}`
                f[81] = toc === 'F' ? '1' : '2'
                f[COL.CONV_STAT_DESCR] = toc === 'F' ? (rand() < 0.85 ? 'FELONY' : 'MISDEMEANOR') : 'MISDEMEANOR'
                f[57] = f[53]!
                f[COL.DISP_OFFENSE_DESCR] = offense
                f[COL.DISP_OFFENSE_TOC] = toc
                f[61] = '1'
                f[62] = f[53]!
                f[COL.CONV_OFFENSE_DESCR] = offense
                f[COL.CONV_OFFENSE_TOC] = toc
                f[84] = String(part)
                f[85] = custody[0]!
                f[COL.SENT_LOC_DESCR] = custody
                const unit = custody === 'JAIL' ? pick(['D', 'M']) : 'Y'
                f[COL.SENT_LENGTH] = String(unit === 'D' ? int(1, 365) : unit === 'M' ? int(1, 12) : int(1, 5))
                f[COL.SENT_TIME_CODE] = unit
                f[89] = unit === 'D' ? 'DAYS' : unit === 'M' ? 'MONTHS' : 'YEARS'
                if (/^(288|261\(A\)|286|243\.4)/.test(offense)) registrable.seen = true
              } else {
                f[79] = 'D'
                f[COL.DISP_DESCR] = 'DISMISSED/CHARGE DROPPED'
              }
            }
            f[90] = String(when.getUTCFullYear() - dob.getUTCFullYear())
            yield malform(f, rand, malformed)
            rows++
          }
        }
      }
      if (registrable.seen && rand() < 0.8 && rows < options.rows) {
        registrable.seen = false
        const f = new Array<string>(DOJ_FIELD_COUNT).fill('')
        person(f)
        f[COL.RECORD_ID] = String(recordId++)
        f[36] = String(cycle)
        f[COL.CYC_DATE] = ymd(courtDate)
        f[39] = '3'
        f[COL.STP_EVENT_DATE] = ymd(new Date(courtDate.getTime() + 30 * 86_400_000))
        f[COL.STP_TYPE_DESCR] = 'REGISTRATION'
        f[COL.STP_ORI_CNTY_NAME] = county
        f[COL.CNT_ORDER] = `${pad(cycle, 3)}003001000`
        f[COL.OFFENSE_DESCR] = '290 PC-REGISTRATION OF SEX OFFENDER'
        yield csvRow(f)
        rows++
      }
    }
    if (rand() < 0.01 && rows < options.rows) {
      const f = new Array<string>(DOJ_FIELD_COUNT).fill('')
      person(f)
      f[COL.RECORD_ID] = String(recordId++)
      f[36] = String(cycles + 1)
      f[39] = '1'
      f[COL.STP_EVENT_DATE] = ymd(new Date(Date.UTC(2024, 0, 1)))
      f[COL.STP_TYPE_DESCR] = 'DECEASED'
      f[COL.CNT_ORDER] = `${pad(cycles + 1, 3)}001001000`
      yield csvRow(f)
      rows++
    }
  }
}

function malform(f: string[], rand: () => number, rate: number): string {
  if (rand() >= rate) return csvRow(f)
  const kind = Math.floor(rand() * 3)
  if (kind === 0) return csvRow(f.slice(0, DOJ_FIELD_COUNT - 1))
  if (kind === 1) {
    f[COL.STP_EVENT_DATE] = '2010133'
    return csvRow(f)
  }
  f[COL.CNT_ORDER] = '12'
  return csvRow(f)
}

/** Writes a generated file; resolves with the number of rows. */
export async function generateDojFile(path: string, options: GenerateOptions): Promise<number> {
  const out = createWriteStream(path)
  let rows = 0
  let buffer = ''
  for (const line of generateDojRows(options)) {
    buffer += line
    rows++
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
      buffer = ''
    }
  }
  out.write(buffer)
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())))
  return options.header ? rows - 1 : rows
}

// node dist/src/ingest/generate-doj.js (npm run generate:doj --) --rows 500000 --seed 7 --out /tmp/doj.csv [--header]
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`)
    return i === -1 ? undefined : process.argv[i + 1]
  }
  const out = arg('out')
  if (!out) {
    process.stderr.write('usage: generate-doj --rows N [--seed S] [--header] --out FILE\n')
    process.exit(2)
  }
  const rows = await generateDojFile(out, {
    rows: Number(arg('rows') ?? 100000),
    seed: Number(arg('seed') ?? 1),
    header: process.argv.includes('--header')
  })
  process.stdout.write(`wrote ${rows} rows to ${out}\n`)
}
