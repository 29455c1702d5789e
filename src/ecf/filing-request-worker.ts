import { ClearfileError } from '../errors.js'
import { serveWorkerTasks } from '../workers/worker-pool.js'
import { filingRequestForPapers, type FilingRequestInput } from './messages.js'
import type { BuiltFilingRequest } from './filing-request-builder.js'
import { compileEcfSchemas } from './validator.js'

/**
 * A worker that builds and validates filing messages: the schemas compiled once, at start. A message the schemas
 * refuse comes back as the error's code and text (a ClearfileError does not survive the thread's edge as one).
 */
compileEcfSchemas()
await serveWorkerTasks<FilingRequestInput, BuiltFilingRequest>((input) => {
  try {
    return { xml: filingRequestForPapers(input) }
  } catch (err) {
    if (err instanceof ClearfileError) return { refused: { code: err.code, message: err.message } }
    throw err
  }
})
