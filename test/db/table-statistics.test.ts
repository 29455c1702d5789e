import t from 'tap'
import { type Kysely, sql } from 'kysely'
import { dialectOf } from '../../src/db/database.js'
import { casesWithPeople, identitiesOnFile, insertCases, insertPeople } from '../../src/db/case-repository.js'
import type { Database } from '../../src/db/schema.js'
import { refreshStaleStatistics, statisticsKeeper } from '../../src/db/table-statistics.js'
import { newCaseRows, newPersonRow } from '../../src/ingest/person-records.js'
import { countingStatements, openTestDatabase, TEST_DATABASE_URL } from '../helper.js'
import { planOf } from './query-plan.js'

const postgres = TEST_DATABASE_URL.startsWith('postgres')

const NOW = '2026-12-01T12:00:00.000Z'

/**
 * `n` people with a case each, stored as a review stores a batch, on one connection; the cases' ids. PostgreSQL
 * counts a backend's changes in its statistics a second or more after they commit: that connection is asked to
 * count them now, as a real run's check finds them some batches later.
 */
async function storePeopleWithCases(db: Kysely<Database>, n: number, from: number): Promise<string[]> {
  const people = Array.from({ length: n }, (_, i) =>
    newPersonRow(
      { name: `PERSON, NUMBER ${from + i}`, dob: '1970-01-01' },
      { county: 'SAN FRANCISCO', now: NOW, audit: [] }
    )
  )
  const cases = people.map(
    (p, i) =>
      newCaseRows(
        p.id,
        'SAN FRANCISCO',
        { courtId: 'CA-SF', caseNumber: `SCN${from + i}`, cycle: null, source: 'doj', createdBy: null, counts: [] },
        NOW
      ).kase
  )
  await db.connection().execute(async (conn) => {
    await insertPeople(conn, people)
    await insertCases(conn, cases, [])
    if (dialectOf(conn) === 'postgres') await sql`select pg_stat_force_next_flush()`.execute(conn)
  })
  return cases.map((c) => c.id)
}

/** The tables whose statistics PostgreSQL last gathered after `since` (by ANALYZE, not autovacuum). */
async function analysedSince(db: Kysely<Database>, since: Date): Promise<string[]> {
  const { rows } = await sql<{ table: string }>`
    select relname as "table" from pg_stat_user_tables
    where schemaname = current_schema() and last_analyze > ${since.toISOString()}::timestamptz
    order by relname`.execute(db)
  return rows.map((r) => r.table)
}

t.test(
  'statistics on SQLite are left to SQLite: nothing is analysed',
  { skip: postgres ? 'SQLite only' : false },
  async (t) => {
    const handle = await openTestDatabase(t)
    await storePeopleWithCases(handle.db, 500, 0)
    t.same(await refreshStaleStatistics(handle.db), [], 'no table named')
  }
)

t.test(
  'a table filled in bulk is analysed, and again only once it has changed by as many rows as it then held',
  { skip: postgres ? false : 'PostgreSQL only (DATABASE_URL)' },
  async (t) => {
    const handle = await openTestDatabase(t)
    const { db } = handle
    const start = new Date()
    await storePeopleWithCases(db, 2000, 0)
    const first = await refreshStaleStatistics(db)
    t.same(first, ['court_cases', 'people'], 'the two tables written')
    t.same(await analysedSince(db, start), ['court_cases', 'people'], 'PostgreSQL recorded their ANALYZE')
    t.same(await refreshStaleStatistics(db), [], 'unchanged since: nothing to do')

    // 1,000 more of the 2,000 analysed is less than 50 + 2,000: still current. 1,100 more again is past it.
    await storePeopleWithCases(db, 1000, 2000)
    t.same(await refreshStaleStatistics(db), [], '1,000 rows more: not yet')
    await storePeopleWithCases(db, 1100, 3000)
    t.same(await refreshStaleStatistics(db), ['court_cases', 'people'], '2,100 rows more: analysed again')
  }
)

t.test(
  'after a county is stored, reading a page of its cases goes by index and not through whole tables',
  { skip: postgres ? false : 'PostgreSQL only (DATABASE_URL)' },
  async (t) => {
    const handle = await openTestDatabase(t)
    const { db } = handle
    const caseIds = await storePeopleWithCases(db, 20_000, 0)
    const page = caseIds.filter((_, i) => i % 200 === 0)
    const read = (on: Kysely<Database>) => casesWithPeople(on, page)

    // Never analysed, an in-list of 100 ids is taken to match half the table: both tables are read whole.
    const before = await planOf(db, read)
    t.match(before, /Seq Scan on people/, `before: ${before}`)

    t.same(await refreshStaleStatistics(db), ['court_cases', 'people'], 'the check analyses both')
    const after = await planOf(db, read)
    t.notMatch(after, /Seq Scan/, `after: ${after}`)
    t.match(after, /Index Scan using people_pkey/, 'each person looked up by id')
    t.equal((await read(db)).size, page.length, 'and it reads the page')
  }
)

t.test(
  'the statistics keeper analyses in the background, one refresh at a time and at most once an interval',
  { skip: postgres ? false : 'PostgreSQL only (DATABASE_URL)' },
  async (t) => {
    const handle = await openTestDatabase(t)
    const counting = countingStatements(handle.db)
    const errors: unknown[] = []
    const keeper = statisticsKeeper(counting.db, (err) => errors.push(err), 60_000)
    const start = new Date()
    await storePeopleWithCases(handle.db, 2000, 0)
    counting.reset()
    keeper.keep()
    keeper.keep()
    await keeper.settled()
    t.same(await analysedSince(handle.db, start), ['court_cases', 'people'], 'both tables written were analysed')
    t.equal(counting.count(), 2, 'once: the check and its ANALYZE, though asked twice while it ran')

    const later = new Date()
    await storePeopleWithCases(handle.db, 2100, 2000)
    counting.reset()
    keeper.keep()
    await keeper.settled()
    t.equal(counting.count(), 0, 'asked again within the interval: nothing sent')
    t.same(await analysedSince(handle.db, later), [], 'nothing analysed')

    const eager = statisticsKeeper(handle.db, (err) => errors.push(err), 0)
    eager.keep()
    await eager.settled()
    t.same(await analysedSince(handle.db, later), ['court_cases', 'people'], 'with the interval up, analysed again')
    t.same(errors, [], 'no refresh failed')
  }
)

t.test(
  'a refresh whose connection PostgreSQL drops is reported, not thrown, and the next one runs on a new connection',
  { skip: postgres ? false : 'PostgreSQL only (DATABASE_URL)' },
  async (t) => {
    const handle = await openTestDatabase(t)
    const { db } = handle
    // Enough rows that the ANALYZE runs long enough to be caught at it.
    await storePeopleWithCases(db, 20_000, 0)
    const { rows: me } = await sql<{ app: string }>`select current_setting('application_name') as app`.execute(db)
    const errors: unknown[] = []
    const keeper = statisticsKeeper(db, (err) => errors.push(err), 0)
    const start = new Date()
    keeper.keep()
    let settled = false
    const done = keeper.settled().then(() => {
      settled = true
    })
    // As a failover or an administrator's pg_terminate_backend ends it: the backend running the ANALYZE.
    let terminated = 0
    while (!settled && terminated === 0) {
      const { rows } = await sql<{ ended: boolean }>`
        select pg_terminate_backend(pid) as ended from pg_stat_activity
        where application_name = ${me[0]!.app} and pid <> pg_backend_pid() and state = 'active'
          and query ilike 'analyze%'`.execute(db)
      terminated = rows.filter((r) => r.ended).length
    }
    await done
    t.equal(terminated, 1, 'the ANALYZE was caught running and its backend ended')
    t.equal(errors.length, 1, 'the failure reported once')
    t.match(String(errors[0]), /terminat/i, 'as the dropped connection it was')
    t.same(await analysedSince(db, start), [], 'nothing analysed')

    keeper.keep()
    await keeper.settled()
    t.same(await analysedSince(db, start), ['court_cases', 'people'], 'the next refresh analysed both tables')
    t.equal(errors.length, 1, 'and failed no more')
  }
)

t.test('the statistics keeper sends nothing on SQLite', { skip: postgres ? 'SQLite only' : false }, async (t) => {
  const handle = await openTestDatabase(t)
  const counting = countingStatements(handle.db)
  const keeper = statisticsKeeper(counting.db, (err) => t.fail(String(err)), 0)
  keeper.keep()
  await keeper.settled()
  t.equal(counting.count(), 0)
})

t.test(
  "a batch's 1,000 people are looked up among a county's 20,000 by its identifier indexes, not by reading the county",
  { skip: postgres ? false : 'PostgreSQL only (DATABASE_URL)' },
  async (t) => {
    const handle = await openTestDatabase(t)
    const { db } = handle
    const people = Array.from({ length: 20_000 }, (_, i) =>
      newPersonRow(
        { name: `PERSON, NUMBER ${i}`, dob: '1970-01-01', dojSubjectId: String(50_000_000 + i), cii: `A${i}` },
        { county: 'SAN FRANCISCO', now: NOW, audit: [] }
      )
    )
    await insertPeople(db, people)
    await sql`select pg_stat_force_next_flush()`.execute(db)
    t.same(await refreshStaleStatistics(db), ['people'])
    // Half on file, half new: a batch as a DA system sends one.
    const asked = {
      dojSubjectIds: Array.from({ length: 1000 }, (_, i) => String(50_019_500 + i)),
      ciis: Array.from({ length: 1000 }, (_, i) => `A${19_500 + i}`)
    }
    const read = (on: Kysely<Database>) => identitiesOnFile(on, 'SAN FRANCISCO', asked)
    // The plan a prepared statement settles on: the one a county's batches after its first few are looked up with.
    const plan = await planOf(db, read, { generic: true })
    t.match(plan, /people_county_subject/, `by (county, DOJ subject id): ${plan}`)
    t.match(plan, /people_county_cii\b/, 'and by (county, CII)')
    t.notMatch(plan, /Filter:/, 'no row of the county read and thrown away')
    const found = await read(db)
    t.equal(found.dojSubjectIds.size, 500)
    t.equal(found.ciis.size, 500)
  }
)
