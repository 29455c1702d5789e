import type { Generated } from 'kysely'
import type { Outcomes, Remedies } from '../../schemas/api/determinations.js'
import type { FilingStates } from '../../schemas/api/filings.js'

/** The values a determination's outcome and remedy, and a filing's state, may take (the API's own lists). */
export type OutcomeValue = (typeof Outcomes)[number]
export type RemedyValue = (typeof Remedies)[number]
export type FilingStateValue = (typeof FilingStates)[number]

/*
 * Table types for kysely. One code path serves SQLite and PostgreSQL, so column
 * types are the common ground of both: ids and timestamps are text (UUIDs and
 * ISO-8601, which sort correctly as text), JSON is text parsed by repositories,
 * flags are 0/1 integers. Sequence ids (events, audit, jobs) are integers that
 * only grow, which makes them usable as feed cursors.
 */

export interface PeopleTable {
  id: string
  county: string
  doj_subject_id: string | null
  cii: string | null
  name: string
  aliases: string // JSON array of names
  dob: string | null // YYYY-MM-DD
  deceased: number
  created_at: string
  updated_at: string
}

export interface CourtCasesTable {
  id: string
  person_id: string
  county: string
  court_id: string
  case_number: string
  /** The court's own id for the case (nc:CaseTrackingID), where the DA's system gave one. */
  court_case_id: string | null
  /** DOJ cycle (CNT_ORDER[0:3]) when the case came from a DOJ file. */
  cycle: string | null
  source: 'api' | 'doj'
  created_by: string | null
  created_at: string
  updated_at: string
}

/** One row per count of a court case; `disposition` says whether it is a conviction. */
export interface ConvictionsTable {
  id: string
  case_id: string
  person_id: string
  county: string
  count_order: string
  code_section_raw: string
  /** Canonical form, e.g. `HS 11359(b)`; filled by the code-section normalizer. */
  code_section: string | null
  description: string | null
  /** Null when the record does not say (a DOJ row without CONV_STAT_DESCR or type of charge). */
  severity: 'F' | 'M' | 'I' | null
  disposition: string
  conviction_date: string | null
  sentence: string // JSON array of sentence parts
  sentence_end_date: string | null
  created_at: string
  /** The county whose court convicted, when it is not the county that holds the record (a DOJ file's other counties). */
  court_county: string | null
  /** YYYY-MM-DD: the offense date a DA system gave, or the DOJ arrest (cycle) date; see `offense_date_basis`. */
  offense_date: string | null
  offense_date_basis: 'offense' | 'arrest' | null
}

/** A PC 290 registration on a person's record: evidence of a registrable offense, not a conviction. */
export interface RegistrationsTable {
  id: string
  person_id: string
  /** The county that holds the record. */
  county: string
  registration_date: string | null
  registration_county: string | null
  offense_text: string
  source: 'doj' | 'api'
  /** Where it came from within the source (the DOJ row's CNT_ORDER), so storing it again is recognisable. */
  source_key: string
  created_at: string
}

export interface ReviewRunsTable {
  id: string
  county: string
  as_of: string
  state: 'queued' | 'running' | 'done' | 'failed'
  policy: string
  policy_sha256: string
  list_versions: string
  input_sha256: string | null
  rows_read: number
  rows_rejected: number
  figures: string | null
  created_by: string | null
  created_at: string
  finished_at: string | null
  policy_name: string | null
  input_name: string | null
  total_bytes: number | null
  bytes_read: number
  error: string | null
  started_at: string | null
}

export interface DeterminationsTable {
  id: string
  conviction_id: string
  review_run_id: string | null
  county: string
  outcome: OutcomeValue
  remedy: RemedyValue
  explanation: string
  decided_outcome: OutcomeValue | null
  decided_by: string | null
  decision_reason: string | null
  decided_at: string | null
  created_at: string
  section: string | null
  reason: string | null
  citations: string | null
  /** JSON LawFacts: what the law floor found, for papers (null on rows made before it was kept). */
  law_facts: string | null
}

export interface CountyPoliciesTable {
  id: string
  county: string
  name: string
  version: string
  policy: string
  policy_sha256: string
  created_by: string | null
  created_at: string
}

export interface DocumentsTable {
  id: string
  county: string
  kind: 'motion' | 'proposed_order' | 'schedule' | 'notice'
  scope: 'case' | 'person' | 'bulk'
  sha256: string
  pages: number
  bytes: number
  storage_key: string
  review_run_id: string | null
  created_at: string
}

export interface DocumentCasesTable {
  document_id: string
  case_id: string
}

export interface FilingsTable {
  id: string
  county: string
  court_id: string
  adapter: string
  state: FilingStateValue
  court_filing_id: string | null
  attempts: number
  last_error: string | null
  review_run_id: string | null
  created_at: string
  updated_at: string
}

export interface FilingCasesTable {
  filing_id: string
  case_id: string
}

export interface FilingDocumentsTable {
  filing_id: string
  document_id: string
  role: 'lead' | 'connected'
}

export interface FilingEventsTable {
  id: Generated<number>
  filing_id: string
  from_state: FilingStateValue | null
  to_state: FilingStateValue
  at: string
  source: 'submit' | 'callback' | 'poll' | 'report' | 'user'
  detail: string | null
}

export interface OutcomesTable {
  id: string
  conviction_id: string
  filing_id: string | null
  county: string
  result: 'granted' | 'denied' | 'partially_granted' | 'withdrawn'
  order_date: string | null
  docket_id: string | null
  /** `court_status` (the court's GetFilingStatus) or `report` (a clerk's outcome report). */
  source: string
  created_at: string
  /** The outcome report that recorded or confirmed this ruling. */
  report_id: string | null
  report_line: number | null
}

export interface OutcomeReportsTable {
  id: string
  county: string
  court_id: string
  format: 'csv' | 'xml'
  file_name: string | null
  sha256: string
  lines: number
  /** The reconciliation (JSON): matched, already recorded, conflicts, unmatched, omitted, malformed. */
  result: string
  uploaded_by: string | null
  created_at: string
  /** `queued` while a large upload waits on disk (at `upload_path`, under the data folder) to be reconciled. */
  state: 'queued' | 'done' | 'failed'
  /** Why a queued report could not be reconciled. */
  error: string | null
  upload_path: string | null
  finished_at: string | null
}

export interface JobsTable {
  id: Generated<number>
  kind: string
  payload: string
  /** Unique per outstanding piece of work, so the same job is never queued twice. */
  dedupe_key: string | null
  run_at: string
  attempts: number
  max_attempts: number
  lock_owner: string | null
  locked_until: string | null
  last_error: string | null
  done_at: string | null
  created_at: string
}

export interface EventsTable {
  id: Generated<number>
  county: string
  type: string
  record_type: string
  record_id: string
  payload: string
  at: string
}

export interface AuditEventsTable {
  id: Generated<number>
  at: string
  actor_id: string
  actor_role: string
  county: string | null
  action: string
  record_type: string
  record_id: string
  request_id: string | null
  detail: string | null
}

export interface ApiClientsTable {
  id: string
  name: string | null
  /** `metrics` keys read /metrics and nothing else. */
  role: 'da_system' | 'deputy_da' | 'clerk' | 'admin' | 'metrics'
  /** Upper-case county name; null only for admin and metrics keys. */
  county: string | null
  key_prefix: string
  key_sha256: string
  created_at: string
  revoked_at: string | null
  /** Set when the key was last accepted, at most once a minute. */
  last_used_at: string | null
  /** After this instant the key is refused; null: it does not expire. */
  expires_at: string | null
}

export interface IdempotencyKeysTable {
  client_id: string
  key: string
  request_sha256: string
  status_code: number
  response_body: string
  created_at: string
}

export interface WebhooksTable {
  id: string
  county: string
  url: string
  events: string
  secret: string
  created_by: string | null
  created_at: string
  disabled_at: string | null
  /** The last event delivered: the next delivery starts after it. */
  last_event_id: number
}

export interface WebhookDeliveriesTable {
  id: Generated<number>
  webhook_id: string
  event_id: number
  attempt: number
  status: 'delivered' | 'failed'
  response_status: number | null
  error: string | null
  at: string
}

/** A key of the database document store: its bytes are its chunks, in `seq` order. */
export interface BlobsTable {
  key: string
  /** Bytes in all (bigint: PostgreSQL returns it as text). */
  size: number | string
  created_at: string
}

export interface BlobChunksTable {
  key: string
  seq: number
  data: Uint8Array
}

export interface Database {
  people: PeopleTable
  court_cases: CourtCasesTable
  convictions: ConvictionsTable
  registrations: RegistrationsTable
  review_runs: ReviewRunsTable
  county_policies: CountyPoliciesTable
  determinations: DeterminationsTable
  documents: DocumentsTable
  document_cases: DocumentCasesTable
  filings: FilingsTable
  filing_cases: FilingCasesTable
  filing_documents: FilingDocumentsTable
  filing_events: FilingEventsTable
  outcomes: OutcomesTable
  outcome_reports: OutcomeReportsTable
  jobs: JobsTable
  events: EventsTable
  audit_events: AuditEventsTable
  api_clients: ApiClientsTable
  idempotency_keys: IdempotencyKeysTable
  webhooks: WebhooksTable
  webhook_deliveries: WebhookDeliveriesTable
  blobs: BlobsTable
  blob_chunks: BlobChunksTable
}
