import type { Kysely, Selectable } from 'kysely'
import type { Database, OutcomeReportsTable, OutcomesTable } from './schema.js'

type Db = Kysely<Database>
export type OutcomeRow = Selectable<OutcomesTable>
export type OutcomeReportRow = Selectable<OutcomeReportsTable>

export async function insertOutcomes(db: Db, rows: readonly OutcomeRow[]): Promise<void> {
  await db.insertInto('outcomes').values(rows).execute()
}

/** The outcome recorded for a conviction, if there is one. */
export async function outcomeOfConviction(
  db: Db,
  convictionId: string
): Promise<Pick<OutcomeRow, 'id' | 'result' | 'source' | 'report_id'> | undefined> {
  return db
    .selectFrom('outcomes')
    .select(['id', 'result', 'source', 'report_id'])
    .where('conviction_id', '=', convictionId)
    .executeTakeFirst()
}

/** The convictions of `convictionIds` that have an outcome recorded (a row per outcome). */
export async function convictionsWithOutcome(
  db: Db,
  convictionIds: readonly string[]
): Promise<Array<Pick<OutcomeRow, 'conviction_id'>>> {
  return db.selectFrom('outcomes').select('conviction_id').where('conviction_id', 'in', convictionIds).execute()
}

/** The convictions of `convictionIds` whose outcome a clerk's report recorded or confirmed. */
export async function convictionsWithReportedOutcome(
  db: Db,
  convictionIds: readonly string[]
): Promise<Array<Pick<OutcomeRow, 'conviction_id'>>> {
  return db
    .selectFrom('outcomes')
    .select('conviction_id')
    .where('conviction_id', 'in', convictionIds)
    .where('report_id', 'is not', null)
    .execute()
}

/** The results recorded for these convictions (a row per outcome). */
export async function outcomeResultsOf(
  db: Db,
  convictionIds: readonly string[]
): Promise<Array<Pick<OutcomeRow, 'result'>>> {
  return db.selectFrom('outcomes').select('result').where('conviction_id', 'in', convictionIds).execute()
}

/** Ties an outcome to the report (and line) that confirms it, with the order's date and docket. */
export async function confirmOutcomeByReport(
  db: Db,
  id: string,
  confirmation: Pick<OutcomeRow, 'report_id' | 'report_line' | 'order_date' | 'docket_id'>
): Promise<void> {
  await db.updateTable('outcomes').set(confirmation).where('id', '=', id).execute()
}

/** Stores a reconciled report: a new row, or the queued row of a report uploaded earlier, now done. */
export async function saveOutcomeReport(
  db: Db,
  row: Omit<OutcomeReportRow, 'state' | 'error' | 'upload_path' | 'finished_at'>,
  finishedAt: string
): Promise<void> {
  const done = { result: row.result, lines: row.lines, state: 'done' as const, error: null, upload_path: null }
  await db
    .insertInto('outcome_reports')
    .values({ ...row, ...done, finished_at: finishedAt })
    .onConflict((oc) => oc.column('id').doUpdateSet({ ...done, finished_at: finishedAt }))
    .execute()
}

/** Stores a report taken to disk, to be reconciled in the background (state `queued`). */
export async function insertQueuedOutcomeReport(
  db: Db,
  row: Omit<OutcomeReportRow, 'state' | 'error' | 'finished_at'>
): Promise<void> {
  await db
    .insertInto('outcome_reports')
    .values({ ...row, state: 'queued', error: null, finished_at: null })
    .execute()
}

/** Marks a queued report failed, with the reason its uploader is shown. */
export async function failOutcomeReport(db: Db, id: string, reason: string, at: string): Promise<void> {
  await db
    .updateTable('outcome_reports')
    .set({ state: 'failed', error: reason, upload_path: null, finished_at: at })
    .where('id', '=', id)
    .where('state', '=', 'queued')
    .execute()
}

/** The county's granted convictions since a time, with what the DOJ needs to update its record, by case and count. */
export async function grantedSince(db: Db, county: string, since: string) {
  return db
    .selectFrom('outcomes as o')
    .innerJoin('convictions as c', 'c.id', 'o.conviction_id')
    .innerJoin('court_cases as k', 'k.id', 'c.case_id')
    .innerJoin('people as p', 'p.id', 'c.person_id')
    .leftJoin('filings as f', 'f.id', 'o.filing_id')
    .select([
      'o.conviction_id',
      'o.order_date',
      'o.docket_id',
      'o.source',
      'o.created_at',
      'p.cii',
      'p.doj_subject_id',
      'k.county',
      'k.case_number',
      'f.court_id',
      'c.count_order',
      'c.code_section',
      'c.code_section_raw',
      'c.severity'
    ])
    .where('o.county', '=', county)
    .where('o.result', '=', 'granted')
    .where('o.created_at', '>=', since)
    .orderBy('k.case_number')
    .orderBy('c.count_order')
    .execute()
}

/** An outcome report the key may see (its county's, or any for admin keys); undefined otherwise. */
export async function findOutcomeReport(
  db: Db,
  id: string,
  county: string | null
): Promise<OutcomeReportRow | undefined> {
  let q = db.selectFrom('outcome_reports').selectAll().where('id', '=', id)
  if (county !== null) q = q.where('county', '=', county)
  return q.executeTakeFirst()
}
