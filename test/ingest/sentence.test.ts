import t from 'tap'
import { addToDate, sentenceEndDate } from '../../src/ingest/sentence.js'

t.test('calendar arithmetic clamps to the end of a shorter month', async (t) => {
  t.equal(addToDate('2020-01-31', 1, 'months'), '2020-02-29')
  t.equal(addToDate('2021-01-31', 1, 'months'), '2021-02-28')
  t.equal(addToDate('2020-02-29', 1, 'years'), '2021-02-28')
  t.equal(addToDate('2010-12-25', 10, 'days'), '2011-01-04')
})

t.test('sentence parts run end to end from the conviction date, fines take no time', async (t) => {
  t.equal(
    sentenceEndDate('2010-05-01', [
      { kind: 'jail', length: 30, unit: 'days' },
      { kind: 'probation', length: 3, unit: 'years' },
      { kind: 'fine', amount: 500 }
    ]),
    '2013-05-31'
  )
  t.equal(sentenceEndDate('2010-05-01', []), '2010-05-01', 'no sentence ends at conviction')
})

t.test('an unknown length or a missing conviction date gives no end date rather than a guess', async (t) => {
  t.equal(sentenceEndDate('2010-05-01', [{ kind: 'prison' }]), null)
  t.equal(sentenceEndDate(null, [{ kind: 'jail', length: 1, unit: 'days' }]), null)
})
