import t from 'tap'
import { createProgressDisplay, formatStep, type ProgressStep } from '../../src/cli/progress.js'

// A cursor movement or line erase (ESC [ n letter), or a carriage return: what takes no room on the line.
const CONTROL = new RegExp(`${String.fromCharCode(27)}\\[\\d*[A-Z]|\r`, 'g')

function fakeStream(isTTY: boolean, columns = 100) {
  const written: string[] = []
  return { stream: { isTTY, columns, write: (text: string) => written.push(text) }, written }
}

t.test('a step with a total shows a bar, the share and the count of the total', async (t) => {
  t.equal(
    formatStep({ label: 'rendering papers', done: 310, total: 1240, unit: 'papers' }, 20),
    'rendering papers      [######..................]  25%  310 of 1,240 papers'
  )
})

t.test(
  'a step measured by a share shows that share and a plain count; one with neither shows only the count',
  async (t) => {
    t.equal(
      formatStep({ label: 'reading', done: 50_000, share: 0.5, unit: 'rows decided', note: '50% of the file read' }, 7),
      'reading  [############............]  50%  50,000 rows decided  (50% of the file read)'
    )
    t.equal(formatStep({ label: 'filings', done: 12, unit: 'filings' }, 7), 'filings  12 filings')
  }
)

t.test('on a terminal the lines are redrawn in place, cut at the terminal width', async (t) => {
  const { stream, written } = fakeStream(true, 40)
  const steps: ProgressStep[] = [{ label: 'one', done: 1, total: 4, unit: 'rows' }]
  const display = createProgressDisplay({ sample: () => steps, stream, intervalMs: 60_000 })
  t.equal(display.enabled, true)
  display.draw()
  steps.push({ label: 'two', done: 2, unit: 'papers' })
  display.draw()
  display.stop()
  t.equal(written.length, 3, 'drawn twice, and once more on stop')
  // 39 columns of `one  [######..................]  25%  1 of 4 rows`: the rest would wrap.
  t.equal(written[0], '\r\x1b[2Kone  [######..................]  25%  1\n')
  t.ok(written[1]!.startsWith('\x1b[1A'), 'the second drawing first goes back up over the first')
  t.match(written[1]!, '\r\x1b[2Ktwo  2 papers\n')
  t.ok(written[2]!.startsWith('\x1b[2A'), 'then over both lines')
  for (const chunk of written) for (const line of chunk.split('\n')) t.ok(line.replace(CONTROL, '').length < 40)
})

t.test('off a terminal nothing is ever written, and the sampler is never asked', async (t) => {
  const { stream, written } = fakeStream(false)
  let asked = 0
  const display = createProgressDisplay({
    sample: () => {
      asked++
      return [{ label: 'x', done: 1, unit: 'rows' }]
    },
    stream,
    intervalMs: 1
  })
  t.equal(display.enabled, false)
  display.draw()
  await new Promise((resolve) => setTimeout(resolve, 20))
  display.stop()
  t.same(written, [])
  t.equal(asked, 0)
})

t.test('after stop the display draws no more', async (t) => {
  const { stream, written } = fakeStream(true)
  const display = createProgressDisplay({
    sample: () => [{ label: 'x', done: 1, unit: 'rows' }],
    stream,
    intervalMs: 5
  })
  display.stop()
  const after = written.length
  await new Promise((resolve) => setTimeout(resolve, 30))
  display.draw()
  t.equal(written.length, after)
})
