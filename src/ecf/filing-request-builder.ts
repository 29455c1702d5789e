import { ClearfileError, type ErrorCode } from '../errors.js'
import { createWorkerPool, onDemandWorkerPool, siblingModule } from '../workers/worker-pool.js'
import { filingRequestForPapers, type FilingRequestInput } from './messages.js'

/** A built message, or why the builder refused it (a ClearfileError's code and text: it crossed a thread). */
export type BuiltFilingRequest = { xml: string } | { refused: { code: ErrorCode; message: string } }

/** Builds and validates filing messages (`filingRequestForPapers`), on worker threads or on this one. */
export interface FilingRequestBuilder {
  build: (input: FilingRequestInput) => Promise<string>
  close: () => Promise<void>
  readonly threads: number
}

/**
 * A filing message is built with xmlbuilder2 and validated against the OASIS schemas: about a millisecond of CPU
 * each, the largest share of a send (bench:statewide's profile of `clearfile serve`). With `threads` > 0 that is
 * done on worker threads, made at the first message and given back after `idleMs` without one, so the event loop
 * goes on answering requests and court callbacks meanwhile; `threads: 0` builds on the calling thread.
 */
export function filingRequestBuilder(o: { threads: number; idleMs: number }): FilingRequestBuilder {
  if (o.threads === 0)
    return { build: async (input) => filingRequestForPapers(input), close: async () => undefined, threads: 0 }
  const pool = onDemandWorkerPool(
    () =>
      createWorkerPool<FilingRequestInput, BuiltFilingRequest>(
        siblingModule(import.meta.url, 'filing-request-worker'),
        { size: o.threads }
      ),
    { size: o.threads, idleMs: o.idleMs }
  )
  return {
    build: async (input) => {
      const built = await pool.run(input)
      if ('refused' in built) throw new ClearfileError(built.refused.code, built.refused.message)
      return built.xml
    },
    close: () => pool.close(),
    threads: o.threads
  }
}
