import type { Role } from '../db/api-client-repository.js'

/**
 * Who may do what, for the routes that act on a county's records and for a client (the dashboard) that shows only
 * the controls its key may use. Admin keys pass every role check.
 */
export const MAY = {
  /** Decide a determination the engine could not (POST /v1/determinations/{id}/decision, …/decisions). */
  decide: ['deputy_da'],
  /** Upload a court's outcome report (POST /v1/outcome-reports). */
  uploadOutcomeReports: ['clerk', 'deputy_da'],
  /** Prepare papers and file them (POST …/documents, POST /v1/filings). */
  file: ['deputy_da', 'da_system'],
  /** Say where a filing clearfile could not settle is: at the court or not (POST /v1/filings/{id}/settlement). */
  settle: ['deputy_da'],
  /** Cancel a filing not yet sent (POST /v1/filings/{id}/cancellation). */
  cancel: ['deputy_da', 'da_system']
} as const satisfies Record<string, readonly Role[]>

/** What a role may do, by the names of MAY. */
export function mayOf(role: Role): Record<keyof typeof MAY, boolean> {
  const may = (roles: readonly Role[]) => role === 'admin' || roles.includes(role)
  return {
    decide: may(MAY.decide),
    uploadOutcomeReports: may(MAY.uploadOutcomeReports),
    file: may(MAY.file),
    settle: may(MAY.settle),
    cancel: may(MAY.cancel)
  }
}
