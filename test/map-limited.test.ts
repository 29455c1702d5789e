import t from 'tap'
import { mapLimited } from '../src/map-limited.js'

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('every item is mapped, in order, never more than the limit at once', async (t) => {
  let running = 0
  let most = 0
  const items = Array.from({ length: 50 }, (_, i) => i)
  const out = await mapLimited(items, 4, async (n) => {
    running++
    most = Math.max(most, running)
    // Later items finish first: the order of results is the items', not the finishing order.
    await tick((50 - n) % 7)
    running--
    return n * 2
  })
  t.strictSame(
    out,
    items.map((n) => n * 2)
  )
  t.equal(most, 4)
  t.strictSame(await mapLimited([], 4, async () => 1), [])
})

t.test('the first failure is thrown after the running calls end, and nothing starts after it', async (t) => {
  const started: number[] = []
  let running = 0
  let runningAtThrow = -1
  const items = Array.from({ length: 20 }, (_, i) => i)
  const work = mapLimited(items, 3, async (n) => {
    started.push(n)
    running++
    await tick(n === 4 ? 1 : 5)
    running--
    if (n === 4) throw new Error('item 4')
    if (n === 5) throw new Error('item 5 came second')
    return n
  })
  await work.catch(() => {
    runningAtThrow = running
  })
  await t.rejects(work, /item 4/)
  t.equal(runningAtThrow, 0, 'no call left running')
  t.ok(Math.max(...started) <= 6, `started ${started.join(',')}: none after the failure`)
})
