import { sql } from 'kysely'
import t from 'tap'
import { dialectOf } from '../../src/db/database.js'
import { type ListedFiling, listFilings, listFilingsWithDefendants } from '../../src/db/filing-repository.js'
import { insertRows } from '../../src/db/insert-rows.js'
import { newId } from '../../src/db/ids.js'
import type { FilingsTable } from '../../src/db/schema.js'
import { openTestDatabase } from '../helper.js'
import { peopleWithCases } from './people-with-cases.js'
import { planOf } from './query-plan.js'

/** A filing of `county` at its court, made `created` and last moved `updated` seconds after the first of December. */
function submittedFiling(county: 'SAN FRANCISCO' | 'LOS ANGELES', created: number, updated: number): FilingsTable {
  const start = Date.parse('2026-12-01T00:00:00.000Z')
  return {
    id: newId(),
    county,
    court_id: county === 'SAN FRANCISCO' ? 'CA-SF' : 'CA-LA',
    adapter: 'simulator',
    state: 'submitted',
    court_filing_id: null,
    attempts: 1,
    last_error: null,
    review_run_id: null,
    created_at: new Date(start + created * 1000).toISOString(),
    updated_at: new Date(start + updated * 1000).toISOString()
  }
}

t.test(
  "a page of a county's filings, in either order the API lists them, is read from an index, never a sort of every filing",
  async (t) => {
    const { db } = await openTestDatabase(t)
    // 4,000 filings in two counties, made in time order and moved in another (as sends and rulings move them).
    const filings = Array.from({ length: 4000 }, (_, i) =>
      submittedFiling(i % 4 === 0 ? 'SAN FRANCISCO' : 'LOS ANGELES', i, (i * 7919) % 4000)
    )
    for (let i = 0; i < filings.length; i += 500)
      await db
        .insertInto('filings')
        .values(filings.slice(i, i + 500))
        .execute()
    if (dialectOf(db) === 'postgres') await sql`analyze filings`.execute(db)
    const la = filings.filter((f) => f.county === 'LOS ANGELES')
    for (const [sort, index, order] of [
      ['created', 'filings_county_id', (f: FilingsTable) => f.id],
      ['updated', 'filings_county_updated', (f: FilingsTable) => `${f.updated_at} ${f.id}`]
    ] as const) {
      for (const direction of ['asc', 'desc'] as const) {
        const read = (d: typeof db) => listFilings(d, { county: 'LOS ANGELES', sort, direction, limit: 21 })
        const plan = await planOf(db, read)
        // PostgreSQL may walk the primary key instead, for a county with most of the filings: also no sort.
        t.match(plan, new RegExp(`\\b(${index}|filings_pkey)\\b`), `sort=${sort}, ${direction}: by ${index}`)
        t.notMatch(plan, /\bSort\b|TEMP B-TREE|Seq Scan|\bSCAN f\b/, `sort=${sort}, ${direction}: nothing sorted`)
        const expected = [...la].sort((a, b) => order(a).localeCompare(order(b)))
        if (direction === 'desc') expected.reverse()
        t.same(
          (await read(db)).map((f) => f.id),
          expected.slice(0, 21).map((f) => f.id),
          `sort=${sort}, ${direction}: the county's first 21 in that order`
        )
      }
    }
  }
)

t.test(
  'a page of filings read with whom each is for names the person and every case number of each filing, in the page order',
  async (t) => {
    const { db } = await openTestDatabase(t)
    const { people, cases, convictions } = peopleWithCases(30)
    // Every third person has a second case in the same filing; three filings have no case at all.
    const second = cases.flatMap((k, i) => (i % 3 === 0 ? [{ ...k, id: newId(), case_number: `SCA${i}` }] : []))
    await insertRows(db, [
      { table: 'people', rows: people },
      { table: 'court_cases', rows: [...cases, ...second] },
      { table: 'convictions', rows: convictions }
    ])
    const filings = Array.from({ length: 33 }, (_, i) => submittedFiling('SAN FRANCISCO', i, (i * 17) % 33))
    const casesOf = (i: number) => [cases[i]!, ...second.filter((k) => k.person_id === cases[i]!.person_id)]
    await insertRows(db, [
      { table: 'filings', rows: filings },
      {
        table: 'filing_cases',
        rows: filings.slice(0, 30).flatMap((f, i) => casesOf(i).map((k) => ({ filing_id: f.id, case_id: k.id })))
      }
    ])
    const expected = filings.map((f, i) => ({
      id: f.id,
      updatedAt: f.updated_at,
      defendant: i < 30 ? { id: people[i]!.id, name: people[i]!.name } : null,
      caseNumbers:
        i < 30
          ? casesOf(i)
              .map((k) => k.case_number)
              .sort()
          : []
    }))
    const byUpdated = [...expected].sort((a, b) => `${a.updatedAt} ${a.id}`.localeCompare(`${b.updatedAt} ${b.id}`))
    const seen = (rows: ListedFiling[]) =>
      rows.map((f) => ({ id: f.id, updatedAt: f.updated_at, defendant: f.defendant, caseNumbers: f.caseNumbers }))
    const q = { county: 'SAN FRANCISCO', sort: 'updated' as const, limit: 11 }
    t.same(seen(await listFilingsWithDefendants(db, { ...q, direction: 'asc' })), byUpdated.slice(0, 11), 'first page')
    t.same(
      seen(await listFilingsWithDefendants(db, { ...q, direction: 'desc' })),
      [...byUpdated].reverse().slice(0, 11),
      'first page, newest first'
    )
    const after = byUpdated[10]!
    t.same(
      seen(
        await listFilingsWithDefendants(db, {
          ...q,
          direction: 'asc',
          cursor: { value: after.updatedAt, id: after.id }
        })
      ),
      byUpdated.slice(11, 22),
      'the page after a cursor'
    )
    t.same(
      seen(await listFilingsWithDefendants(db, { ...q, sort: 'created', direction: 'asc', limit: 40 })),
      expected,
      'every filing by creation, the caseless three last with no one named'
    )
    t.same(
      (await listFilingsWithDefendants(db, { ...q, direction: 'asc', limit: 40 })).map((f) => f.id),
      (await listFilings(db, { ...q, direction: 'asc', limit: 40 })).map((f) => f.id),
      'the same filings as listFilings, in its order'
    )
  }
)
