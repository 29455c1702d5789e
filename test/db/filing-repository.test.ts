import { sql } from 'kysely'
import t from 'tap'
import { dialectOf } from '../../src/db/database.js'
import { listFilings } from '../../src/db/filing-repository.js'
import { newId } from '../../src/db/ids.js'
import type { FilingsTable } from '../../src/db/schema.js'
import { openTestDatabase } from '../helper.js'
import { planOf } from './query-plan.js'

t.test(
  "a page of a county's filings, in either order the API lists them, is read from an index, never a sort of every filing",
  async (t) => {
    const { db } = await openTestDatabase(t)
    // 4,000 filings in two counties, made in time order and moved in another (as sends and rulings move them).
    const start = Date.parse('2026-12-01T00:00:00.000Z')
    const filings: FilingsTable[] = Array.from({ length: 4000 }, (_, i) => ({
      id: newId(),
      county: i % 4 === 0 ? 'SAN FRANCISCO' : 'LOS ANGELES',
      court_id: i % 4 === 0 ? 'CA-SF' : 'CA-LA',
      adapter: 'simulator',
      state: 'submitted',
      court_filing_id: null,
      attempts: 1,
      last_error: null,
      review_run_id: null,
      created_at: new Date(start + i * 1000).toISOString(),
      updated_at: new Date(start + ((i * 7919) % 4000) * 1000).toISOString()
    }))
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
