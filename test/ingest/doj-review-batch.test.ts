import { isAscii } from 'node:buffer'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { DEFAULT_POLICY } from '../../src/eligibility/policies.js'
import { reviewBatch, reviewBlock } from '../../src/ingest/doj-review-batch.js'
import { bufferOf, lastPersonStart, readRecordBlocks, recordsOf, subjectIdOf } from '../../src/ingest/doj-records.js'
import { generateDojRows } from '../../src/ingest/generate-doj.js'
import { seededRandom } from '../../src/seeded-random.js'

const options = { county: 'SAN FRANCISCO', asOf: '2026-11-28', policy: DEFAULT_POLICY }

/**
 * A generated DOJ file made rougher, as real files are: Unicode names (UTF-8),
 * a comment holding a quoted line break, CRLF line ends, a quote that never
 * closes, a comment of 40 KB. Some blocks of it are ASCII and split in their bytes; others are not.
 */
function roughFile(seed: number): string {
  const rand = seededRandom(seed)
  const lines = [...generateDojRows({ rows: 3000, seed })].map((l) => l.trimEnd())
  const rough = lines.map((line) => {
    const r = rand()
    if (r < 0.01) return line.replace(/"([A-Z']+),/, '"MUÑOZ-$1,')
    if (r < 0.02) return `${line.slice(0, line.lastIndexOf(','))},"SEE ATTACHED\nCOMMENT, 11359 HS"`
    if (r < 0.022) return line.replace(/"([A-Z' ]+,[A-Z ]+)"/, '"$1')
    // A comment longer than the run of records a review decodes at once (32 KB).
    if (r < 0.024) return `${line.slice(0, line.lastIndexOf(','))},"${'SEE ATTACHED MINUTE ORDER, '.repeat(1500)}"`
    return line
  })
  return rough.map((l) => (rand() < 0.1 ? `${l}\r` : l)).join('\n')
}

t.test('a block reviewed in its bytes answers as its records reviewed as text do, row for row', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'clearfile-block-'))
  let blocks = 0
  let ascii = 0
  let broken = 0
  let acrossLines = 0
  let longRecords = 0
  for (const seed of [1, 2, 3]) {
    const file = join(dir, `doj-${seed}.csv`)
    writeFileSync(file, roughFile(seed))
    await readRecordBlocks(file, {
      readBytes: 64 * 1024,
      cut: lastPersonStart,
      onBlock: (block) => {
        const { records, lines } = recordsOf(block)
        const asText = reviewBatch(records, lines, options)
        const inBytes = reviewBlock(block, options)
        t.same(inBytes.determinations, asText.determinations, `block ${blocks}: determinations`)
        t.equal(inBytes.errorsCsv, asText.errorsCsv, `block ${blocks}: errors`)
        t.same(inBytes.stats, asText.stats, `block ${blocks}: figures`)
        // The people it names are the records' SUBJECT_IDs, in order, each run once.
        const ids = records
          .map(subjectIdOf)
          .filter((id, i, all) => id !== '' && id !== all.slice(0, i).findLast(Boolean))
        t.same(inBytes.subjectIds, ids, `block ${blocks}: people`)
        blocks++
        if (isAscii(bufferOf(block.bytes))) {
          ascii++
          longRecords += records.filter((r) => r.length > 32 * 1024).length
        }
        broken += asText.errorsCsv.split('never closes').length - 1
        acrossLines += records.filter((r) => r.includes('\n')).length
        return true
      }
    })
  }
  t.ok(ascii > 3 && ascii < blocks, `${blocks} blocks, ${ascii} of them ASCII`)
  t.ok(broken > 3, `${broken} quotes that never close`)
  t.ok(acrossLines > 3, `${acrossLines} records across lines`)
  t.ok(longRecords > 3, `${longRecords} records longer than 32 KB in ASCII blocks`)
})
