import type { Migration } from 'kysely'

/**
 * The court's own id for a case (`nc:CaseTrackingID`), where the DA's system knows one besides the case number:
 * filings carry it, and a court's filing list is narrowed and matched by it.
 */
export const courtCaseIds: Migration = {
  async up(db) {
    await db.schema.alterTable('court_cases').addColumn('court_case_id', 'text').execute()
  },
  async down(db) {
    await db.schema.alterTable('court_cases').dropColumn('court_case_id').execute()
  }
}
