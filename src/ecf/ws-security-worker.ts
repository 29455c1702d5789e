import { workerData } from 'node:worker_threads'
import { serveWorkerTasks } from '../workers/worker-pool.js'
import { signedSoapEnvelope, type WsSecuritySigner } from './ws-security.js'

/** A signing worker: each task is one message to wrap and sign with the identity it was started with. */
const signer = workerData as WsSecuritySigner
await serveWorkerTasks<{ message: string; now: number }, string>((task) =>
  signedSoapEnvelope(task.message, signer, new Date(task.now))
)
