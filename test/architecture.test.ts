import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const root = fileURLToPath(new URL('..', import.meta.url))
// The package exports no path to its command: run the one npm installed.
const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs')

t.test(
  'imports point down the layers: no cycle, eligibility pure, adapters injected, the court protocol below filing, db and jobs below every feature',
  async (t) => {
    // The rules, each with its reason, are in .dependency-cruiser.cjs.
    const run = spawnSync(
      process.execPath,
      [depcruise, '--config', '.dependency-cruiser.cjs', '--output-type', 'err', 'src', 'adapters'],
      { cwd: root, encoding: 'utf8', timeout: 60_000 }
    )
    t.equal(run.status, 0, `${run.stdout}${run.stderr}`)
    t.match(run.stdout, /no dependency violations found/)
  }
)
