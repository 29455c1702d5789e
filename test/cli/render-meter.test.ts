import t from 'tap'
import { meteredRenderer } from '../../src/cli/render-meter.js'
import type { Renderer, RenderTask } from '../../src/documents/render.js'
import type { RenderedDocument } from '../../src/documents/court-papers.js'

// A renderer whose papers finish when the test says so.
function manualRenderer() {
  const waiting: Array<() => void> = []
  const inner: Renderer = {
    threads: 2,
    close: async () => undefined,
    render: (task: RenderTask) =>
      new Promise<RenderedDocument>((resolve) =>
        waiting.push(() => resolve({ kind: task.kind } as unknown as RenderedDocument))
      )
  }
  return { inner, finishNext: () => waiting.shift()!() }
}

const task = (kind: 'motion' | 'proposed_order') => ({ kind, input: {} }) as unknown as RenderTask
const tick = () => new Promise((resolve) => setImmediate(resolve))

t.test('counts papers asked for and rendered by kind, and times only while a paper is in hand', async (t) => {
  let clock = 0
  const { inner, finishNext } = manualRenderer()
  const meter = meteredRenderer(inner, () => clock)
  t.equal(meter.threads, 2)

  clock = 100 // idle time before the first paper is not rendering time
  const a = meter.render(task('motion'))
  const b = meter.render(task('proposed_order'))
  t.equal(meter.asked, 2)
  t.equal(meter.renderedTotal, 0)
  clock = 1100
  finishNext()
  await a
  t.same(meter.rendered, { motion: 1 })
  t.equal(meter.busySeconds, 1, 'still busy with the second paper: counted up to now')
  clock = 2100
  finishNext()
  await b
  await tick()
  t.equal(meter.busySeconds, 2)
  t.same(meter.rendered, { motion: 1, proposed_order: 1 })
  t.equal(meter.renderedTotal, 2)

  clock = 10_000 // idle again: not counted
  const c = meter.render(task('motion'))
  clock = 10_500
  finishNext()
  await c
  await tick()
  t.equal(meter.busySeconds, 2.5)
})
