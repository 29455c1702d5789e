import t from 'tap'
import { newId } from '../../src/db/ids.js'

t.test('ids are UUIDv7 and sort in the order they were made, even within one millisecond', async (t) => {
  const ids = Array.from({ length: 5000 }, () => newId())
  t.match(ids[0], /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  t.same([...ids].sort(), ids)
  t.equal(new Set(ids).size, ids.length)
})

t.test('ids made one after another share no random bits, across refills of the random buffer', async (t) => {
  // 2,000 ids draw 20,000 random bytes: the 8 KiB buffer is refilled twice on the way.
  const tails = Array.from({ length: 2000 }, () => newId().slice(19).replace('-', ''))
  t.equal(new Set(tails).size, tails.length, 'no two ids have the same 62 random bits after the counter')
  // Each tail's first digit holds the variant bits; the other 15 are random alone.
  const nibbles = tails.map((tail) => tail.slice(1)).join('')
  const counts = new Map<string, number>()
  for (const c of nibbles) counts.set(c, (counts.get(c) ?? 0) + 1)
  t.equal(counts.size, 16, 'every hex digit appears')
  for (const [digit, n] of counts) t.ok(n > nibbles.length / 16 / 2, `${digit} is not rare (${n})`)
})
