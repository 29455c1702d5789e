import t from 'tap'
import { bearer, buildTestApp } from '../helper.js'
import { seedRecords } from '../../bench/seed-records.js'

/*
 * The review queue and the filings list at a county's size: every page walk (forward, backward, from the last
 * page) sees each matching row exactly once, totals agree with what was stored, searches find a person by any of
 * the ways a deputy DA or clerk knows them, and another county's rows never show.
 */
const N = 1_200
const COURTS = ['CA-SF-SUPERIOR', 'CA-SF-HALL-OF-JUSTICE', 'CA-SF-CIVIC-CENTER']

t.test('listings at a county’s size', async (t) => {
  const { app, handle, keyFor } = await buildTestApp(t)
  const seeded = await seedRecords(handle.db, { county: 'SAN FRANCISCO', n: N, courts: COURTS })
  await seedRecords(handle.db, { county: 'ALAMEDA', n: 50, courts: ['CA-ALAMEDA'], prefix: 'A' })
  const key = await keyFor('deputy_da', 'SAN FRANCISCO')
  const get = async (url: string) => {
    const res = await app.inject({ url, headers: bearer(key) })
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
    return res.json() as {
      items: Array<
        { id: string; case?: { caseNumber: string; court: string }; person?: { name: string } } & Record<
          string,
          unknown
        >
      >
      next: string | null
      prev: string | null
      total: number
    }
  }
  /** Every item id, following `next` (or `prev` when reading backward) from the first page asked for. */
  const walk = async (base: string, start: string, backward = false) => {
    const ids: string[] = []
    const totals = new Set<number>()
    let url = `${base}${start}`
    for (let pages = 0; pages < 1_000; pages++) {
      const page = await get(url)
      totals.add(page.total)
      const pageIds = page.items.map((i) => i.id)
      if (backward) ids.unshift(...pageIds)
      else ids.push(...pageIds)
      const cursor = backward ? page.prev : page.next
      if (!cursor) return { ids, totals }
      url = `${base}&${backward ? 'before' : 'after'}=${encodeURIComponent(cursor)}`
    }
    throw new Error('the walk did not end')
  }
  const queue = '/v1/determinations?outcome=needs_review&undecided=true&limit=97'

  await t.test('walking the review queue forward and backward, in each sort, lists each conviction once', async (t) => {
    const expected = seeded.map((s) => s.determinationId).sort()
    for (const sort of ['created', 'convictionDate', 'caseNumber', 'name']) {
      for (const direction of ['asc', 'desc']) {
        const base = `${queue}&sort=${sort}&direction=${direction}`
        const forward = await walk(base, '')
        t.same([...forward.totals], [N], `${sort} ${direction}: the total is on every page`)
        t.same([...forward.ids].sort(), expected, `${sort} ${direction}: forward, each once`)
        const backward = await walk(base, '&last=true', true)
        t.same(backward.ids, forward.ids, `${sort} ${direction}: from the last page backward, the same order`)
      }
    }
    const byName = (await walk(`${queue}&sort=name`, '')).ids.map(
      (id) => seeded.find((s) => s.determinationId === id)!.name
    )
    t.same(
      byName,
      [...byName].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      'sorted by name, the names are in order'
    )
  })

  await t.test('a row added in front of a page does not shift the pages after it', async (t) => {
    const first = await get(`${queue}`)
    const second = await get(`${queue}&after=${encodeURIComponent(first.next!)}`)
    await seedRecords(handle.db, {
      county: 'SAN FRANCISCO',
      n: 3,
      courts: COURTS,
      prefix: 'NEW',
      at: '2026-11-03T23:59:57Z'
    })
    const again = await get(`${queue}&after=${encodeURIComponent(first.next!)}`)
    t.same(
      again.items.map((i) => i.id),
      second.items.map((i) => i.id),
      'same page'
    )
    t.equal(again.total, N + 3, 'the total counts the new rows')
  })

  await t.test('a person is found by name in any order and case, by case number, by CII and by id', async (t) => {
    const someone = seeded[421]!
    const [family, given] = someone.name.split(',') as [string, string]
    const search = async (q: string) => (await get(`${queue}&q=${encodeURIComponent(q)}`)).items.map((i) => i.id)
    t.same(await search(someone.caseNumber.toLowerCase()), [someone.determinationId], 'case number, any case')
    t.same(await search(someone.cii), [someone.determinationId], 'CII')
    t.same(await search(someone.determinationId), [someone.determinationId], 'determination id')
    t.same(
      await search(`${given.split(' ')[1]!.toLowerCase()} ${family.toLowerCase()}`),
      [someone.determinationId],
      'given name words then family name, lower case'
    )
    t.same(
      await search('SCN000187'),
      [seeded[187]!.determinationId],
      'a case number is matched whole: SCN000187 is not SCN001187'
    )
    t.same(await search('%'), [], 'a LIKE wildcard typed is not one')
    const alameda = await seedRecords(handle.db, { county: 'ALAMEDA', n: 1, courts: ['CA-ALAMEDA'], prefix: 'Z' })
    t.same(await search(alameda[0]!.caseNumber), [], "another county's case is not found")
  })

  await t.test('filters by court, reason and conviction date narrow the total as the stored rows say', async (t) => {
    const court = COURTS[1]!
    const inCourt = await walk(`${queue}&court=${court}`, '')
    t.equal(inCourt.ids.length, seeded.filter((s) => s.court === court).length + 1, 'court (one more seeded since)')
    const reason = await get(`${queue.replace('limit=97', 'limit=1')}&reason=${encodeURIComponent('SEVERITY')}`)
    t.equal(reason.total, seeded.filter((_, i) => i % 2 === 0).length + 2, 'reason words, any case')
    const dated = await get(`${queue.replace('limit=97', 'limit=1')}&convictedFrom=1990-01-01&convictedTo=1990-12-31`)
    t.ok(dated.total > 0 && dated.total < N / 10, `conviction dates in 1990: ${dated.total}`)
  })

  await t.test('a cursor that is not one of ours, or both directions at once, is a 400', async (t) => {
    for (const query of [
      '&convictedFrom=1990-13-45',
      '&after=k1.bm90LWpzb24',
      '&sort=name&after=0190aaaa-not-a-cursor',
      '&after=a&before=b'
    ]) {
      const res = await app.inject({ url: `${queue}${query}`, headers: bearer(key) })
      t.equal(res.statusCode, 400, query)
      t.equal(res.json().code, 'CLEARFILE_ERR_VALIDATION')
    }
  })

  await t.test(
    'the filings list pages the same way and names the defendant and case numbers on every row',
    async (t) => {
      const all = await walk('/v1/filings?limit=113', '')
      const sf = seeded.length + 3 // and the three added in front of a page
      t.equal(all.ids.length, sf, 'every filing of the county once')
      t.equal(new Set(all.ids).size, sf)
      t.same((await walk('/v1/filings?limit=113', '&last=true', true)).ids, all.ids, 'from the last page backward')
      const updated = await walk('/v1/filings?limit=113&sort=updated&direction=desc', '')
      t.same([...updated.ids].sort(), [...all.ids].sort(), 'sorted by last move, newest first: the same filings')
      const someone = seeded[777]!
      const found = await get(`/v1/filings?q=${encodeURIComponent(someone.caseNumber)}`)
      t.same(
        found.items.map((f) => [f.id, f.caseNumbers, (f.defendant as { name: string }).name]),
        [[someone.filingId, [someone.caseNumber], someone.name]],
        'found by case number, with its defendant'
      )
      t.same(
        (await get(`/v1/filings?q=${someone.filingId}`)).items.map((f) => f.id),
        [someone.filingId],
        'by filing id'
      )
      t.same(
        (await get(`/v1/filings?q=CF-777`)).items.map((f) => f.id),
        [someone.filingId],
        "by the court's filing id"
      )
      const [family, given] = someone.name.split(',') as [string, string]
      t.ok(
        (await walk(`/v1/filings?limit=50&q=${encodeURIComponent(`${given} ${family}`)}`, '')).ids.includes(
          someone.filingId
        ),
        'by name'
      )
      const court = COURTS[2]!
      const granted = await walk(`/v1/filings?limit=50&state=granted&court=${court}`, '')
      t.same(
        [...granted.ids].sort(),
        seeded
          .filter((s) => s.court === court && s.filingState === 'granted')
          .map((s) => s.filingId)
          .sort(),
        'by court and state, exactly the stored ones'
      )
      t.equal(
        (await get('/v1/filings?createdFrom=2026-11-02')).total,
        3,
        'made from a day on: only the three added later'
      )
      t.equal((await get('/v1/filings?createdTo=2026-11-01')).total, sf - 3, 'made up to a day, that day included')
      t.equal(
        (await get('/v1/filings?createdFrom=2026-11-03&createdTo=2026-11-03')).total,
        3,
        'one day, up to its last second'
      )
    }
  )
})
