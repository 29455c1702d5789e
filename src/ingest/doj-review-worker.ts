import { workerData } from 'node:worker_threads'
import { serveWorkerTasks } from '../workers/worker-pool.js'
import { reviewBatch, reviewBlock, type BatchOptions, type BatchResult, type ReviewTask } from './doj-review-batch.js'

/** A review worker: takes batches of whole subjects (records, or a block of the file's bytes), answers with CSV text and figures. */
const options = workerData as BatchOptions & { keepSubjects: boolean }

await serveWorkerTasks<ReviewTask, BatchResult>((task) =>
  'block' in task
    ? reviewBlock(task.block, options, options.keepSubjects)
    : reviewBatch(task.records, task.lines, options, options.keepSubjects)
)
