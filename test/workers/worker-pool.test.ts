import t from 'tap'
import { createWorkerPool, onDemandWorkerPool, type WorkerPool } from '../../src/workers/worker-pool.js'

type Task = { n?: number; exit?: boolean }
const ECHO = new URL('./echo-worker.mjs', import.meta.url)

/** An on-demand pool of the echo worker that counts the pools it made, and keeps them to look at. */
function countedPool(idleMs: number) {
  const made: WorkerPool<Task, Task>[] = []
  const pool = onDemandWorkerPool(
    () => {
      const p = createWorkerPool<Task, Task>(ECHO, { size: 1 })
      made.push(p)
      return p
    },
    { size: 1, idleMs }
  )
  return { pool, made }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('an on-demand pool is made at its first task, kept while tasks come, and given back once idle', async (t) => {
  const { pool, made } = countedPool(300)
  t.teardown(() => pool.close())
  t.equal(made.length, 0, 'no threads before the first task')
  t.same(await Promise.all([1, 2, 3].map((n) => pool.run({ n }))), [{ n: 1 }, { n: 2 }, { n: 3 }])
  t.same(await pool.run({ n: 4 }), { n: 4 }, 'a task soon after is taken by the same threads')
  t.equal(made.length, 1)
  await sleep(600)
  t.same(await pool.run({ n: 5 }), { n: 5 })
  t.equal(made.length, 2, 'after idleMs without a task the threads were given back, and made again for the next')
})

t.test('a pool that lost a worker fails its tasks, and the next task is taken by a new one', async (t) => {
  const { pool, made } = countedPool(60_000)
  t.teardown(() => pool.close())
  await t.rejects(pool.run({ exit: true }), /worker exited with code 3/)
  t.ok(made[0]!.failed, 'the first pool knows it lost its worker')
  t.same(await pool.run({ n: 1 }), { n: 1 }, 'answered by a new pool')
  t.equal(made.length, 2)
})
