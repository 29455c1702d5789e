import { sql } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { isPostgresUrl } from '../../src/config.js'
import { isDatabaseUnavailable } from '../../src/db/database.js'
import type { FilingsTable } from '../../src/db/schema.js'
import { filingEvents, insertHintOnce } from '../../src/db/filing-repository.js'
import {
  callbackDigest,
  filingOfCallback,
  recordCallback,
  recordCallbackHint,
  recordNamedCallback
} from '../../src/filing/court-callbacks.js'
import { POLL_JOB } from '../../src/filing/filing-jobs.js'
import { enqueue } from '../../src/jobs/job-definition.js'
import { countingStatements, openTestDatabase, TEST_DATABASE_URL, until } from '../helper.js'

/** A filing at a court (Kern's unless told), `submitted` unless told. */
const filingRow = (
  id: string,
  o: { court?: string; state?: FilingsTable['state']; courtFilingId: string | null }
): FilingsTable => ({
  id,
  county: o.court === 'CA-ALAMEDA' ? 'ALAMEDA' : 'KERN',
  court_id: o.court ?? 'CA-KERN',
  adapter: 'simulator',
  state: o.state ?? 'submitted',
  court_filing_id: o.courtFilingId,
  attempts: 1,
  last_error: null,
  review_run_id: null,
  created_at: '2026-12-02T08:00:00.000Z',
  updated_at: '2026-12-02T08:00:00.000Z'
})

/*
 * One e-filing manager calling back for several courts with one credential: the callback's filing is looked for
 * among the filings of every court the credential names.
 */
t.test(
  "a callback's filing is found among the courts its credential names, and never guessed between two",
  async (t) => {
    const { db } = await openTestDatabase(t)
    const filing = (id: string, court: string, courtFilingId: string | null) => filingRow(id, { court, courtFilingId })
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

t.test(
  "a callback's hint is put on the timeline once per digest and source, whatever a text on the timeline holds",
  async (t) => {
    const { db } = await openTestDatabase(t)
    await db
      .insertInto('filings')
      .values(filingRow('F-1', { courtFilingId: 'EFM-1' }))
      .execute()
    const now = new Date('2026-12-02T09:00:00.000Z')
    const filing = { id: 'F-1', state: 'submitted' as const, court_filing_id: 'EFM-1' }
    const said = (status: string) => ({ status, identifications: [{ id: 'EFM-1', category: null }], documents: [] })
    const accepted = callbackDigest(said('accepted'))
    const hint = (digest: string) => ({ status: 'accepted', documents: 0, digest })
    // A poll's unread status text that quotes the callback's digest as a JSON member: escaped as stored, no match.
    t.ok(
      await insertHintOnce(db, {
        filingId: 'F-1',
        from: 'submitted',
        to: 'submitted',
        at: now.toISOString(),
        source: 'poll',
        detail: { text: `"digest":"${accepted}"`, digest: callbackDigest(said('text')) }
      })
    )
    t.equal(await recordCallbackHint(db, filing, hint(accepted), now), true, 'the first callback is recorded')
    t.equal(await recordCallbackHint(db, filing, hint(accepted), now), false, 'the same again is a replay')
    t.equal(await recordCallbackHint(db, filing, hint(callbackDigest(said('rejected'))), now), true, 'another is not')
    t.same(
      (await filingEvents(db, 'F-1')).map((e) => e.source),
      ['poll', 'callback', 'callback'],
      'three hints on the timeline'
    )
    await t.rejects(
      insertHintOnce(db, {
        filingId: 'F-1',
        from: 'submitted',
        to: 'submitted',
        at: now.toISOString(),
        source: 'poll',
        detail: { digest: '%' }
      }),
      /64 hex digits/,
      'a digest that is not one is refused, never matched as a pattern'
    )
  }
)

t.test(
  'a callback is recorded whole: hint, poll brought forward and audit row; a replay is audited as one and changes nothing; a filing awaiting its court id is settled',
  async (t) => {
    const { db } = await openTestDatabase(t)
    const row = (id: string, state: FilingsTable['state'], courtFilingId: string | null) =>
      filingRow(id, { state, courtFilingId })
    await db
      .insertInto('filings')
      .values([
        row('F-WAITING', 'submitted', 'EFM-1'),
        row('F-DONE', 'granted', 'EFM-2'),
        row('F-SENDING', 'submitting', null)
      ])
      .execute()
    const now = new Date('2026-12-02T09:00:00.000Z')
    const later = new Date('2026-12-02T10:00:00.000Z')
    await enqueue(db, POLL_JOB, { filingId: 'F-WAITING' }, { runAt: later, now })
    const audit = {
      principal: { clientId: 'court-callback', role: 'admin' as const, county: 'KERN' },
      requestId: 'r',
      now
    }
    const record = async (filing: FilingsTable, status: string, courtFilingId?: string) =>
      recordCallback(db, {
        filing,
        by: 'court id',
        courtFilingId,
        hint: { status, documents: 2, digest: callbackDigest({ status, identifications: [], documents: [] }) },
        audit,
        now
      })
    const pollOf = (id: string) =>
      db
        .selectFrom('jobs')
        .select('run_at')
        .where('dedupe_key', '=', POLL_JOB.key({ filingId: id }))
        .where('done_at', 'is', null)
        .executeTakeFirst()
    const audited = async () =>
      (await db.selectFrom('audit_events').select(['action', 'record_id']).orderBy('id').execute()).map(
        (a) => `${a.action} ${a.record_id}`
      )
    const hints = async (id: string) =>
      (await filingEvents(db, id)).map((e) => `${e.source} ${e.from_state}->${e.to_state}`)

    await record(row('F-WAITING', 'submitted', 'EFM-1'), 'accepted')
    t.same(await pollOf('F-WAITING'), { run_at: now.toISOString() }, 'its waiting poll is brought forward to now')
    t.same(await hints('F-WAITING'), ['callback submitted->submitted'], 'the hint is on the timeline')
    await db.updateTable('jobs').set({ run_at: later.toISOString() }).execute()
    await record(row('F-WAITING', 'submitted', 'EFM-1'), 'accepted')
    t.same(await pollOf('F-WAITING'), { run_at: later.toISOString() }, 'a replay brings nothing forward')
    t.same(await hints('F-WAITING'), ['callback submitted->submitted'], 'nor adds to the timeline')

    await record(row('F-DONE', 'granted', 'EFM-2'), 'accepted')
    t.same(await pollOf('F-DONE'), { run_at: now.toISOString() }, 'a receipted filing with no poll waiting gets one')

    const settled = await record(row('F-SENDING', 'submitting', null), 'accepted', 'EFM-3')
    t.same([settled.state, settled.court_filing_id], ['submitted', 'EFM-3'], 'a filing still sending is settled')
    t.same(
      (await db.selectFrom('filings').select(['state', 'court_filing_id']).where('id', '=', 'F-SENDING').execute())[0],
      { state: 'submitted', court_filing_id: 'EFM-3' }
    )
    t.same(await hints('F-SENDING'), ['callback submitting->submitted', 'callback submitted->submitted'])
    t.same(
      await audited(),
      [
        'filing.callback F-WAITING',
        'filing.callback_replayed F-WAITING',
        'filing.callback F-DONE',
        'filing.callback F-SENDING'
      ],
      'each callback audited once, the replay as a replay'
    )
  }
)

t.test(
  'a callback naming our filing id is found and recorded in one statement on PostgreSQL, and in one transaction on SQLite; one naming another court’s filing, none',
  async (t) => {
    const { db, dialect } = await openTestDatabase(t)
    await db
      .insertInto('filings')
      .values([
        filingRow('F-KERN', { courtFilingId: 'EFM-1' }),
        filingRow('F-SENDING', { state: 'submitting', courtFilingId: null }),
        filingRow('F-ALAMEDA', { court: 'CA-ALAMEDA', courtFilingId: 'EFM-2' })
      ])
      .execute()
    const now = new Date('2026-12-02T09:00:00.000Z')
    const later = new Date('2026-12-02T10:00:00.000Z')
    await enqueue(db, POLL_JOB, { filingId: 'F-KERN' }, { runAt: later, now })
    const counted = countingStatements(db)
    const audit = {
      principal: { clientId: 'court-callback', role: 'admin' as const, county: null },
      requestId: 'r',
      now
    }
    const callback = async (
      ids: { ours?: string; courtIds?: string[] },
      courtFilingId?: string,
      status = 'accepted'
    ) => {
      counted.reset()
      const found = await recordNamedCallback(counted.db, {
        courtIds: ['CA-KERN'],
        ids: { ours: ids.ours, courtIds: ids.courtIds ?? [], documentHashes: [] },
        courtFilingId,
        hint: { status, documents: 2, digest: callbackDigest({ status, identifications: [], documents: [] }) },
        audit,
        now
      })
      return found && `${found.filing.id} ${found.filing.state} ${found.filing.court_filing_id} by ${found.by}`
    }
    const hints = async (id: string) =>
      (await filingEvents(db, id)).map((e) => `${e.source} ${e.from_state}->${e.to_state}`)
    const audited = async () =>
      (await db.selectFrom('audit_events').select(['action', 'record_id', 'county']).orderBy('id').execute()).map(
        (a) => `${a.action} ${a.record_id} ${a.county}`
      )

    t.equal(await callback({ ours: 'F-KERN' }, 'EFM-1'), 'F-KERN submitted EFM-1 by filer id')
    if (dialect === 'postgres') t.equal(counted.count(), 1, 'found and recorded in one statement')
    t.same(await hints('F-KERN'), ['callback submitted->submitted'], 'its hint is on the timeline')
    t.same(
      await db
        .selectFrom('jobs')
        .select('run_at')
        .where('dedupe_key', '=', POLL_JOB.key({ filingId: 'F-KERN' }))
        .execute(),
      [{ run_at: now.toISOString() }],
      'its poll is brought forward'
    )
    t.equal(await callback({ ours: 'F-KERN' }, 'EFM-1'), 'F-KERN submitted EFM-1 by filer id', 'a replay is answered')
    if (dialect === 'postgres') t.equal(counted.count(), 1, 'in one statement too')
    t.same(await hints('F-KERN'), ['callback submitted->submitted'], 'and adds nothing to the timeline')

    t.equal(await callback({ ours: 'F-ALAMEDA' }, 'EFM-2'), undefined, "another court's filing is not found")
    t.equal(await callback({ ours: 'F-NONE' }, 'EFM-9'), undefined, 'nor a filing we never made')
    t.same(await hints('F-ALAMEDA'), [], 'and nothing is recorded on it')

    t.equal(
      await callback({ ours: 'F-SENDING' }, 'EFM-3'),
      'F-SENDING submitted EFM-3 by filer id',
      'a filing still sending is settled with the court id the callback gives'
    )
    t.same(await hints('F-SENDING'), ['callback submitting->submitted', 'callback submitted->submitted'])
    t.equal(
      await callback({ courtIds: ['EFM-1'] }, 'EFM-1', 'rejected'),
      'F-KERN submitted EFM-1 by court id',
      "one that gives only the court's id is found by it"
    )
    t.same(
      await audited(),
      [
        'filing.callback F-KERN KERN',
        'filing.callback_replayed F-KERN KERN',
        'filing.callback F-SENDING KERN',
        'filing.callback F-KERN KERN'
      ],
      "each audited under its filing's county, the replay as a replay"
    )
  }
)

t.test(
  'PostgreSQL ends the connections twice while callbacks are being recorded: each failed callback is told the database is away, and every filing ends with one hint, one audit row and its poll brought forward',
  { skip: !isPostgresUrl(TEST_DATABASE_URL) && 'PostgreSQL only' },
  async (t) => {
    const { db } = await openTestDatabase(t)
    const ids = Array.from({ length: 60 }, (_, i) => `F-${i}`)
    await db
      .insertInto('filings')
      .values(ids.map((id, i) => filingRow(id, { courtFilingId: `EFM-${i}` })))
      .execute()
    const now = new Date('2026-12-02T09:00:00.000Z')
    const later = new Date('2026-12-02T10:00:00.000Z')
    for (const id of ids) await enqueue(db, POLL_JOB, { filingId: id }, { runAt: later, now })
    const name = (await sql<{ n: string }>`select current_setting('application_name') as n`.execute(db)).rows[0]!.n
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await admin.connect()
    t.teardown(() => admin.end())
    let killed = 0
    const terminate = async () => {
      const { rowCount } = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
        [name]
      )
      killed += rowCount ?? 0
    }
    const audit = {
      principal: { clientId: 'court-callback', role: 'admin' as const, county: null },
      requestId: 'r',
      now
    }
    const status = 'accepted'
    const hint = { status, documents: 2, digest: callbackDigest({ status, identifications: [], documents: [] }) }
    const otherFailures: unknown[] = []
    let unavailable = 0
    // A court sends again a callback that got no answer, as the ECF profile's sender does.
    const callBack = async (i: number) => {
      for (let attempt = 0; attempt < 50; attempt++) {
        try {
          return await recordNamedCallback(db, {
            courtIds: ['CA-KERN'],
            ids: { ours: ids[i], courtIds: [], documentHashes: [] },
            courtFilingId: `EFM-${i}`,
            hint,
            audit,
            now
          })
        } catch (err) {
          if (isDatabaseUnavailable(err)) unavailable++
          else otherFailures.push(err)
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
      }
      return undefined
    }
    // Four waves of 15 on four connections. In the second and fourth, the audit table is held locked, so that the
    // wave's statements are running — waiting on the lock — when their connections are ended; then it is let go.
    const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]!.s
    const waiting = async () =>
      (
        await admin.query<{ n: number }>(
          "select count(*)::int as n from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'",
          [name]
        )
      ).rows[0]!.n
    const found: Awaited<ReturnType<typeof callBack>>[] = []
    for (let wave = 0; wave < 4; wave++) {
      const cut = wave % 2 === 1
      if (cut) {
        await admin.query('begin')
        await admin.query(`lock table "${schema}".audit_events in exclusive mode`)
      }
      const calls = Array.from({ length: 15 }, (_, k) => callBack(wave * 15 + k))
      if (cut) {
        await until(async () => (await waiting()) > 0)
        await terminate()
        await admin.query('commit')
      }
      found.push(...(await Promise.all(calls)))
    }
    t.ok(killed >= 2, `${killed} connections ended`)
    t.ok(unavailable >= 1, `${unavailable} callbacks told the database is away`)
    t.same(otherFailures, [], 'no callback failed any other way')
    t.same(
      found.map((f) => f?.filing.id),
      ids,
      'every callback was answered in the end'
    )
    const hints = await db
      .selectFrom('filing_events')
      .select(['filing_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('source', '=', 'callback')
      .groupBy('filing_id')
      .execute()
    t.same(
      hints.filter((h) => Number(h.n) !== 1),
      [],
      'no filing has its hint twice'
    )
    t.equal(hints.length, ids.length, 'and every filing has it')
    const firsts = await db
      .selectFrom('audit_events')
      .select(['record_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('action', '=', 'filing.callback')
      .groupBy('record_id')
      .execute()
    t.equal(firsts.length, ids.length, 'every filing has its callback audited')
    t.same(
      firsts.filter((a) => Number(a.n) !== 1),
      [],
      'once (an answer lost with its connection comes back as a replay)'
    )
    const polls = await db
      .selectFrom('jobs')
      .select('run_at')
      .where('kind', '=', POLL_JOB.name)
      .where('done_at', 'is', null)
      .execute()
    t.same(
      polls.filter((p) => p.run_at !== now.toISOString()),
      [],
      `all ${polls.length} polls brought forward`
    )
    t.equal(polls.length, ids.length)
  }
)
