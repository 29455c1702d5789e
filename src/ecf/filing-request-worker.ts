import { serveWorkerTasks } from '../workers/worker-pool.js'
import { type FilingRequestTask, type FilingRequestTaskResult, runFilingRequestTask } from './filing-request-builder.js'
import { compileEcfSchemas } from './validator.js'

/**
 * A worker that builds, validates and checks filing messages (`runFilingRequestTask`): the schemas compiled once, at
 * start.
 */
compileEcfSchemas()
await serveWorkerTasks<FilingRequestTask, FilingRequestTaskResult>(runFilingRequestTask)
