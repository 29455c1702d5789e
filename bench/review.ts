import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_POLICY } from '../src/eligibility/policies.js'
import { reviewDojFile } from '../src/ingest/doj-review.js'
import { generateDojFile } from '../src/ingest/generate-doj.js'

/*
 * npm run bench:review [-- --rows 100000,500000] [--workers 0,2]
 *
 * Reviews generated DOJ files in a fresh process each (so peak RSS is the
 * review's own) and prints rows/s and peak RSS. The anchor is gogen 0.2.13
 * measured on this machine kind (docs design.md, clear-my-record-anchor.md §6):
 * 51k rows/s and 2.4 GB peak on a 500k-row file of 265 MB, rows the size of
 * ours (our 500k rows are 249 MB); on its own generator's larger rows (403 MB)
 * 28k rows/s. gogen reads the whole file into memory before anything else, so
 * its time follows the bytes: the ratio is taken against the file like ours,
 * and the target is 5× that (255k rows/s) within 500 MB.
 */
const GOGEN_ROWS_PER_SECOND = 51_000
const TARGET_ROWS_PER_SECOND = 5 * GOGEN_ROWS_PER_SECOND
const RSS_LIMIT_MB = 500

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? undefined : process.argv[i + 1]
}

if (process.argv.includes('--child')) {
  const outDir = join(tmpdir(), `clearfile-bench-out-${process.pid}`)
  const workers = arg('workers') === 'auto' ? undefined : Number(arg('workers'))
  const result = await reviewDojFile({
    file: arg('file')!,
    county: 'SAN FRANCISCO',
    asOf: '2026-11-28',
    policy: DEFAULT_POLICY,
    outDir,
    ...(workers === undefined ? {} : { workers })
  })
  rmSync(outDir, { recursive: true, force: true })
  process.stdout.write(
    `${JSON.stringify({
      rows: result.summary.rowsRead,
      seconds: result.summary.seconds,
      rowsPerSecond: result.summary.rowsPerSecond,
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      determinations: result.summary.prop64ConvictionsInCounty
    })}\n`
  )
} else {
  const sizes = (arg('rows') ?? '100000,500000').split(',').map(Number)
  const workerCounts = (arg('workers') ?? 'auto,2,0').split(',')
  const dir = join(tmpdir(), 'clearfile-bench')
  mkdirSync(dir, { recursive: true })
  const self = fileURLToPath(import.meta.url)
  console.log('clearfile review benchmark (generated DOJ files, seed 11, statewide-default policy)')
  console.log('rows       file MB  workers  seconds   rows/s  ×gogen  peak RSS MB  target')
  for (const rows of sizes) {
    const file = join(dir, `doj-${rows}-seed11.csv`)
    if (!existsSync(file)) {
      await generateDojFile(file, { rows, seed: 11, header: true })
      spawnSync('sync') // a freshly written file still being flushed to disk would slow the first run
    }
    const mb = statSync(file).size / 1e6
    for (const workers of workerCounts) {
      const child = spawnSync(process.execPath, [self, '--child', '--file', file, '--workers', workers], {
        encoding: 'utf8',
        maxBuffer: 1 << 20
      })
      if (child.status !== 0) throw new Error(`review failed: ${child.stderr}`)
      const r = JSON.parse(child.stdout) as { rows: number; seconds: number; rowsPerSecond: number; maxRssMb: number }
      const meets = r.rowsPerSecond >= TARGET_ROWS_PER_SECOND && r.maxRssMb <= RSS_LIMIT_MB
      // The target is set on the 500k-row file; smaller files are shown for scale.
      const target = `≥${TARGET_ROWS_PER_SECOND / 1000}k rows/s, ≤${RSS_LIMIT_MB} MB`
      const verdict = rows < 500_000 ? '' : `${meets ? 'meets' : 'MISSES'} ${target}`
      console.log(
        `${String(r.rows).padEnd(10)} ${mb.toFixed(0).padStart(7)}  ${(workers === '0' ? 'none' : workers).padStart(7)}  ${r.seconds.toFixed(2).padStart(7)}  ${String(r.rowsPerSecond).padStart(7)}  ${(r.rowsPerSecond / GOGEN_ROWS_PER_SECOND).toFixed(1).padStart(5)}×  ${String(r.maxRssMb).padStart(11)}  ${workers !== '0' ? verdict : '(single thread, for reference)'}`
      )
    }
  }
  console.log(
    `×gogen: against gogen 0.2.13's ${GOGEN_ROWS_PER_SECOND.toLocaleString('en-US')} rows/s on a 500k-row file of 265 MB (2.4 GB peak RSS), measured on this machine kind; on its own generator's 403 MB it read 28,000 rows/s.`
  )
}
