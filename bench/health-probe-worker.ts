import { setTimeout as sleep } from 'node:timers/promises'
import { parentPort, workerData } from 'node:worker_threads'
import { Pool } from 'undici'

// /healthz (and an API read, where one is given) probed from a thread of its own: whatever the bench does meanwhile
// (generating a DOJ file, uploading, fetching reports) never delays a probe, so each latency posted is the service's
// alone. Each probe posts [which, milliseconds, answered 200].
const { address, everyMs, read } = workerData as {
  address: string
  everyMs: number
  read?: { path: string; authorization: string }
}
const port = parentPort!
const pool = new Pool(address, { connections: 1 })
let running = true
port.on('message', () => {
  running = false
})
const probe = async (which: 'health' | 'read', path: string, headers: Record<string, string>) => {
  const started = performance.now()
  let ok = false
  try {
    const res = await pool.request({ path, method: 'GET', headers, headersTimeout: 60_000 })
    await res.body.dump()
    ok = res.statusCode === 200
  } catch {
    // A refused or cut probe counts as what it cost; the run's own checks say whether the service failed.
  }
  port.postMessage([which, performance.now() - started, ok])
}
while (running) {
  await probe('health', '/healthz', {})
  if (read) await probe('read', read.path, { authorization: read.authorization })
  await sleep(everyMs)
}
await pool.close()
port.postMessage('done')
port.close()
