import { type Migration, sql } from 'kysely'

/**
 * Indexes for the listings' search box (src/db/record-search.ts): a case number or CII is compared in any case,
 * so the index is on `upper(…)`; a filing is found by the court's filing id within a county; and a case's filings
 * are found from the case (search, and whether a case is already filed).
 */
export const searchIndexes: Migration = {
  async up(db) {
    await sql`create index court_cases_county_case_number on court_cases (county, upper(case_number))`.execute(db)
    await sql`create index people_county_cii_upper on people (county, upper(cii))`.execute(db)
    await db.schema
      .createIndex('filings_county_court_filing_id')
      .on('filings')
      .columns(['county', 'court_filing_id'])
      .execute()
    await db.schema.createIndex('filing_cases_case').on('filing_cases').column('case_id').execute()
  },
  async down(db) {
    for (const index of [
      'filing_cases_case',
      'filings_county_court_filing_id',
      'people_county_cii_upper',
      'court_cases_county_case_number'
    ])
      await db.schema.dropIndex(index).execute()
  }
}
