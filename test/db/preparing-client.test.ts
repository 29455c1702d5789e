import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import t from 'tap'
import { isPostgresUrl } from '../../src/config.js'
import { openDatabase } from '../../src/db/database.js'
import { PreparedNames } from '../../src/db/preparing-client.js'
import { TEST_DATABASE_URL } from '../helper.js'

/*
 * PostgreSQL connections prepare the statements they are sent again and again (src/db/preparing-client.ts): seen on
 * the server as prepared statements of the session, and still right when a table changes under them.
 */
t.test(
  'a statement sent twice on a connection is prepared, and one whose rows change shape under it fails once and is sent unnamed after',
  { skip: !isPostgresUrl(TEST_DATABASE_URL) && 'PostgreSQL only' },
  async (t) => {
    const schema = `t_${randomBytes(6).toString('hex')}`
    // One connection: the prepared statements of a session are that connection's.
    const { db, destroy } = await openDatabase({ url: TEST_DATABASE_URL, schema, poolSize: 1 })
    t.teardown(async () => {
      await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(db)
      await destroy()
    })
    await sql`create table things (id integer primary key, label text)`.execute(db)
    await sql`insert into things values (1, 'one'), (2, 'two')`.execute(db)
    const prepared = async () =>
      (
        await sql<{
          statement: string
        }>`select statement from pg_prepared_statements where name like 'clearfile_%'`.execute(db)
      ).rows.map((r) => r.statement)
    const read = (id: number) => sql<Record<string, unknown>>`select * from things where id = ${id}`.execute(db)

    t.same((await read(1)).rows, [{ id: 1, label: 'one' }], 'the first time: sent unnamed')
    t.same(await prepared(), [], 'nothing prepared yet')
    t.same((await read(2)).rows, [{ id: 2, label: 'two' }], 'the second time: prepared')
    t.same(await prepared(), ['select * from things where id = $1'], 'the server holds it')
    t.same((await read(1)).rows, [{ id: 1, label: 'one' }], 'and runs it again')

    await sql`alter table things add column note text`.execute(db)
    await t.rejects(read(1), { code: '0A000' }, 'a prepared statement whose rows changed shape fails once')
    t.same(
      (await read(1)).rows,
      [{ id: 1, label: 'one', note: null }],
      'then it is sent unnamed, and reads the new shape'
    )
    t.same((await read(2)).rows, [{ id: 2, label: 'two', note: null }])

    // Behind a pooler that does not keep a session's prepared statements: none are made.
    const unprepared = await openDatabase({ url: TEST_DATABASE_URL, schema, poolSize: 1, prepareStatements: false })
    t.teardown(() => unprepared.destroy())
    for (let i = 0; i < 3; i++) await sql`select label from things where id = ${1}`.execute(unprepared.db)
    const made = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(unprepared.db)
    t.equal(made.rows[0]!.n, 0, 'with prepareStatements false, the connection prepares nothing')
  }
)

t.test(
  'a text is named the second time it is sent, the same name for the same text, never past the most a connection holds, nor once refused',
  async (t) => {
    const names = new PreparedNames(2, 3)
    t.equal(names.nameOf('select $1'), undefined, 'the first time: unnamed')
    const first = names.nameOf('select $1')
    t.match(first, /^clearfile_[0-9a-f]{40}$/, 'the second time: named')
    t.equal(names.nameOf('select $1'), first, 'the same name after')
    t.equal(names.nameOf('select $2'), undefined)
    t.not(names.nameOf('select $2'), first, 'another text, another name')
    t.equal(names.nameOf('select $3'), undefined)
    t.equal(names.nameOf('select $3'), undefined, 'past the most a connection prepares, unnamed')
    t.equal(names.nameOf('select $1'), first, 'those prepared keep their names')
    names.refuse('select $1')
    t.equal(names.nameOf('select $1'), undefined, 'a refused text is sent unnamed')

    const counting = new PreparedNames(10, 2)
    counting.nameOf('a $1')
    counting.nameOf('b $1')
    counting.nameOf('c $1')
    t.equal(counting.nameOf('a $1'), undefined, 'counts start again past the texts counted: a is new again')
    t.ok(counting.nameOf('c $1'), 'c, counted after, is named')
  }
)

t.test(
  'a connection the server ends while a query runs leaves the pool: the next query gets a new one, prepared or not',
  { skip: !isPostgresUrl(TEST_DATABASE_URL) && 'PostgreSQL only' },
  async (t) => {
    for (const prepareStatements of [true, false]) {
      const name = `clearfile-ended-${randomBytes(4).toString('hex')}`
      // One connection: the query after must come from the same pool as the one whose session ended.
      const one = await openDatabase({ url: TEST_DATABASE_URL, poolSize: 1, applicationName: name, prepareStatements })
      const other = await openDatabase({ url: TEST_DATABASE_URL, poolSize: 1 })
      t.teardown(() => Promise.all([one.destroy(), other.destroy()]))
      const pid = async () => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(one.db)).rows[0]!.pid
      // Twice: prepared the second time, where statements are prepared.
      const before = await pid()
      t.equal(await pid(), before)
      const sleeping = sql`select pg_sleep(30)`.execute(one.db)
      sleeping.catch(() => {})
      // As an administrator or a failover ends it: the backend, while it runs the query.
      for (let ended = false; !ended; ) {
        const { rows } = await sql<{ ended: boolean }>`
          select pg_terminate_backend(pid) as ended from pg_stat_activity
          where application_name = ${name} and state = 'active' and query like 'select pg_sleep%'`.execute(other.db)
        ended = rows.some((r) => r.ended)
      }
      await t.rejects(sleeping, { code: '57P01' }, `${prepareStatements ? 'prepared' : 'unprepared'}: the query fails`)
      const after = await pid()
      t.not(after, before, 'and the very next query runs, on a new connection')
    }
  }
)
