import type { Kysely } from 'kysely'
import type { CourtEntry } from '../../schemas/courts.js'
import type { Clock } from '../clock.js'
import type { Database } from '../db/schema.js'
import type { DaProfile } from '../documents/court-papers.js'
import type { CourtAdapter } from '../ecf/court-adapter.js'
import type { FilingRequestBuilder } from '../ecf/filing-request-builder.js'
import type { Metrics } from '../metrics.js'
import type { BlobStore } from '../storage/blob-store.js'

/** What filing needs: made once by the composition root (src/services.ts). */
export interface PipelineDeps {
  db: Kysely<Database>
  clock: Clock
  /** Where documents are read from and filing messages kept. */
  store: BlobStore
  courts: ReadonlyMap<string, CourtEntry>
  /** Where courts call us back (ecf:SendingMDELocationID). */
  callbackUrl: string
  /** How often open filings are asked about. */
  pollIntervalMs: number
  /** An accepted filing awaiting its ruling is asked less often as it waits, at most this far apart. */
  rulingPollMaxMs?: number
  /** An accepted filing with no ruling this long after its acceptance raises `filing.ruling_overdue`, once. */
  rulingOverdueMs?: number
  /** DA profiles by county: the filing deputy and office named in each message. */
  profiles: ReadonlyMap<string, DaProfile>
  /** Builds and validates each filing's message (on worker threads, where configured). */
  messages: FilingRequestBuilder
  metrics?: Metrics
}

/** The adapter of each configured court, made by the composition root and closed with it. */
export interface CourtAdapters {
  /** The court's adapter; CLEARFILE_ERR_COURT_NOT_CONFIGURED for a court not in the courts file. */
  for: (courtId: string) => CourtAdapter
  close: () => Promise<void>
}
