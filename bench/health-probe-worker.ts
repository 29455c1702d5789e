import { setTimeout as sleep } from 'node:timers/promises'
import { parentPort, workerData } from 'node:worker_threads'
import { Pool } from 'undici'

// /healthz probed from a thread of its own: whatever the bench does meanwhile (generating a DOJ file, uploading,
// fetching reports) never delays a probe, so each latency posted is the service's alone.
const { address, everyMs } = workerData as { address: string; everyMs: number }
const port = parentPort!
const pool = new Pool(address, { connections: 1 })
let running = true
port.on('message', () => {
  running = false
})
while (running) {
  const started = performance.now()
  try {
    const res = await pool.request({ path: '/healthz', method: 'GET', headersTimeout: 60_000 })
    await res.body.dump()
  } catch {
    // A refused or cut probe counts as what it cost; the run's own checks say whether the service failed.
  }
  port.postMessage(performance.now() - started)
  await sleep(everyMs)
}
await pool.close()
port.postMessage('done')
port.close()
