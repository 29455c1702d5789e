// Which source files each test file's coverage counts for (tap's coverage-map). The tests that run
// whole clearfile processes against the clock (the crash test, the dashboard's end to end, the statewide run) are not
// measured: instrumenting them slows the simulated court inside them past their deadlines.
const UNMEASURED = new Set([
  'test/filing/crash.test.ts',
  'test/dashboard/dashboard.test.ts',
  'test/bench/statewide.test.ts'
])

export default (testFile) => (UNMEASURED.has(testFile) ? null : [])
