import t from 'tap'
import type { FilingsTable } from '../../src/db/schema.js'
import { filingOfCallback } from '../../src/filing/court-callbacks.js'
import { openTestDatabase } from '../helper.js'

/*
 * One e-filing manager calling back for several courts with one credential: the callback's filing is looked for
 * among the filings of every court the credential names.
 */
t.test(
  "a callback's filing is found among the courts its credential names, and never guessed between two",
  async (t) => {
    const { db } = await openTestDatabase(t)
    const filing = (id: string, court: string, courtFilingId: string | null): FilingsTable => ({
      id,
      county: court === 'CA-ALAMEDA' ? 'ALAMEDA' : 'KERN',
      court_id: court,
      adapter: 'simulator',
      state: 'submitted',
      court_filing_id: courtFilingId,
      attempts: 1,
      last_error: null,
      review_run_id: null,
      created_at: '2026-12-02T08:00:00.000Z',
      updated_at: '2026-12-02T08:00:00.000Z'
    })
    await db
      .insertInto('filings')
      .values([
        filing('F-ALAMEDA', 'CA-ALAMEDA', 'EFM-1'),
        filing('F-KERN', 'CA-KERN', 'EFM-2'),
        // Two courts of one manager that number alike: EFM-7 names a filing in each.
        filing('F-ALAMEDA-7', 'CA-ALAMEDA', 'EFM-7'),
        filing('F-KERN-7', 'CA-KERN', 'EFM-7')
      ])
      .execute()
    const both = ['CA-ALAMEDA', 'CA-KERN']
    const find = async (courts: string[], ids: { ours?: string; courtIds?: string[] }) => {
      const found = await filingOfCallback(db, courts, {
        ours: ids.ours,
        courtIds: ids.courtIds ?? [],
        documentHashes: []
      })
      return found ? `${found.filing.id} (${found.filing.court_id}, by ${found.by})` : 'none'
    }
    t.equal(await find(both, { ours: 'F-KERN' }), 'F-KERN (CA-KERN, by filer id)', 'the second court, by our id')
    t.equal(await find(both, { courtIds: ['EFM-2'] }), 'F-KERN (CA-KERN, by court id)', "by the court's id")
    t.equal(await find(both, { courtIds: ['EFM-1'] }), 'F-ALAMEDA (CA-ALAMEDA, by court id)')
    t.equal(await find(both, { courtIds: ['EFM-7'] }), 'none', 'a court id two of the courts gave: not guessed')
    t.equal(await find(['CA-KERN'], { courtIds: ['EFM-7'] }), 'F-KERN-7 (CA-KERN, by court id)', 'one court: its own')
    t.equal(
      await find(['CA-ALAMEDA'], { ours: 'F-KERN' }),
      'none',
      "a court's credential never reaches another's filing"
    )
  }
)
