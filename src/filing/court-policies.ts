import type { CourtEntry } from '../../schemas/courts.js'
import type { Clock } from '../clock.js'
import { CourtError, type CourtPolicy, type FeesCalculation } from '../ecf/court-adapter.js'
import type { FilingRequestBuilder } from '../ecf/filing-request-builder.js'
import type { CourtAdapters } from './pipeline-deps.js'

/** How long a court's policy is used before it is asked for again, when its courts-file entry does not say. */
export const DEFAULT_POLICY_REFRESH_HOURS = 24

/** Whether a filing may be sent to its court, and what the court's policy and fees said. */
export type PolicyVerdict =
  | { ok: true; detail: Record<string, unknown> }
  | {
      ok: false
      code: 'CLEARFILE_ERR_COURT_POLICY' | 'CLEARFILE_ERR_COURT_FEE'
      message: string
      detail: Record<string, unknown>
    }

/** A policy or fee query that failed: whatever it was, the filing itself was not sent. */
function notSent(err: unknown): CourtError {
  if (err instanceof CourtError)
    return new CourtError(err.code, err.message, { retryable: err.retryable, courtCode: err.courtCode, cause: err })
  return new CourtError('CLEARFILE_ERR_COURT_UNAVAILABLE', (err as Error).message, { retryable: true, cause: err })
}

interface Cached {
  fetchedAt: number
  /** The policy; null when the court publishes none (it refused GetPolicy as an operation it does not offer). */
  policy: Promise<{ policy: CourtPolicy | null; note: string }>
  /** The policy once it has come. */
  came?: CourtPolicy | null
}

/** A message already checked against a policy (on the parse that validated it): the policy and its problems. */
export interface CheckedMessage {
  policy: CourtPolicy
  problems: readonly string[]
}

/**
 * Each court's policy (GetPolicy and its code lists), asked for once per `policyRefreshHours` per process and
 * shared by every filing in the meantime (a county's 7,000 filings ask once), and the check of a filing against it
 * before it is sent: a filing the court would refuse — a code not on its lists, too large, an operation or case
 * type it does not take — is failed with the reasons instead, and sent nowhere. Where the policy offers
 * GetFeesCalculation, the court is asked what it would charge: a DA's filing is fee-exempt (Gov. Code § 6103), so
 * any fee means the court does not see the exemption, and the filing is failed with the amount for a person to
 * take up with the court rather than incur it.
 *
 * A court that cannot be reached for its policy fails the attempt as a send that never left would (retried with
 * backoff, given up after as many tries): nothing is sent unchecked. Once it has answered, a failed refresh keeps
 * the policy it gave until the next refresh. A court that refuses GetPolicy outright publishes none, and its filings
 * are sent unchecked, saying so on their timelines.
 *
 * The check is the message builder's (`messages`, on its threads): a message built while its court's policy is
 * `held` is checked as it is built, and `check` is given that; one built before is checked again.
 */
export function courtPolicies(
  deps: { clock: Clock; courts: ReadonlyMap<string, CourtEntry>; messages: Pick<FilingRequestBuilder, 'problems'> },
  adapters: CourtAdapters
): {
  /** The policy a filing at `courtId` would be checked against now, if it has come and is still current. */
  held: (courtId: string) => CourtPolicy | undefined
  check: (filing: { id: string; court_id: string }, xml: string, checked?: CheckedMessage) => Promise<PolicyVerdict>
} {
  const cache = new Map<string, Cached>()

  async function policyOf(courtId: string): Promise<{ policy: CourtPolicy | null; note: string } | undefined> {
    const entry = deps.courts.get(courtId)
    const adapter = adapters.for(courtId)
    const fetch = adapter.policy
    if (!fetch || entry?.usePolicy === false) return undefined
    const held = current(courtId, entry)
    if (held) return held.policy
    const last = cache.get(courtId)
    const made: Cached = {
      fetchedAt: deps.clock.now().getTime(),
      policy: fetch().then(
        (policy) => ({ policy, note: `policy ${policy.versionId ?? '(no version)'}` }),
        async (err: unknown) => {
          if (err instanceof CourtError && !err.retryable)
            return { policy: null, note: `the court publishes no policy (${err.message})` }
          // Could not ask now: keep what the court said last, if it said anything.
          if (last) return last.policy
          throw err
        }
      )
    }
    cache.set(courtId, made)
    made.policy.then(
      ({ policy }) => {
        made.came = policy
      },
      () => {
        if (cache.get(courtId) === made) cache.delete(courtId)
      }
    )
    return made.policy
  }

  /** The court's cached policy while it is current (asked for less than its refresh interval ago). */
  function current(courtId: string, entry = deps.courts.get(courtId)): Cached | undefined {
    const now = deps.clock.now().getTime()
    const refreshMs = (entry?.policyRefreshHours ?? DEFAULT_POLICY_REFRESH_HOURS) * 3_600_000
    const held = cache.get(courtId)
    return held && now - held.fetchedAt < refreshMs && now >= held.fetchedAt ? held : undefined
  }

  async function check(
    filing: { id: string; court_id: string },
    xml: string,
    checked?: CheckedMessage
  ): Promise<PolicyVerdict> {
    const found = await policyOf(filing.court_id)
    if (!found) return { ok: true, detail: {} }
    const { policy, note } = found
    if (!policy) return { ok: true, detail: { policy: note } }
    const problems = checked?.policy === policy ? checked.problems : await deps.messages.problems(xml, policy)
    if (problems.length > 0)
      return {
        ok: false,
        code: 'CLEARFILE_ERR_COURT_POLICY',
        message: `The court's ${note} refuses this filing: ${problems.join('; ')}`,
        detail: { policy: note, problems }
      }
    const calculate = adapters.for(filing.court_id).feesCalculation
    if (
      !calculate ||
      !policy.operations.includes('GetFeesCalculation') ||
      deps.courts.get(filing.court_id)?.calculateFees === false
    )
      return { ok: true, detail: { policy: note } }
    const fee: FeesCalculation = await calculate({ filingId: filing.id, xml })
    if (Number(fee.amount) > 0)
      return {
        ok: false,
        code: 'CLEARFILE_ERR_COURT_FEE',
        message: `The court calculates a fee of ${fee.currency} ${fee.amount} for this filing; a District Attorney files without fees (Gov. Code, § 6103), so the court's account for the office must carry the exemption before it is filed`,
        detail: { policy: note, fee }
      }
    return { ok: true, detail: { policy: note, fee } }
  }

  return {
    held: (courtId) => current(courtId)?.came ?? undefined,
    check: (filing, xml, checked) => check(filing, xml, checked).catch((err: unknown) => Promise.reject(notSent(err)))
  }
}
