import { Worker } from 'node:worker_threads'

/**
 * A fixed pool of worker threads running one module. `run` sends a task to the
 * least busy worker and resolves with its answer; a worker that dies rejects
 * its tasks and poisons the pool (every later `run` rejects too).
 */
export interface WorkerPool<TIn, TOut> {
  run: (task: TIn, transfer?: ArrayBuffer[]) => Promise<TOut>
  close: () => Promise<void>
  readonly size: number
  /** A worker died: every later `run` rejects. */
  readonly failed: boolean
}

/**
 * The URL of a worker module next to `base`: `.ts` when running from sources
 * (tests load TypeScript through the runner's loader, which workers inherit),
 * `.js` when running compiled.
 */
export function siblingModule(base: string, name: string): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base)
}

interface Pending<TOut> {
  resolve: (v: TOut) => void
  reject: (e: Error) => void
}

export function createWorkerPool<TIn, TOut>(
  url: URL,
  options: { size: number; workerData?: unknown; resourceLimits?: import('node:worker_threads').ResourceLimits }
): WorkerPool<TIn, TOut> {
  let nextId = 0
  let failure: Error | undefined
  const slots = Array.from({ length: Math.max(1, options.size) }, () => {
    const worker = new Worker(url, {
      workerData: options.workerData,
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {})
    })
    const pending = new Map<number, Pending<TOut>>()
    const slot = { worker, pending }
    worker.on('message', (msg: { id: number; result?: TOut; error?: string }) => {
      const p = pending.get(msg.id)
      if (!p) return
      pending.delete(msg.id)
      if (msg.error !== undefined) p.reject(new Error(msg.error))
      else p.resolve(msg.result as TOut)
    })
    const fail = (err: Error) => {
      failure ??= err
      for (const p of pending.values()) p.reject(err)
      pending.clear()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`worker exited with code ${code}`))
    })
    return slot
  })
  return {
    size: slots.length,
    get failed() {
      return failure !== undefined
    },
    run(task, transfer) {
      if (failure) return Promise.reject(failure)
      const slot = slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a))
      const id = nextId++
      return new Promise<TOut>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject })
        slot.worker.postMessage({ id, task }, transfer ?? [])
      })
    },
    async close() {
      await Promise.all(slots.map((s) => s.worker.terminate()))
    }
  }
}

/**
 * A pool made at its first task and kept while tasks come, then closed once none has been in flight for `idleMs`
 * (its threads' memory given back); a pool that lost a worker is closed and made anew at the next task.
 */
export function onDemandWorkerPool<TIn, TOut>(
  create: () => WorkerPool<TIn, TOut>,
  o: { size: number; idleMs: number }
): WorkerPool<TIn, TOut> {
  let pool: WorkerPool<TIn, TOut> | undefined
  let inFlight = 0
  let idle: NodeJS.Timeout | undefined
  const retire = (which: WorkerPool<TIn, TOut>) => {
    if (pool === which) pool = undefined
    void which.close()
  }
  return {
    size: o.size,
    failed: false,
    run(task, transfer) {
      clearTimeout(idle)
      const current = (pool ??= create())
      inFlight++
      return current.run(task, transfer).finally(() => {
        inFlight--
        if (current.failed) retire(current)
        else if (inFlight === 0 && pool === current) {
          idle = setTimeout(() => retire(current), o.idleMs)
          idle.unref()
        }
      })
    },
    async close() {
      clearTimeout(idle)
      const current = pool
      pool = undefined
      await current?.close()
    }
  }
}

/**
 * The worker side: answers each `{ id, task }` with `{ id, result }` or `{ id, error }`.
 * `transfer` names buffers of the result to move rather than copy (a rendered PDF).
 */
export async function serveWorkerTasks<TIn, TOut>(
  handler: (task: TIn) => TOut | Promise<TOut>,
  transfer?: (result: TOut) => ArrayBuffer[]
): Promise<void> {
  const { parentPort } = await import('node:worker_threads')
  if (!parentPort) throw new Error('serveWorkerTasks must run in a worker thread')
  const port = parentPort
  port.on('message', async (msg: { id: number; task: TIn }) => {
    try {
      const result = await handler(msg.task)
      port.postMessage({ id: msg.id, result }, transfer ? transfer(result) : [])
    } catch (err) {
      port.postMessage({ id: msg.id, error: (err as Error).stack ?? String(err) })
    }
  })
}
