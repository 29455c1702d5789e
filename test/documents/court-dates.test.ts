import fc from 'fast-check'
import t from 'tap'
import { numericDate, writeDatesIn, writtenDate } from '../../src/documents/court-dates.js'

t.test('a date-only value is written out as papers write it', async (t) => {
  t.equal(writtenDate('1996-01-26'), 'January 26, 1996')
  t.equal(writtenDate('2026-11-29'), 'November 29, 2026')
  t.equal(writtenDate('2010-05-01'), 'May 1, 2010')
  t.equal(writtenDate('2000-02-29'), 'February 29, 2000')
  t.equal(writtenDate('2026-12-31'), 'December 31, 2026')
  t.equal(numericDate('1970-02-03'), '02/03/1970')
  for (const bad of ['2026-02-29', '1900-02-29', '2026-13-01', '2026-04-31', '2026-00-10', '20261129', '2026-1-2', ''])
    t.throws(() => writtenDate(bad), { message: /is not a YYYY-MM-DD date/ }, bad)
})

t.test('dates inside a sentence are written out; a list of them is separated by semicolons', async (t) => {
  t.equal(writeDatesIn('PC 187 on 2001-03-04'), 'PC 187 on March 4, 2001')
  t.equal(
    writeDatesIn('whether 2 prior HS 11359 convictions (2017-01-05, 2018-02-06) count as priors'),
    'whether 2 prior HS 11359 convictions (January 5, 2017; February 6, 2018) count as priors'
  )
  t.equal(writeDatesIn('case 2026-13-01 and 12026-01-01x'), 'case 2026-13-01 and 12026-01-01x', 'no date, no change')
})

t.test('property: in every time zone a date is the calendar day it names, never the day before or after', async (t) => {
  const zone = process.env.TZ
  t.teardown(() => {
    if (zone === undefined) delete process.env.TZ
    else process.env.TZ = zone
  })
  const utc = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', year: 'numeric', month: 'long', day: 'numeric' })
  const day = fc.date({
    min: new Date('1900-01-01T00:00:00Z'),
    max: new Date('2099-12-31T00:00:00Z'),
    noInvalidDate: true
  })
  for (const tz of ['Pacific/Kiritimati', 'America/Los_Angeles', 'Pacific/Pago_Pago', 'UTC']) {
    process.env.TZ = tz
    fc.assert(
      fc.property(day, (d) => {
        const iso = d.toISOString().slice(0, 10)
        const written = writtenDate(iso)
        if (written !== utc.format(new Date(`${iso}T00:00:00Z`))) throw new Error(`${tz}: ${iso} -> ${written}`)
        if (!numericDate(iso).startsWith(`${iso.slice(5, 7)}/${iso.slice(8, 10)}/`)) throw new Error(iso)
      }),
      { numRuns: 500 }
    )
    t.pass(`${tz}: 500 dates`)
  }
})
