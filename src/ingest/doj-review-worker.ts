import { workerData } from 'node:worker_threads'
import { serveWorkerTasks } from '../workers/worker-pool.js'
import { reviewBatch, type BatchOptions, type BatchResult } from './doj-review-batch.js'

/** A review worker: takes batches of whole subjects, answers with CSV text and figures. */
const options = workerData as BatchOptions & { keepSubjects: boolean }

await serveWorkerTasks<{ records: string[]; lines: number[] }, BatchResult>((task) =>
  reviewBatch(task.records, task.lines, options, options.keepSubjects)
)
