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
