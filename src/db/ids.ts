import { randomFillSync } from 'node:crypto'

let lastMs = 0
let counter = 0

// Random bytes drawn 8 KiB at a time: one getrandom call per 819 ids, not one per id (as randomUUID buffers its own).
const RANDOM = Buffer.alloc(8192)
let randomAt = RANDOM.length

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter that
 * keeps ids made in the same millisecond in order, then random bits. Ids sort
 * as text in the order they were made in this process, which is what "the
 * newest determination" and paging cursors rely on.
 */
export function newId(): string {
  let ms = Date.now()
  if (ms <= lastMs) {
    counter++
    if (counter > 0xfff) {
      lastMs++
      counter = 0
    }
    ms = lastMs
  } else {
    lastMs = ms
    counter = 0
  }
  if (randomAt + 10 > RANDOM.length) {
    randomFillSync(RANDOM)
    randomAt = 0
  }
  const bytes = Buffer.allocUnsafe(16)
  bytes.writeUIntBE(ms, 0, 6)
  // Ten random bytes no other id took; the version and counter then overwrite the first two.
  RANDOM.copy(bytes, 6, randomAt, randomAt + 10)
  randomAt += 10
  bytes[6] = 0x70 | (counter >> 8)
  bytes[7] = counter & 0xff
  bytes[8] = 0x80 | (bytes[8]! & 0x3f)
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
