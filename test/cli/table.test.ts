import t from 'tap'
import { alignedTable, figure } from '../../src/cli/table.js'

t.test(
  'columns are as wide as their widest cell, numbers right-aligned with thousands commas, text left',
  async (t) => {
    t.same(
      alignedTable([
        ['outcome', 'convictions', 'meaning'],
        ['dismiss_and_seal', 594, 'relief'],
        ['not_eligible', 1432, '']
      ]),
      [
        'outcome           convictions  meaning',
        'dismiss_and_seal          594  relief',
        'not_eligible            1,432'
      ]
    )
  }
)

t.test('a figure is written as people read it', async (t) => {
  t.equal(figure(1954), '1,954')
  t.equal(figure(0), '0')
})
