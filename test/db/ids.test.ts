import t from 'tap'
import { newId } from '../../src/db/ids.js'

t.test('ids are UUIDv7 and sort in the order they were made, even within one millisecond', async (t) => {
  const ids = Array.from({ length: 5000 }, () => newId())
  t.match(ids[0], /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  t.same([...ids].sort(), ids)
  t.equal(new Set(ids).size, ids.length)
})
