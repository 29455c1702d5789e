import { workerData } from 'node:worker_threads'
import { serveWorkerTasks } from '../workers/worker-pool.js'
import {
  reviewBatch,
  reviewBlock,
  type BatchOptions,
  type BatchResult,
  type BlockResult,
  type ReviewTask
} from './doj-review-batch.js'

/**
 * A review worker: takes batches of whole subjects (records, or a block of the file's bytes), answers with the
 * determinations' values, the errors' CSV text and figures (and a block's buffers, handed back).
 */
const options = workerData as BatchOptions & { keepSubjects: boolean }

await serveWorkerTasks<ReviewTask, BatchResult | BlockResult>(
  (task) => {
    if (!('block' in task)) return reviewBatch(task.records, task.lines, options, options.keepSubjects)
    const { block } = task
    // The block's buffers go back to the reading thread to be read into again: nothing reviewed refers to them.
    const spent = {
      bytes: block.bytes.buffer as ArrayBuffer,
      ...(block.fields && { fields: block.fields.buffer as ArrayBuffer })
    }
    return { ...reviewBlock(block, options, options.keepSubjects), spent }
  },
  (result) =>
    'spent' in result && result.spent ? [result.spent.bytes, ...(result.spent.fields ? [result.spent.fields] : [])] : []
)
