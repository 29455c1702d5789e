import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { BROKEN_RECORD, DOJ_FIELD_COUNT, splitCsvRecord } from '../../src/ingest/doj-file.js'
import { lastPersonStart, readRecordBlocks, readRecords, recordsOf, subjectIdOf } from '../../src/ingest/doj-records.js'
import { seededRandom } from '../../src/seeded-random.js'

const dir = mkdtempSync(join(tmpdir(), 'clearfile-records-'))
let files = 0
const fileOf = (content: string | Buffer) => {
  const file = join(dir, `f${files++}.csv`)
  writeFileSync(file, content)
  return file
}

const odd = (s: string) => (s.split('"').length - 1) % 2 === 1

/**
 * What a DOJ file's records are, read from the whole text at once, the plain
 * way: the reader's own rules (a quoted line break continues a record; a quote
 * that never closes ends at the next whole row or after 50 lines; a header
 * and blank lines are skipped; a line's `\r` is dropped) with no blocks, bytes
 * or carrying between reads.
 */
function recordsOfText(text: string): Array<[string, number]> {
  const out: Array<[string, number]> = []
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  let pending: { text: string; line: number; lines: number } | undefined
  const broken = () => {
    out.push([`${BROKEN_RECORD}${pending!.line}-${pending!.line + pending!.lines - 1}`, pending!.line])
    pending = undefined
  }
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (pending) {
      if (!odd(line) && splitCsvRecord(line).length === DOJ_FIELD_COUNT) broken()
      else {
        pending.text += `\n${line}`
        pending.lines++
        if (!odd(pending.text)) {
          out.push([pending.text, pending.line])
          pending = undefined
        } else if (pending.lines >= 50) broken()
        return
      }
    }
    if (i === 0 && line.startsWith('RECORD_ID')) return
    if (line === '') return
    if (odd(line)) pending = { text: line, line: i + 1, lines: 1 }
    else out.push([line, i + 1])
  })
  if (pending) broken()
  return out
}

const FIELDS = [
  '',
  '11359 HS-POSSESS FOR SALE',
  'GARCIA,MARIA', // a comma: quoted
  'O"BRIEN', // a quote: quoted and doubled
  'LINE ONE\nLINE TWO', // a line break inside a quoted field
  'CRLF ONE\r\nCRLF TWO',
  'MUÑOZ,JOSÉ', // two-byte characters
  '大麻 11357', // three-byte characters
  '🌿', // four bytes
  '20100501'
]

/** A random DOJ-like file: 95-field rows of people (SUBJECT_ID in field 2) and the ways real files go wrong. */
function randomFile(rand: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!
  const quote = (f: string) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)
  const eol = rand() < 0.3 ? '\r\n' : '\n'
  const rows: string[] = []
  if (rand() < 0.5) rows.push(`RECORD_ID,SUBJECT_STATUS,SUBJECT_ID${',X'.repeat(DOJ_FIELD_COUNT - 3)}`)
  let person = 1000
  const n = 1 + Math.floor(rand() * 40)
  for (let i = 0; i < n; i++) {
    if (rand() < 0.3) person++
    const r = rand()
    if (r < 0.05) {
      rows.push('')
      continue
    }
    const count = r < 0.1 ? DOJ_FIELD_COUNT - 1 : DOJ_FIELD_COUNT
    const fields = Array.from({ length: count }, () => (rand() < 0.8 ? '' : quote(pick(FIELDS))))
    fields[0] = String(i + 1)
    fields[2] = rand() < 0.05 ? '' : String(person)
    // A quote that never closes, as a truncated export leaves it.
    if (rand() < 0.05) fields[12] = '"GARCIA,MAR'
    rows.push(fields.join(','))
  }
  return rows.join(eol) + (rand() < 0.8 ? eol : '')
}

t.test('records read in blocks of any size are the records of the whole text, on random files', async (t) => {
  const rand = seededRandom(20261203)
  let records = 0
  let broken = 0
  for (let i = 0; i < 50; i++) {
    const text = randomFile(rand)
    const file = fileOf(text)
    const expected = recordsOfText(text)
    for (const readBytes of [3, 64, 333, 4096]) {
      const got: Array<[string, number]> = []
      const { sha256 } = await readRecords(file, (record, line) => got.push([record, line]) > 0, undefined, readBytes)
      t.same(got, expected, `file ${i}, ${readBytes} bytes at a time`)
      t.equal(sha256, createHash('sha256').update(text).digest('hex'))
    }
    records += expected.length
    broken += expected.filter(([r]) => r.startsWith(BROKEN_RECORD)).length
  }
  // The generator reaches what it is for: many records, some broken, some across lines.
  t.ok(records > 600 && broken > 5, `${records} records, ${broken} broken`)
})

t.test(
  "records of an ASCII block larger than a decoded run (32 KB), some longer than a run, are the whole text's",
  async (t) => {
    const rand = seededRandom(32)
    const rows: string[] = []
    for (let i = 0; i < 2000; i++) {
      const long = rand() < 0.01 ? 'X'.repeat(33_000 + Math.floor(rand() * 40_000)) : `COMMENT ${i}`
      rows.push(rand() < 0.05 ? `${i},"A\r\n${long}",${i % 7}` : `${i},${long},${i % 7}`)
    }
    const text = `${rows.join('\r\n')}\n`
    const expected = recordsOfText(text)
    for (const readBytes of [100_000, 2 * 1024 * 1024]) {
      const got: Array<[string, number]> = []
      await readRecords(fileOf(text), (record, line) => got.push([record, line]) > 0, undefined, readBytes)
      t.same(got, expected, `${readBytes} bytes at a time`)
    }
    t.ok(expected.filter(([r]) => r.length > 32 * 1024).length > 5, 'records longer than a run')
  }
)

t.test('a file that is not UTF-8 clean reads as a whole-text decode reads it', async (t) => {
  // A Latin-1 é (0xE9) is not UTF-8: replaced as a decoder replaces it, the row around it kept.
  const bytes = Buffer.concat([Buffer.from('1,A,7,'), Buffer.from([0xe9]), Buffer.from(',x\n2,A,7,y\n')])
  const got: string[] = []
  await readRecords(fileOf(bytes), (record) => got.push(record) > 0, undefined, 5)
  t.same(got, [bytes.toString('utf8').split('\n')[0], '2,A,7,y'])
})

t.test('cut at the last person, a block never splits a person, and every record is handed over once', async (t) => {
  const rand = seededRandom(7)
  for (let i = 0; i < 30; i++) {
    const text = randomFile(rand)
    const file = fileOf(text)
    const expected = recordsOfText(text)
    for (const readBytes of [50, 700, 1 << 16]) {
      const blocks: string[][] = []
      await readRecordBlocks(file, {
        readBytes,
        cut: lastPersonStart,
        onBlock: (block) => {
          blocks.push(recordsOf(block).records)
          return true
        }
      })
      t.same(
        blocks.flat(),
        expected.map(([r]) => r),
        `file ${i}, ${readBytes} bytes at a time`
      )
      // Rows of one person that follow each other (a row naming no one between them or not) share a block.
      let previous: { id: string; block: number } | undefined
      blocks.forEach((records, b) => {
        for (const r of records) {
          const id = subjectIdOf(r)
          if (id === '') continue
          if (previous?.id === id) t.equal(b, previous.block, `person ${id}'s rows are in one block`)
          previous = { id, block: b }
        }
      })
    }
  }
})

t.test(
  'blocks read into buffers handed back and reused, full of old bytes, hold the records a fresh read holds',
  async (t) => {
    const rand = seededRandom(11)
    let reused = 0
    for (let i = 0; i < 30; i++) {
      const text = randomFile(rand)
      const file = fileOf(text)
      const expected = recordsOfText(text).map(([r]) => r)
      for (const readBytes of [50, 700]) {
        // As a review hands a block's buffer to a worker and gets it back: reused for a later read, larger than asked
        // for, and full of quotes and line breaks from before.
        const spare: Buffer[] = []
        const got: string[] = []
        await readRecordBlocks(file, {
          readBytes,
          cut: lastPersonStart,
          allocate: (size) => {
            const i = spare.findIndex((b) => b.length >= size)
            if (i === -1) return Buffer.alloc(size + 37, '"\n,')
            reused++
            return spare.splice(i, 1)[0]!
          },
          onBlock: (block) => {
            got.push(...recordsOf(block).records)
            const whole = Buffer.from(block.bytes.buffer, block.bytes.byteOffset, block.bytes.buffer.byteLength)
            whole.fill('"\r\n,')
            spare.push(whole)
            return true
          }
        })
        t.same(got, expected, `file ${i}, ${readBytes} bytes at a time`)
      }
    }
    t.ok(reused > 100, `buffers reused: ${reused}`)
  }
)

t.test('a person with more rows than a block reads is handed over whole, in one block', async (t) => {
  const row = (person: number, i: number) => `${i},A,${person}${','.repeat(DOJ_FIELD_COUNT - 3)}`
  const lines = [
    ...Array.from({ length: 500 }, (_, i) => row(1, i)),
    ...Array.from({ length: 500 }, (_, i) => row(2 + i, 500 + i))
  ]
  const blocks: string[][] = []
  await readRecordBlocks(fileOf(`${lines.join('\n')}\n`), {
    readBytes: 1024,
    cut: lastPersonStart,
    onBlock: (block) => {
      blocks.push(recordsOf(block).records.map(subjectIdOf))
      return true
    }
  })
  t.equal(
    blocks[0]!.filter((id) => id === '1').length,
    500,
    "the first person's 500 rows (50 KB) are in the first block"
  )
  t.ok(blocks.length > 10, `the rest came in blocks of about 1 KB (${blocks.length} blocks)`)
  t.same(blocks.flat(), lines.map(subjectIdOf))
})

t.test('a block with no SUBJECT_ID anywhere is handed over, not held until the end of the file', async (t) => {
  const lines = Array.from({ length: 200 }, (_, i) => `${i}`)
  let blocks = 0
  await readRecordBlocks(fileOf(lines.join('\n')), {
    readBytes: 64,
    cut: lastPersonStart,
    onBlock: () => ++blocks > 0
  })
  t.ok(blocks > 10, `${blocks} blocks`)
})

t.test('a line longer than a read is read whole', async (t) => {
  const long = `1,A,9,${'x'.repeat(10_000)}`
  const got: string[] = []
  await readRecords(fileOf(`${long}\n2,A,9\n`), (record) => got.push(record) > 0, undefined, 100)
  t.same(got, [long, '2,A,9'])
})

t.test('a sink that answers false stops the read', async (t) => {
  const lines = Array.from({ length: 100 }, (_, i) => `${i},A,1`)
  let seen = 0
  const { stopped } = await readRecords(fileOf(lines.join('\n')), () => ++seen < 10, undefined, 32)
  t.equal(seen, 10)
  t.ok(stopped)
})
