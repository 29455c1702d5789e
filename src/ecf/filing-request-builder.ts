import { ClearfileError, type ErrorCode } from '../errors.js'
import { missingBlob } from '../storage/blob-store.js'
import { keepSync, readKeptSync } from '../storage/local-blob-store.js'
import { createWorkerPool, onDemandWorkerPool, siblingModule } from '../workers/worker-pool.js'
import type { CourtPolicy } from './court-adapter.js'
import { policyProblems, policyProblemsOfDocument } from './court-policy.js'
import { type FilingRequestInput, filingRequestParts } from './messages.js'
import { assertValidEcf } from './validator.js'

/** A message built (and, where a court's policy was given, why that policy refuses it: none when it fits). */
export interface FilingRequest {
  xml: string
  problems?: string[]
}

/**
 * Where a builder's thread finds a filing's papers and keeps its message itself: keys of a local store's folder
 * (`BlobStore.root`), read and written as that store does.
 */
export interface FilingRequestFiles {
  root: string
  motion: string
  order: string
  /** Where the message is kept once it validates (whether or not a court's policy refuses it). */
  message: string
}

/** A filing message's input without its papers' bytes: the papers are read from `FilingRequestFiles`. */
export type FilingRequestInputOfFiles = Omit<FilingRequestInput, 'motion' | 'order'>

/**
 * A task for a builder's thread: build a message (checking it against a policy), from the papers' bytes or from
 * the files they are kept in (keeping the message there too), or check one built before.
 */
export type FilingRequestTask =
  | { build: FilingRequestInput; policy?: CourtPolicy }
  | { buildFromFiles: FilingRequestInputOfFiles; files: FilingRequestFiles; policy?: CourtPolicy }
  | { check: string; policy: CourtPolicy }

/** What came of a task, or why the builder refused it (a ClearfileError's code and text: it crossed a thread). */
export type FilingRequestTaskResult =
  | { built: FilingRequest }
  | { problems: string[] }
  | { refused: { code: ErrorCode; message: string } }

/** Builds and validates filing messages, and checks them against courts' policies, on worker threads or on this one. */
export interface FilingRequestBuilder {
  /**
   * The filing's ReviewFilingRequestMessage (`filingRequestForPapers`), validated; with `policy`, also why that
   * court policy refuses it (`policyProblems`), read from the parse that validated it.
   */
  build: (input: FilingRequestInput, policy?: CourtPolicy) => Promise<FilingRequest>
  /**
   * `build`, the papers read from their files and the message kept in its own by the builder's thread (not this
   * one's event loop); undefined for a builder that runs on the calling thread, where reading and writing
   * synchronously would stop it.
   */
  buildFromFiles?: (
    input: FilingRequestInputOfFiles,
    files: FilingRequestFiles,
    policy?: CourtPolicy
  ) => Promise<FilingRequest>
  /** Why the court policy refuses a message built before (`policyProblems`). */
  problems: (xml: string, policy: CourtPolicy) => Promise<string[]>
  close: () => Promise<void>
  readonly threads: number
}

/** Runs one task on this thread: what a builder's worker does with each. */
export function runFilingRequestTask(task: FilingRequestTask): FilingRequestTaskResult {
  try {
    if ('check' in task) return { problems: policyProblems(task.check, task.policy) }
    if ('buildFromFiles' in task) {
      const { root, motion, order, message } = task.files
      const input = { ...task.buildFromFiles, motion: requireKept(root, motion), order: requireKept(root, order) }
      const result = runFilingRequestTask(task.policy ? { build: input, policy: task.policy } : { build: input })
      if ('built' in result) keepSync(root, message, Buffer.from(result.built.xml, 'utf8'))
      return result
    }
    const { build: input, policy } = task
    // Validated, and checked against the policy, without its documents' bytes (see `reviewFilingRequestParts`).
    const parts = filingRequestParts(input)
    const xml = parts.whole()
    let problems: string[] | undefined
    assertValidEcf(
      parts.withoutBytes,
      `filing ${input.filingId}`,
      policy && ((doc) => (problems = policyProblemsOfDocument(doc, Buffer.byteLength(xml, 'utf8'), policy)))
    )
    return { built: problems ? { xml, problems } : { xml } }
  } catch (err) {
    if (err instanceof ClearfileError) return { refused: { code: err.code, message: err.message } }
    throw err
  }
}

/** A kept file's bytes; `missingBlob(key)` when there are none, as `requireBlob` has it. */
function requireKept(root: string, key: string): Buffer {
  const bytes = readKeptSync(root, key)
  if (!bytes) throw missingBlob(key)
  return bytes
}

/**
 * A filing message is built with xmlbuilder2 and validated against the OASIS schemas: about a millisecond of CPU
 * each, the largest share of a send (bench:statewide's profile of `clearfile serve`), and checked against its
 * court's policy on the parse that validated it. With `threads` > 0 that is done on worker threads, made at the
 * first message and given back after `idleMs` without one, so the event loop goes on answering requests and court
 * callbacks meanwhile; `threads: 0` builds on the calling thread.
 */
export function filingRequestBuilder(o: { threads: number; idleMs: number }): FilingRequestBuilder {
  const run =
    o.threads === 0
      ? { task: async (task: FilingRequestTask) => runFilingRequestTask(task), close: async () => undefined }
      : (() => {
          const pool = onDemandWorkerPool(
            () =>
              createWorkerPool<FilingRequestTask, FilingRequestTaskResult>(
                siblingModule(import.meta.url, 'filing-request-worker'),
                { size: o.threads }
              ),
            { size: o.threads, idleMs: o.idleMs }
          )
          return { task: (task: FilingRequestTask) => pool.run(task), close: () => pool.close() }
        })()
  const done = async (task: FilingRequestTask) => {
    const result = await run.task(task)
    if ('refused' in result) throw new ClearfileError(result.refused.code, result.refused.message)
    return result
  }
  const built = (result: FilingRequestTaskResult) => {
    if (!('built' in result)) throw new Error('a filing message task answered as a check')
    return result.built
  }
  return {
    build: async (input, policy) => built(await done(policy ? { build: input, policy } : { build: input })),
    ...(o.threads > 0 && {
      buildFromFiles: async (input, files, policy) =>
        built(await done(policy ? { buildFromFiles: input, files, policy } : { buildFromFiles: input, files }))
    }),
    problems: async (xml, policy) => {
      const result = await done({ check: xml, policy })
      if (!('problems' in result)) throw new Error('a policy check task answered as a build')
      return result.problems
    },
    close: run.close,
    threads: o.threads
  }
}
