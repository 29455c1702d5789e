import type { CourtEntry } from '../../schemas/courts.js'
import type { WsSecuritySigner } from './ws-security.js'

/**
 * The one small interface every court adapter implements. Like a kysely
 * dialect, an adapter is constructed (adapters/index.ts has the factories by
 * the name a court's configuration gives) and injected by the composition root
 * (src/services.ts); the core never imports an adapter.
 *
 * Errors are typed: a `CourtError` says whether trying again may succeed
 * (`retryable`) and whether the request may have reached the court
 * (`ambiguous`: a timeout or dropped connection after sending) — an ambiguous
 * send must be reconciled with `listSubmissions` before any resend.
 */
export interface CourtAdapter {
  readonly name: string
  /** ReviewFiling: hand the court a filing; resolves with the court's filing id. */
  submit: (pkg: FilingPackage) => Promise<Receipt>
  /** GetFilingStatus for a filing the court has receipted. */
  status: (courtFilingId: string) => Promise<CourtStatus>
  /**
   * GetFilingList narrowed to what we know of a filing whose send may have reached the court (its case, the time
   * since it was made): the filings the court lists, and whether the court returns filer ids. The pipeline decides
   * from the answer whether the filing is there (src/filing/submission-match.ts); the adapter only reports it.
   */
  listSubmissions: (lookup: SubmissionLookup) => Promise<SubmissionListing>
  /**
   * GetFilingList of every case since `since`: the status of each of the court's filings in one request, so open
   * filings are asked about together rather than with one GetFilingStatus each. Absent where the court cannot list
   * (or its courts-file entry says `statusPolling: "each"`); a filing the list does not name is asked about alone.
   */
  listStatuses?: (since: Date) => Promise<ListedCourtFiling[]>
  /**
   * GetPolicy, with each code list it names fetched and read: what the court accepts, checked before every send
   * (src/ecf/court-policy.ts). Absent where the court publishes no policy.
   */
  policy?: () => Promise<CourtPolicy>
  /** GetFeesCalculation: what the court would charge for this filing. Asked only where the court's policy offers it. */
  feesCalculation?: (pkg: FilingPackage) => Promise<FeesCalculation>
  close: () => Promise<void>
}

export interface FilingPackage {
  /** Our stable filing id, which the message carries in nc:DocumentIdentification. */
  filingId: string
  /** The validated `wsmp:ReviewFilingRequestMessage`. */
  xml: string
}

/** A court's policy for filers (CourtPolicyResponseMessage), with the codes of each of its code lists. */
export interface CourtPolicy {
  versionId: string | null
  /** Each code list: the ECF element it governs (`j:RegisterActionDescriptionText`), its URI and its codes. */
  codeLists: Array<{ element: string; uri: string; codes: readonly string[] }>
  /** The operations the court supports (empty when it lists none). */
  operations: readonly string[]
  /** The case types the court takes (empty when it lists none). */
  caseTypes: readonly string[]
  acceptsConfidential: boolean | null
  maxAttachmentBytes: number | null
  maxMessageBytes: number | null
}

/** What a court would charge for a filing (FeesCalculationAmount). */
export interface FeesCalculation {
  /** The amount as the court writes it (a decimal, `0.00`). */
  amount: string
  currency: string
}

export interface Receipt {
  courtFilingId: string
}

/** What we know of a filing whose send may or may not have reached the court. */
export interface SubmissionLookup {
  /** Our filing id, which the message carried. */
  filingId: string
  /** The case numbers it was filed in (one for a filing per case). */
  caseNumbers: readonly string[]
  /** The court's own ids of those cases (nc:CaseTrackingID), where the DA's system gave them. */
  courtCaseIds?: readonly string[]
  /** When the filing was made: the court cannot have received it before. */
  since: Date
}

/** A filing as a court's GetFilingList lists it. */
export interface ListedCourtFiling extends CourtStatus {
  /** The case the court filed it in, where the court says (`nc:CaseTrackingID`). */
  caseTrackingId: string | null
  /** When the court received it, where the court says. */
  receivedAt: string | null
  /** The filer id of whoever submitted it, where the court says. */
  submitterId: string | null
}

export interface SubmissionListing {
  /** Whether this court's list names the filer's own filing ids: when it does, a filing it lists without ours is not ours. */
  echoesFilerIds: boolean
  /** Our own filer id at this court: a listed filing naming another submitter is not ours. */
  filerId: string
  filings: ListedCourtFiling[]
}

export type CourtFilingStatus = 'received' | 'accepted' | 'partially-accepted' | 'rejected'
export type CourtRuling = 'granted' | 'denied' | 'partially_granted'

export interface CourtStatus {
  courtFilingId: string
  filingId: string | null
  status: CourtFilingStatus
  /** A judge's ruling, where the court reports one through status (vendor practice, not ECF 4.01 itself). */
  ruling: CourtRuling | null
  statusText: string | null
}

export type CourtErrorCode =
  | 'CLEARFILE_ERR_COURT_REJECTED'
  | 'CLEARFILE_ERR_COURT_UNAVAILABLE'
  | 'CLEARFILE_ERR_COURT_TIMEOUT'

export class CourtError extends Error {
  readonly code: CourtErrorCode
  readonly retryable: boolean
  readonly ambiguous: boolean
  /** The court's ecf:ErrorCode, when it sent one. */
  readonly courtCode: string | null

  constructor(
    code: CourtErrorCode,
    message: string,
    options: { retryable: boolean; ambiguous?: boolean; courtCode?: string | null; cause?: unknown }
  ) {
    super(message, { cause: options.cause })
    this.name = 'CourtError'
    this.code = code
    this.retryable = options.retryable
    this.ambiguous = options.ambiguous ?? false
    this.courtCode = options.courtCode ?? null
  }
}

/** A court as the courts configuration file (CLEARFILE_COURTS) describes it: the one schema, schemas/courts.ts. */
export type CourtConfig = CourtEntry

/**
 * How clearfile proves who it is to a court, resolved from the courts file by the composition root (secrets from
 * the environment variables it names, certificates from the files it names) before any adapter is made.
 */
export interface CourtCredentials {
  /** The `Authorization` header of every request: HTTP Basic for a vendor login, or a bearer token. */
  authorization?: string
  /** Mutual TLS: the client certificate and key presented to the court, and the CA its server chains to. */
  tls?: { cert: Buffer; key: Buffer; passphrase?: string; ca?: Buffer }
  /** WS-Security: the certificate and key every message to the court is signed with. */
  wsSecurity?: WsSecuritySigner
}

export type CourtAdapterFactory = (config: CourtConfig, credentials?: CourtCredentials) => CourtAdapter
