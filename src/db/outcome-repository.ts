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

export async function insertOutcomeReport(db: Db, row: OutcomeReportRow): Promise<void> {
  await db.insertInto('outcome_reports').values(row).execute()
}
