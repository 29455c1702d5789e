import Type from 'typebox'
import { defineJob } from '../jobs/job-definition.js'
import { UNTIL_DONE } from '../jobs/job-queue.js'

const Filing = Type.Object({ filingId: Type.String() })

/*
 * The jobs that move a filing along (src/filing/pipeline.ts does them). Asking
 * the court is never given up: a filing it may have stays `unknown` (or open)
 * until it answers; sending gives up on its own after MAX_SEND_ATTEMPTS and SEND_GIVE_UP_MS.
 */

/** ReviewFiling: send the filing (persisting `submitting` first). */
export const SUBMIT_JOB = defineJob({
  name: 'filing.submit',
  payload: Filing,
  maxAttempts: UNTIL_DONE,
  lane: 'submit',
  key: (p) => `submit:${p.filingId}`
})

/**
 * GetFilingList: does the court have a filing whose send was interrupted or ambiguous? Asked again at most a
 * minute apart however long the court failed: once it is back, no filing waits an hour in `unknown`.
 */
export const RECONCILE_JOB = defineJob({
  name: 'filing.reconcile',
  payload: Filing,
  maxAttempts: UNTIL_DONE,
  lane: 'court',
  maxBackoffMs: 60_000,
  key: (p) => `filing.reconcile:${p.filingId}`
})

/** GetFilingStatus, until the filing reaches a terminal state. */
export const POLL_JOB = defineJob({
  name: 'filing.poll',
  payload: Filing,
  maxAttempts: UNTIL_DONE,
  lane: 'court',
  key: (p) => `filing.poll:${p.filingId}`
})
