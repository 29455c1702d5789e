import t from 'tap'
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql } from 'kysely'
import { ARRAY_FROM, ArrayParametersPlugin } from '../../src/db/array-parameters.js'
import { dialectOf } from '../../src/db/database.js'
import type { Database } from '../../src/db/schema.js'
import { openTestDatabase } from '../helper.js'

// Compiles as clearfile's PostgreSQL instance does, without a server.
const compiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler()
  },
  plugins: [new ArrayParametersPlugin()]
})
const ids = (n: number, prefix = 'f') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`)

t.test('a long in list is sent as one array parameter, the same text whatever its length', async (t) => {
  const lookUp = (list: string[]) =>
    compiler.selectFrom('filings').select('id').where('court_id', '=', 'CA-SF').where('court_filing_id', 'in', list)
  const of17 = lookUp(ids(ARRAY_FROM + 1)).compile()
  const of500 = lookUp(ids(500)).compile()
  t.equal(
    of17.sql,
    'select "id" from "filings" where "court_id" = $1 and "court_filing_id" = any($2)',
    'compared with any of one parameter'
  )
  t.equal(of500.sql, of17.sql, 'one statement text for every length')
  t.same(of500.parameters, ['CA-SF', ids(500)], 'the list is the parameter, whole and in order')
})

t.test('short lists, mixed lists, subqueries and not in are left as written', async (t) => {
  const short = compiler.selectFrom('filings').select('id').where('state', 'in', ['queued', 'submitting']).compile()
  t.equal(short.sql, 'select "id" from "filings" where "state" in ($1, $2)')
  const atLimit = compiler.selectFrom('filings').select('id').where('id', 'in', ids(ARRAY_FROM)).compile()
  t.match(atLimit.sql, /"id" in \(\$1, .*\$16\)$/, `a list of ${ARRAY_FROM} keeps its parameters`)
  const mixed = compiler
    .selectFrom('jobs')
    .select('id')
    .where('attempts', 'in', [...Array.from({ length: 20 }, (_, i) => i), 'x' as unknown as number])
    .compile()
  t.match(mixed.sql, /"attempts" in \(\$1,/, 'numbers mixed with a string: not one array')
  const numbers = compiler
    .selectFrom('jobs')
    .select('id')
    .where(
      'attempts',
      'in',
      Array.from({ length: 20 }, (_, i) => i)
    )
    .compile()
  t.equal(numbers.sql, 'select "id" from "jobs" where "attempts" = any($1)', 'numbers alone: one array')
  const sub = compiler
    .selectFrom('filings')
    .select('id')
    .where('id', 'in', compiler.selectFrom('filing_cases').select('filing_id').where('case_id', 'in', ids(30, 'k')))
    .compile()
  t.equal(
    sub.sql,
    'select "id" from "filings" where "id" in (select "filing_id" from "filing_cases" where "case_id" = any($1))',
    'the subquery stays; its own long list is one array'
  )
  const notIn = compiler.selectFrom('filings').select('id').where('id', 'not in', ids(20)).compile()
  t.match(notIn.sql, /"id" not in \(\$1,/, 'not in is left as written')
})

t.test('looked up by lists of every length, the rows found are exactly those asked for', async (t) => {
  const { db } = await openTestDatabase(t)
  // Identifiers an array literal must carry whole: quotes, commas, braces, backslashes, the word NULL, non-ASCII.
  const odd = ['a"b', "o'brien", 'x,y', '{z}', 'back\\slash', 'NULL', 'null', '', ' ', 'Ñúñez', 'é']
  const stored = Array.from({ length: 60 }, (_, i) => `${odd[i % odd.length]}#${i}`)
  const now = '2026-12-04T12:00:00.000Z'
  await db
    .insertInto('jobs')
    .values(
      stored.map((key) => ({
        kind: 'array-parameters-test',
        payload: '{}',
        dedupe_key: key,
        run_at: now,
        attempts: 0,
        max_attempts: 1,
        lock_owner: null,
        locked_until: null,
        last_error: null,
        done_at: null,
        created_at: now
      }))
    )
    .execute()
  for (const n of [1, ARRAY_FROM, ARRAY_FROM + 1, 40]) {
    // Half of them stored, half never were.
    const asked = [...stored.slice(0, n), ...stored.slice(0, n).map((k) => `${k}-absent`)]
    const rows = await db
      .selectFrom('jobs')
      .select('dedupe_key')
      .where('kind', '=', 'array-parameters-test')
      .where('dedupe_key', 'in', asked)
      .execute()
    t.same(rows.map((r) => r.dedupe_key).sort(), stored.slice(0, n).sort(), `a list of ${asked.length}`)
  }
  if (dialectOf(db) === 'postgres') {
    const { rows } = await sql<{
      n: number
    }>`select count(*)::int as n from jobs where dedupe_key = any(${stored})`.execute(db)
    t.equal(rows[0]!.n, stored.length, 'the same array given by hand finds them all')
  }
})
