import fc from 'fast-check'
import {
  type CompiledQuery,
  DummyDriver,
  type Insertable,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql
} from 'kysely'
import pg from 'pg'
import t from 'tap'
import { CopyData, CopyIn, copyStatement } from '../../src/db/copy-rows.js'
import { insertRows, insertSlices } from '../../src/db/insert-rows.js'
import type { Database, DeterminationsTable } from '../../src/db/schema.js'
import { countingStatements, openTestDatabase, TEST_DATABASE_URL } from '../helper.js'
import { peopleWithCases } from './people-with-cases.js'

const postgres = TEST_DATABASE_URL.startsWith('postgres')
const onlyPostgres = { skip: postgres ? false : 'PostgreSQL only (DATABASE_URL)' }

/** Audit rows: every column text, three of them nullable — what a field of any content is stored in. */
const auditRow = (recordId: string, detail: string | null, county: string | null = 'SAN FRANCISCO') => ({
  at: '2026-12-04T00:00:00.000Z',
  actor_id: 'test',
  actor_role: 'admin',
  county,
  action: 'probe',
  record_type: 'probe',
  record_id: recordId,
  request_id: null,
  detail
})

const storedAudit = (db: Kysely<Database>) =>
  db.selectFrom('audit_events').select(['record_id', 'detail', 'county']).orderBy('id').execute()

// What COPY's text format treats specially, and what looks like it: a field must come back as it was sent.
const ODD = [
  '\\',
  '\\N',
  'N',
  '\\.',
  '.',
  '\t',
  '\n',
  '\r',
  '\r\n',
  '\\t',
  '"',
  "'",
  ',',
  '{}',
  ' ',
  'NULL',
  'é',
  'Ω',
  '𝄞',
  '名'
]

t.test(
  'any text, null and text that looks like null or like an escape is stored exactly as given, by COPY on PostgreSQL',
  async (t) => {
    const handle = await openTestDatabase(t)
    const { db, count, reset } = countingStatements(handle.db)
    const field = fc.string({
      unit: fc.oneof(
        fc.constantFrom(...ODD),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '\0')
      ),
      maxLength: 40
    })
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(field, fc.option(field), fc.option(field)), { minLength: 100, maxLength: 160 }),
        async (values) => {
          await sql`delete from audit_events`.execute(db)
          const rows = values.map(([id, detail, county]) => auditRow(id, detail, county))
          reset()
          await insertRows(db, [{ table: 'audit_events', rows }])
          const statements = count()
          const stored = await storedAudit(db)
          // Lone surrogates cannot be written as UTF-8; both databases store U+FFFD for one.
          const wellFormed = (s: string | null) => (s === null ? null : Buffer.from(s, 'utf8').toString('utf8'))
          return (
            statements === 1 &&
            JSON.stringify(stored) ===
              JSON.stringify(
                rows.map((r) => ({
                  record_id: wellFormed(r.record_id),
                  detail: wellFormed(r.detail),
                  county: wellFormed(r.county)
                }))
              )
          )
        }
      ),
      { numRuns: 25 }
    )
    t.pass('25 draws of 100–160 rows stored as given, each in one statement')
  }
)

t.test(
  'a write of 100 rows or more is one statement of COPYs; fewer, one statement of JSON',
  onlyPostgres,
  async (t) => {
    const handle = await openTestDatabase(t)
    const texts = (n: number) => Array.from({ length: n }, (_, i) => auditRow(`r${i}`, `d${i}`))
    t.equal(
      copyStatement([
        { table: 'audit_events', rows: texts(3) },
        {
          table: 'events',
          rows: [{ county: 'X', type: 't', record_type: 'r', record_id: 'i', payload: '{}', at: 'a' }]
        }
      ]).sql,
      'copy "audit_events" ("at", "actor_id", "actor_role", "county", "action", "record_type", "record_id", "request_id", "detail") from stdin; ' +
        'copy "events" ("county", "type", "record_type", "record_id", "payload", "at") from stdin',
      'a COPY a table, its columns the first row’s keys'
    )
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await admin.connect()
    t.teardown(() => admin.end())
    // The statement a connection ran last, as the server saw it.
    const lastOn = async (pid: number) =>
      (await admin.query<{ query: string }>('select query from pg_stat_activity where pid = $1', [pid])).rows[0]!.query
    await handle.db.connection().execute(async (conn) => {
      const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn)).rows[0]!.pid
      await insertRows(conn, [{ table: 'audit_events', rows: texts(99) }])
      t.match(await lastOn(pid), /^insert into "audit_events" .* json_populate_recordset/, '99 rows: JSON')
      await insertRows(conn, [{ table: 'audit_events', rows: texts(100) }])
      t.match(await lastOn(pid), /^copy "audit_events" \(/, '100 rows: COPY')
      const { people, cases, convictions } = peopleWithCases(40)
      await insertRows(conn, [
        { table: 'people', rows: people },
        { table: 'court_cases', rows: cases },
        { table: 'convictions', rows: convictions }
      ])
      t.match(
        await lastOn(pid),
        /^copy "people" .* from stdin; copy "court_cases" .* from stdin; copy "convictions" .* from stdin$/,
        'three tables: one statement'
      )
    })
    const { rows } = await sql<{ n: string }>`select count(*) as n from audit_events`.execute(handle.db)
    t.equal(Number(rows[0]!.n), 199, 'both stored')
    const { rows: counts } = await sql<{ n: string }>`select count(*) as n from convictions`.execute(handle.db)
    t.equal(Number(counts[0]!.n), 80, 'and the three tables')
  }
)

t.test(
  'a COPY that breaks a constraint is refused with the database’s own error, and its connection serves the next statement',
  onlyPostgres,
  async (t) => {
    const handle = await openTestDatabase(t)
    await handle.db.connection().execute(async (conn) => {
      const orphan: Insertable<DeterminationsTable>[] = Array.from({ length: 120 }, (_, i) => ({
        id: `d-${i}`,
        conviction_id: `missing-${i}`,
        county: 'SAN FRANCISCO',
        outcome: 'not_eligible' as const,
        remedy: 'unknown' as const,
        explanation: '{}',
        created_at: '2026-12-04T00:00:00.000Z'
      }))
      const refused = await insertRows(conn, [{ table: 'determinations', rows: orphan }]).then(
        () => null,
        (e: { code?: string; constraint?: string }) => e
      )
      t.equal(refused?.code, '23503', 'a foreign-key violation')
      t.equal(refused?.constraint, 'determinations_conviction_id_fkey')
      const { rows } = await sql<{ n: number }>`select 1 as n`.execute(conn)
      t.same(rows, [{ n: 1 }], 'the same connection answers the next statement')
      const { rows: none } = await sql<{ n: string }>`select count(*) as n from determinations`.execute(conn)
      t.equal(Number(none[0]!.n), 0, 'nothing of the refused COPY was stored')
      // Refused before it reads its data, which was sent with it: the server ignores the data that follows.
      const audit = Array.from({ length: 500 }, (_, i) => auditRow(`r${i}`, 'x'.repeat(1000)))
      const unknown = await conn.executeQuery(copyStatement([{ table: 'no_such_table', rows: audit }])).then(
        () => null,
        (e: { code?: string }) => e
      )
      t.equal(unknown?.code, '42P01', 'a COPY into no table is refused (undefined table)')
      await insertRows(conn, [{ table: 'audit_events', rows: audit }])
      const { rows: copied } = await sql<{ n: string }>`select count(*) as n from audit_events`.execute(conn)
      t.equal(Number(copied[0]!.n), 500, 'and the next COPY on the connection stores its rows')
      // The second of three tables refused: the first is not kept, the third's data (sent already) is dropped.
      const { people, cases, convictions } = peopleWithCases(60)
      const broken = await insertRows(conn, [
        { table: 'people', rows: people },
        { table: 'court_cases', rows: cases.map((c, i) => (i === 30 ? { ...c, person_id: 'nobody' } : c)) },
        { table: 'convictions', rows: convictions }
      ]).then(
        () => null,
        (e: { code?: string; constraint?: string }) => e
      )
      t.equal(broken?.constraint, 'court_cases_person_id_fkey', 'the second table’s COPY is refused')
      const { rows: kept } = await sql<{ n: string }>`select count(*) as n from people`.execute(conn)
      t.equal(Number(kept[0]!.n), 0, 'the first table’s rows are not kept: the COPYs are one statement')
      await insertRows(conn, [
        { table: 'people', rows: people },
        { table: 'court_cases', rows: cases },
        { table: 'convictions', rows: convictions }
      ])
      const { rows: all } = await sql<{ n: string }>`select count(*) as n from convictions`.execute(conn)
      t.equal(Number(all[0]!.n), 120, 'the same rows, whole, are stored by the next statement')
    })
  }
)

t.test('a value COPY cannot carry is refused before anything is sent, naming its column', async (t) => {
  t.throws(() => copyStatement([{ table: 'audit_events', rows: [{ record_id: 'r', detail: { nested: true } }] }]), {
    name: 'TypeError',
    message: /column detail: a object cannot be copied/
  })
  t.throws(
    () => copyStatement([{ table: 'audit_events', rows: [{ record_id: 'r', detail: Number.NaN }] }]),
    /column detail/
  )
})

t.test(
  'the server ending the session in the middle of a transaction of large COPYs stores all or nothing, and the next statement gets a new connection',
  onlyPostgres,
  async (t) => {
    const handle = await openTestDatabase(t)
    const name = (await sql<{ n: string }>`select current_setting('application_name') as n`.execute(handle.db)).rows[0]!
      .n
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await admin.connect()
    t.teardown(() => admin.end())
    const outcomes: string[] = []
    // Ended after 0–400 ms, and once not at all: the write takes longer than the first few waits.
    for (const [round, wait] of [0, 20, 60, 150, 400, null].entries()) {
      const rows = Array.from({ length: 20_000 }, (_, i) => auditRow(`k${round}-${i}`, 'x'.repeat(200)))
      const writing = handle.db
        .transaction()
        .execute(async (trx) => {
          await insertRows(trx, [{ table: 'audit_events', rows }])
          await insertRows(trx, [{ table: 'audit_events', rows: rows.map((r) => ({ ...r, action: 'again' })) }])
        })
        .then(
          () => 'stored',
          (e: Error) => `refused: ${e.message}`
        )
      if (wait !== null) {
        await new Promise((resolve) => setTimeout(resolve, wait))
        await admin.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
          [name]
        )
      }
      const outcome = await writing
      // The pool drops the idle connections ended with it once their sockets close.
      await new Promise((resolve) => setTimeout(resolve, 200))
      outcomes.push(outcome.split(':')[0]!)
      const { rows: stored } = await sql<{ n: string }>`
        select count(*) as n from audit_events where record_id like ${`k${round}-%`}`.execute(handle.db)
      t.ok(
        [0, 40_000].includes(Number(stored[0]!.n)),
        `round ${round}: ${outcome.slice(0, 60)}; ${stored[0]!.n} rows stored (all or nothing)`
      )
    }
    t.ok(outcomes.includes('refused'), `ended mid-write at least once (${outcomes.join(', ')})`)
    t.equal(outcomes.at(-1), 'stored', 'the write left alone is stored whole')
  }
)

/** clearfile's PostgreSQL instance without a server: what it would send, statement by statement. */
function postgresWithoutServer(): { db: Kysely<Database>; sent: CompiledQuery[] } {
  const sent: CompiledQuery[] = []
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler()
    },
    log: (event) => {
      if (event.level === 'query') sent.push(event.query)
    }
  })
  return { db, sent }
}

const dataOf = (query: CompiledQuery) => query.parameters[0] as CopyData
const textOf = (data: CopyData, table: number) => data.tables[table]!.map((piece) => piece.toString('utf8')).join('')

t.test('what a write sends to PostgreSQL, statement by statement', async (t) => {
  const { db, sent } = postgresWithoutServer()
  const subscriptions = db.selectFrom('webhooks').select('id').where('county', '=', 'SAN FRANCISCO')
  const small = peopleWithCases(3)
  await insertRows(
    db,
    [
      { table: 'people', rows: small.people },
      { table: 'court_cases', rows: small.cases },
      { table: 'registrations', rows: [] },
      { table: 'convictions', rows: small.convictions }
    ],
    subscriptions
  )
  t.equal(sent.length, 1, 'a case’s dozen rows and the read: one statement')
  t.match(
    sent[0]!.sql,
    /^with "w0" as \(insert into "people" .*json_populate_recordset.*\), "w1" as \(insert into "court_cases" .*\), "w2" as \(insert into "convictions" .*\) \(select "id" from "webhooks"/,
    'the inserts as CTEs of the read; the empty table left out'
  )

  sent.length = 0
  const many = peopleWithCases(40)
  await insertRows(
    db,
    [
      { table: 'people', rows: many.people },
      { table: 'registrations', rows: [] },
      { table: 'court_cases', rows: many.cases },
      { table: 'convictions', rows: many.convictions }
    ],
    subscriptions
  )
  t.equal(sent.length, 2, '160 rows: the COPYs, then the read')
  t.match(sent[0]!.sql, /^copy "people" \(.*\) from stdin; copy "court_cases" \(.*\) from stdin; copy "convictions" /)
  t.equal(dataOf(sent[0]!).tables.length, 3, 'a table’s data for each COPY')
  t.equal(textOf(dataOf(sent[0]!), 2).split('\n').length - 1, 80, 'every count a line')
  t.match(sent[1]!.sql, /^select "id" from "webhooks"/)

  sent.length = 0
  const answer = await insertSlices(
    db,
    [0, 1, 2],
    (k) => [{ table: 'people', rows: peopleWithCases(120, k * 1000).people }],
    subscriptions
  )
  t.same(answer, [], 'the read’s rows (none here)')
  t.same(
    sent.map((q) => q.sql.slice(0, 13)),
    ['copy "people"', 'select "id" f', 'copy "people"', 'copy "people"'],
    'slices in order, the read answered with the first'
  )
})

t.test(
  'COPY’s text format: a row a line, tab between fields, \\N for null, escapes where a field would end',
  async (t) => {
    const query = copyStatement([
      { table: 'odd "table"', rows: [{ a: 'x\ty', b: null, c: 3, d: true, e: 10n, f: 'back\\slash\r\n' }] }
    ])
    t.equal(query.sql, 'copy "odd ""table""" ("a", "b", "c", "d", "e", "f") from stdin')
    t.equal(textOf(dataOf(query), 0), 'x\\ty\t\\N\t3\tt\t10\tback\\\\slash\\r\\n\n')
    const long = copyStatement([
      { table: 'audit_events', rows: Array.from({ length: 700 }, (_, i) => auditRow(`r${i}`, 'x'.repeat(1000))) }
    ])
    const pieces = dataOf(long).tables[0]!
    t.ok(pieces.length > 1, `700 KB of rows in ${pieces.length} pieces`)
    t.ok(
      pieces.every((piece) => piece.toString('utf8').endsWith('\n')),
      'each piece ends with a whole row'
    )
    t.equal(textOf(dataOf(long), 0).split('\n').length - 1, 700, 'and none is lost or split')
  }
)

/** The connection's side of the protocol, as messages in the order sent. */
function recordingConnection() {
  const messages: string[] = []
  return {
    messages,
    connection: {
      query: (text: string) => messages.push(`Query ${text}`),
      sendCopyFromChunk: (chunk: Buffer) => messages.push(`CopyData ${chunk.toString('utf8')}`),
      endCopyFrom: () => messages.push('CopyDone')
    } as never
  }
}

t.test('a COPY statement sends the query and every table’s data and end at once, before any answer', async (t) => {
  const data = new CopyData([[Buffer.from('a\n'), Buffer.from('b\n')], [Buffer.from('c\n')]])
  const copy = new CopyIn('copy "x" from stdin; copy "y" from stdin', data)
  const { messages, connection } = recordingConnection()
  copy.submit(connection)
  t.same(messages, [
    'Query copy "x" from stdin; copy "y" from stdin',
    'CopyData a\n',
    'CopyData b\n',
    'CopyDone',
    'CopyData c\n',
    'CopyDone'
  ])
  // The server's answers: asked for each table's data (sent already), each COPY's count, then ready.
  copy.handleCopyInResponse()
  copy.handleCommandComplete({ text: 'COPY 2' })
  copy.handleCopyInResponse()
  copy.handleCommandComplete({ text: 'COPY 1' })
  copy.handleReadyForQuery()
  const result = await copy.result
  t.equal(result.command, 'COPY')
  t.equal(result.rowCount, 3, 'the rows of every table')
  t.same(result.rows, [])

  const refused = new CopyIn('copy "x" from stdin', new CopyData([[Buffer.from('a\n')]]))
  refused.submit(recordingConnection().connection)
  const error = Object.assign(new Error('insert or update violates foreign key constraint'), { code: '23503' })
  refused.handleError(error)
  refused.handleReadyForQuery()
  await t.rejects(refused.result, error, 'an error is the answer, though the server is ready again after it')
})
