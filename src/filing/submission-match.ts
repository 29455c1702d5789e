import type { CourtStatus, ListedCourtFiling, SubmissionListing, SubmissionLookup } from '../ecf/court-adapter.js'

/** Whether a filing whose send may have reached the court is there, as far as the court's list shows. */
export type SubmissionMatch =
  | { kind: 'found'; status: CourtStatus; by: 'filer id' | 'case' }
  | { kind: 'absent' }
  | { kind: 'undetermined'; reason: string; candidates: string[] }

/** What we know of our own filings at that court, beside the one looked for. */
export interface OurOtherFilings {
  /** Court filing ids the court already gave our other filings: those listed filings are not this one. */
  claimed: ReadonlySet<string>
  /** Our other filings in the same case whose send may also have reached the court and is not settled. */
  unsettledInCase: number
}

/** How far the court's clock may be from ours before a filing it received "before" ours was made could be ours. */
const CLOCK_SLACK_MS = 10 * 60_000

/**
 * Decides from a court's GetFilingList answer whether our filing is there, never guessing in a way that could file
 * it twice: by our filing id where the court lists it; absent when the court returns filer ids and ours is not
 * among them; and from a court that does not return them (ECF 4.01 does not require it), by elimination — the
 * filings it lists in our case since our filing was made, less those it gave our other filings and those it says
 * another filer submitted. None left: it is absent. Exactly one, in our case, that the court says we submitted, with
 * no other filing of ours in the case unsettled: it is ours. Anything else (a filing whose case or submitter the
 * court does not give could be another filer's) cannot be told apart here, and waits for a person with the court's
 * ids as evidence.
 */
export function matchSubmission(
  lookup: SubmissionLookup,
  listing: SubmissionListing,
  ours: OurOtherFilings
): SubmissionMatch {
  const named = listing.filings.find((f) => f.filingId === lookup.filingId)
  if (named) return { kind: 'found', status: named, by: 'filer id' }
  if (listing.echoesFilerIds) return { kind: 'absent' }
  // A court lists a filing's case by its own id where it has one, else by the case number.
  const cases = new Set([...lookup.caseNumbers, ...(lookup.courtCaseIds ?? [])].map(caseKey))
  const inCase = (f: ListedCourtFiling) => f.caseTrackingId !== null && cases.has(caseKey(f.caseTrackingId))
  const since = lookup.since.getTime() - CLOCK_SLACK_MS
  const candidates = listing.filings.filter(
    (f) =>
      !ours.claimed.has(f.courtFilingId) &&
      (f.caseTrackingId === null || inCase(f)) &&
      (f.submitterId === null || f.submitterId === listing.filerId) &&
      !(f.receivedAt && Date.parse(f.receivedAt) < since)
  )
  if (candidates.length === 0) return { kind: 'absent' }
  const ids = candidates.map((f) => f.courtFilingId)
  const undetermined = (reason: string): SubmissionMatch => ({ kind: 'undetermined', reason, candidates: ids })
  if (candidates.length > 1)
    return undetermined(
      `${candidates.length} filings the court lists without filer ids could be ${lookup.filingId} (${ids.join(', ')}); cannot tell which, if any`
    )
  const [only] = candidates as [ListedCourtFiling]
  if (!inCase(only) || only.submitterId === null)
    return undetermined(
      `the court lists ${only.courtFilingId} without our filing id and without ${inCase(only) ? 'its submitter' : 'its case'}; cannot tell whether it is ${lookup.filingId} or another filer's`
    )
  if (ours.unsettledInCase > 0)
    return undetermined(
      `the court lists ${only.courtFilingId} in case ${only.caseTrackingId} without a filer id, and another of our filings in that case may be at the court too; cannot tell whose it is`
    )
  return { kind: 'found', status: only, by: 'case' }
}

/** Case numbers as courts write them: `scn 123456` and `SCN123456` are one case. */
function caseKey(caseNumber: string): string {
  return caseNumber.replace(/\s+/g, '').toUpperCase()
}
