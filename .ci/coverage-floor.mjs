// Holds the suite's coverage (tap's json-summary of the SQLite run) to the floor in .ci/coverage-floor.json.
// The floor only goes up: when coverage passes it by a point or more, raise it in the same change.
import { readFileSync } from 'node:fs'

const summary = JSON.parse(readFileSync(new URL('../.tap/report/coverage-summary.json', import.meta.url), 'utf8')).total
const floor = JSON.parse(readFileSync(new URL('./coverage-floor.json', import.meta.url), 'utf8'))
let ok = true
for (const metric of ['lines', 'statements', 'functions', 'branches']) {
  const pct = summary[metric].pct
  const below = pct < floor[metric]
  if (below) ok = false
  const hint = below ? '  BELOW THE FLOOR' : pct >= floor[metric] + 1 ? `  (raise the floor to ${Math.floor(pct)})` : ''
  console.log(`${metric.padEnd(11)} ${pct.toFixed(2).padStart(6)}%  floor ${String(floor[metric]).padStart(3)}%${hint}`)
}
if (!ok) {
  console.log('coverage fell below the floor in .ci/coverage-floor.json')
  process.exit(1)
}
