import type { Kysely } from 'kysely'
import { toCsv } from '../csv.js'
import { latestDeterminations } from '../db/determination-repository.js'
import type { Database } from '../db/schema.js'
import { effectiveOutcome } from '../eligibility/relief-grounds.js'
import { grantedSince } from '../db/outcome-repository.js'

/** What a granted motion changes the disposition to, as the court's order says it (HS 11361.8(b), (e)-(f)). */
const NEW_DISPOSITION: Record<string, string> = {
  dismiss_and_seal: 'DISMISSED AND SEALED - HS 11361.8',
  reduce_to_misdemeanor: 'REDUCED TO MISDEMEANOR - HS 11361.8',
  reduce_to_infraction: 'REDESIGNATED INFRACTION - HS 11361.8'
}
const SEVERITY: Record<string, string> = { F: 'FELONY', M: 'MISDEMEANOR', I: 'INFRACTION' }

export const DOJ_UPDATE_COLUMNS = [
  'cii',
  'doj_subject_id',
  'county',
  'court',
  'case_number',
  'count_order',
  'code_section',
  'original_disposition',
  'new_disposition',
  'order_date',
  'docket_id',
  'source'
] as const

/**
 * The DOJ update file: one row per conviction a court granted relief on (its
 * outcome `granted`, recorded since `since`), with the person's CII and DOJ
 * subject id, the case and count, the disposition before and the one the order
 * makes — what DOJ needs to change the record (HS 11361.9 asks the courts to
 * update DOJ), so the relief shows on background checks. Counts only a deputy
 * decided or the engine determined for relief are listed; a partial grant lists
 * the counts the clerk's report granted.
 */
export async function dojUpdateRows(
  db: Kysely<Database>,
  county: string,
  since: string
): Promise<{ csv: string; rows: number }> {
  const granted = await grantedSince(db, county, since)
  const latest = await latestDeterminations(
    db,
    granted.map((g) => g.conviction_id)
  )
  const rows: Array<ReadonlyArray<unknown>> = [DOJ_UPDATE_COLUMNS]
  for (const g of granted) {
    const d = latest.get(g.conviction_id)
    const newDisposition = d ? NEW_DISPOSITION[effectiveOutcome(d)] : undefined
    if (!newDisposition) continue
    rows.push([
      g.cii,
      g.doj_subject_id,
      g.county,
      g.court_id,
      g.case_number,
      g.count_order,
      g.code_section ?? g.code_section_raw,
      `CONVICTED - ${g.severity ? SEVERITY[g.severity] : 'SEVERITY NOT RECORDED'}`,
      newDisposition,
      g.order_date,
      g.docket_id,
      g.source
    ])
  }
  // Docket ids come from the clerk's report and case numbers from outside: toCsv neutralises formula-looking text.
  return { csv: toCsv(rows), rows: rows.length - 1 }
}
