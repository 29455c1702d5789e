import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { createRenderer, type Renderer, type RenderTask, warmRenderers } from '../../src/documents/render.js'

/** A renderer that counts what is made and closed, and fails the tasks it is told to. */
function countingRenderers() {
  const made: Array<{ closed: boolean }> = []
  const create = (): Renderer => {
    const me = { closed: false }
    made.push(me)
    return {
      threads: 1,
      render: async (task) => {
        if (me.closed) throw new Error('closed pool')
        if ((task.input as { fail?: boolean }).fail) throw new Error('worker exited with code 1')
        return { kind: 'motion', bytes: new Uint8Array(), pages: 1, sha256: '' }
      },
      close: async () => {
        me.closed = true
      }
    }
  }
  return { made, create }
}
const task = (fail = false) => ({ kind: 'motion', input: { fail } }) as unknown as RenderTask

t.test('batches one after another render on one warm pool', async (t) => {
  const c = countingRenderers()
  const renderers = warmRenderers({ create: c.create, idleMs: 60_000 })
  for (let batch = 0; batch < 3; batch++) {
    const r = renderers.lease()
    await r.render(task())
    await r.close()
  }
  t.equal(c.made.length, 1, 'one pool made')
  t.notOk(c.made[0]!.closed, 'still open between batches')
  await renderers.close()
  t.ok(c.made[0]!.closed, 'closed with the service')
})

t.test('a pool no batch has used for idleMs is closed, and the next batch makes a new one', async (t) => {
  const c = countingRenderers()
  const renderers = warmRenderers({ create: c.create, idleMs: 30 })
  const first = renderers.lease()
  const second = renderers.lease()
  await first.close()
  await sleep(60)
  t.notOk(c.made[0]!.closed, 'kept while a batch still holds it')
  await second.close()
  await second.close()
  await sleep(60)
  t.ok(c.made[0]!.closed, 'closed once idle')
  const again = renderers.lease()
  await again.render(task())
  t.equal(c.made.length, 2, 'a new pool for the next batch')
  await again.close()
  await renderers.close()
})

t.test('a batch whose render failed hands its pool back closed, never lent again', async (t) => {
  const c = countingRenderers()
  const renderers = warmRenderers({ create: c.create, idleMs: 60_000 })
  const r = renderers.lease()
  await t.rejects(r.render(task(true)), /worker exited/)
  await r.close()
  t.ok(c.made[0]!.closed, 'the failed pool is closed')
  const next = renderers.lease()
  await next.render(task())
  t.equal(c.made.length, 2, 'the next batch renders on a new pool')
  await next.close()
  await renderers.close()
})

t.test('real worker threads stay warm across leases and render real papers', async (t) => {
  const renderers = warmRenderers({ create: () => createRenderer({ threads: 1 }), idleMs: 60_000 })
  const { packet } = await import('./fixtures.js')
  for (let batch = 0; batch < 2; batch++) {
    const r = renderers.lease()
    const doc = await r.render({ kind: 'motion', input: packet() })
    t.equal(Buffer.from(doc.bytes).subarray(0, 5).toString(), '%PDF-', `batch ${batch + 1}: a PDF`)
    await r.close()
  }
  await renderers.close()
})
