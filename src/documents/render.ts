import { availableParallelism } from 'node:os'
import { createWorkerPool, siblingModule } from '../workers/worker-pool.js'
import {
  renderBulkMotion,
  renderMotion,
  renderProposedOrder,
  renderSchedule,
  type BulkInput,
  type PacketInput,
  type RenderedDocument
} from './court-papers.js'

/** One court paper to render: a per-person/per-case paper, or a bulk motion or its schedule. */
export type RenderTask =
  | { kind: 'motion' | 'proposed_order'; input: PacketInput }
  | { kind: 'bulk_motion' | 'schedule'; input: BulkInput }

export function renderDocument(task: RenderTask): Promise<RenderedDocument> {
  switch (task.kind) {
    case 'motion':
      return renderMotion(task.input)
    case 'proposed_order':
      return renderProposedOrder(task.input)
    case 'bulk_motion':
      return renderBulkMotion(task.input)
    case 'schedule':
      return renderSchedule(task.input)
  }
}

export interface Renderer {
  render: (task: RenderTask) => Promise<RenderedDocument>
  close: () => Promise<void>
  readonly threads: number
}

/**
 * Renders court papers on a pool of worker threads (one per core by default);
 * `threads: 0` renders on the calling thread. Each worker keeps its fonts and
 * measurements warm across documents.
 */
export function createRenderer(options: { threads?: number } = {}): Renderer {
  const threads = options.threads ?? availableParallelism()
  if (threads === 0) return { render: renderDocument, close: async () => undefined, threads: 0 }
  // A roomy young generation: a document is many short-lived objects, and scavenges were a fifth of the time.
  const pool = createWorkerPool<RenderTask, RenderedDocument>(siblingModule(import.meta.url, 'render-worker'), {
    size: threads,
    resourceLimits: { maxYoungGenerationSizeMb: 64, maxOldGenerationSizeMb: 256 }
  })
  return { render: (task) => pool.run(task), close: () => pool.close(), threads }
}

/**
 * Renderers that stay warm between batches: a lease (`lease()`) renders on one pool of worker threads, made at
 * the first lease and kept while leases come — a worker's first documents, with its fonts loaded and its code
 * still cold, are its slowest, and a statewide run is 58 counties' batches — then closed when no lease has been
 * held for `idleMs` (its memory given back). A lease during which a render failed hands the pool back closed,
 * so a pool that lost a worker is never lent again.
 */
export function warmRenderers(o: { create: () => Renderer; idleMs: number }): {
  lease: () => Renderer
  close: () => Promise<void>
} {
  let pool: Renderer | undefined
  let leases = 0
  let idle: NodeJS.Timeout | undefined
  const retire = (which: Renderer) => {
    if (pool === which) pool = undefined
    void which.close()
  }
  return {
    lease: () => {
      clearTimeout(idle)
      const current = (pool ??= o.create())
      leases++
      let failed = false
      let returned = false
      return {
        threads: current.threads,
        render: (task) =>
          current.render(task).catch((err: unknown) => {
            failed = true
            throw err
          }),
        close: async () => {
          if (returned) return
          returned = true
          leases--
          if (failed) retire(current)
          else if (leases === 0 && pool === current) {
            idle = setTimeout(() => retire(current), o.idleMs)
            idle.unref()
          }
        }
      }
    },
    close: async () => {
      clearTimeout(idle)
      const current = pool
      pool = undefined
      await current?.close()
    }
  }
}
