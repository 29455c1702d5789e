import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import t from 'tap'
import { spoolReport } from '../../src/outcomes/report-spool.js'

t.test('an upload stopped at its first chunk leaves no partial file, however soon it is stopped', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'clearfile-spool-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // Past the byte limit in the first chunk: stopped while the partial file may still be being opened. Removing it
  // before the open had finished left it behind (49 of 300 here, before the fix).
  const refused = await Promise.all(
    Array.from({ length: 300 }, (_, i) =>
      spoolReport(Readable.from([Buffer.alloc(3000, 0x41)]), join(dir, `r${i}.upload`), {
        maxBytes: 2048,
        maxLines: 10
      }).then(
        () => 'stored',
        (err: { code?: string }) => err.code
      )
    )
  )
  t.same(new Set(refused), new Set(['CLEARFILE_ERR_PAYLOAD_TOO_LARGE']), 'every one refused as too large')
  t.same(readdirSync(dir), [], 'nothing left on disk')
})
