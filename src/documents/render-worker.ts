import { serveWorkerTasks } from '../workers/worker-pool.js'
import { renderDocument, type RenderTask } from './render.js'
import type { RenderedDocument } from './court-papers.js'

/** A rendering worker: each task is one court paper; its bytes move back without a copy. */
await serveWorkerTasks<RenderTask, RenderedDocument>(
  (task) => renderDocument(task),
  (doc) => [doc.bytes.buffer as ArrayBuffer]
)
