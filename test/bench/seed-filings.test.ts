import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { seedFilings } from '../../bench/seed-filings.js'
import { fixedClock } from '../../src/clock.js'
import { loadConfig } from '../../src/config.js'
import { openTestDatabase, sanFranciscoCourtsFile, TEST_DATABASE_URL } from '../helper.js'

const DA_PROFILES = fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))

/*
 * The seeding the crash test, the workers test and bench:filing start from: cases taken in, papers drawn, each case
 * queued for filing with CA-SF. What they count on is checked here, where it is quick.
 */
t.test(
  'seeded filings are queued with CA-SF, one case each, each with its motion and proposed order stored',
  async (t) => {
    const { db, dialect } = await openTestDatabase(t)
    const dataDir = mkdtempSync(join(tmpdir(), 'clearfile-seed-'))
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
    const config = loadConfig({
      env: {},
      overrides: {
        databaseUrl: TEST_DATABASE_URL,
        dataDir,
        daProfilesFile: DA_PROFILES,
        courtsFile: sanFranciscoCourtsFile('http://127.0.0.1:1/ecf'),
        runJobs: false,
        messageThreads: 0
      }
    })
    const clock = fixedClock('2026-12-02T12:00:00.000Z')
    const first = await seedFilings({ db, dialect, config, clock, count: 3, countsPerCase: 2 })
    const more = await seedFilings({ db, dialect, config, clock, count: 2, first: 3, unicodeNames: true })
    const ids = [...first, ...more]
    t.equal(new Set(ids).size, 5, 'five filings, each its own')
    const filings = await db.selectFrom('filings').select(['id', 'state', 'court_id', 'county']).orderBy('id').execute()
    t.same(
      filings.map((f) => `${f.state} ${f.court_id} ${f.county}`),
      Array(5).fill('queued CA-SF SAN FRANCISCO'),
      'every one queued with CA-SF'
    )
    t.same(filings.map((f) => f.id).sort(), [...ids].sort())
    const cases = await db.selectFrom('filing_cases').select('filing_id').execute()
    t.equal(cases.length, 5, 'one case a filing')
    const documents = await db
      .selectFrom('filing_documents as fd')
      .innerJoin('documents as d', 'd.id', 'fd.document_id')
      .select(['fd.filing_id', 'd.kind'])
      .execute()
    for (const id of ids)
      t.same(
        documents
          .filter((d) => d.filing_id === id)
          .map((d) => d.kind)
          .sort(),
        ['motion', 'proposed_order'],
        `${id}: a motion and a proposed order`
      )
    const counts = await db.selectFrom('convictions').select('case_id').execute()
    t.equal(counts.length, 3 * 2 + 2, 'the counts asked for: two a case, then one')
  }
)
