import { randomBytes, type X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { COURT_ADAPTERS, startSimulatedCourt } from '../adapters/index.js'
import type { CourtEntry } from '../schemas/courts.js'
import type { Clock } from './clock.js'
import type { Config } from './config.js'
import type { Db, DialectName } from './db/database.js'
import type { DaProfile } from './documents/court-papers.js'
import { configuredProfiles } from './documents/da-profiles.js'
import { documentsJob } from './documents/documents-job.js'
import { createRenderer, warmRenderers } from './documents/render.js'
import { filingRequestBuilder } from './ecf/filing-request-builder.js'
import type { CourtAdapter } from './ecf/court-adapter.js'
import { ClearfileError } from './errors.js'
import { callbackCertificates, courtCredentials, loadCourts } from './filing/courts-config.js'
import { filingJobs, type CourtAdapters, type PipelineDeps } from './filing/pipeline.js'
import { reviewJob } from './ingest/review-runs.js'
import type { RegisteredJob } from './jobs/job-definition.js'
import { Metrics } from './metrics.js'
import { reportInboxJob } from './outcomes/report-inbox.js'
import { reportJob } from './outcomes/report-job.js'
import { seededRandom } from './seeded-random.js'
import { publicOnlyAgent } from './webhooks/outbound-address.js'
import { webhookJob } from './webhooks/webhook-delivery.js'
import { purgeIdempotencyKeys } from './db/idempotency-repository.js'
import { retentionJob } from './jobs/retention-job.js'
import { vacuumJob } from './jobs/vacuum-job.js'
import { type BlobStore, processScratchDir } from './storage/blob-store.js'
import { databaseBlobStore, purgeStagedChunks } from './storage/database-blob-store.js'
import { localBlobStore } from './storage/local-blob-store.js'
import { s3BlobStore } from './storage/s3-blob-store.js'

/*
 * The composition root. Configuration is read, and the courts and DA profiles
 * files loaded, once, here; court adapters are constructed here from the
 * factories in adapters/index.ts (this is the only module that imports them);
 * the job kinds are bound to the functions that do them here. src/app.ts
 * builds the HTTP app from the Services, src/server.ts runs both.
 */

/** Everything the app and the job runner are built from. */
export interface Services {
  config: Config
  db: Db
  dialect: DialectName
  clock: Clock
  metrics: Metrics
  courts: ReadonlyMap<string, CourtEntry>
  /** The certificates courts sign their callbacks with (WS-Security), by court id. */
  callbackCertificates: ReadonlyMap<string, X509Certificate>
  profiles: ReadonlyMap<string, DaProfile>
  /** Where documents, filing messages, uploads and review outputs are kept (`config.storage`). */
  store: BlobStore
  /** This process's scratch folder (uploads while they arrive, copies of stored files), under `dataDir`. */
  scratchDir: string
  /** What the filing pipeline (and the routes that file) need. */
  pipeline: PipelineDeps
  adapters: CourtAdapters
  /** Every kind of background job with the function that does it. */
  jobs: RegisteredJob[]
  /** The server's TLS certificate and key, and the CA client certificates must chain to (read from configuration). */
  tls: { cert: Buffer; key: Buffer; ca: Buffer | null } | null
  /** Closes what the services opened (court connections), not the database, which the caller opened. */
  close: () => Promise<void>
}

export interface ServiceInputs {
  config: Config
  db: Db
  dialect: DialectName
  clock: Clock
  /** The courts filed with; read from `config.courtsFile` when absent. */
  courts?: ReadonlyMap<string, CourtEntry>
  /** The DA profiles; read from configuration when absent. */
  profiles?: ReadonlyMap<string, DaProfile>
  metrics?: Metrics
  /** The document store; made from configuration when absent. */
  store?: BlobStore
  /** False for a worker (`clearfile worker`), which answers no requests; by default the process serves HTTP. */
  servesHttp?: boolean
}

/**
 * Bytes a review on a serving process's own thread reads at a time (files under 64 MB): about 500 rows, a few
 * milliseconds each, so requests are answered between blocks.
 */
const SERVING_REVIEW_READ_BYTES = 256 * 1024

/** How long a file being stored in the database may take before its chunks count as a killed process's. */
const STAGED_CHUNKS_KEPT_MS = 24 * 3_600_000

/** How often personal data past its retention is looked for. */
const RETENTION_EVERY_MS = 3_600_000

/** Builds the services from configuration and what the process opened. */
export function createServices(inputs: ServiceInputs): Services {
  const { config, db, clock } = inputs
  const courts = inputs.courts ?? (config.courtsFile ? loadCourts(config.courtsFile) : new Map<string, CourtEntry>())
  const profiles = inputs.profiles ?? configuredProfiles(config)
  const metrics = inputs.metrics ?? new Metrics()
  const store = inputs.store ?? blobStoreOf(config, db)
  const scratchDir = processScratchDir(config.dataDir)
  const adapters = courtAdapters(courts, process.env)
  const callbackCertificatesOfCourts = callbackCertificates(courts)
  // Kept while filings are being sent, given back a minute after the last message.
  const messages = filingRequestBuilder({ threads: config.messageThreads, idleMs: 60_000 })
  const pipeline: PipelineDeps = {
    db,
    clock,
    store,
    courts,
    callbackUrl: `${config.publicUrl.replace(/\/$/, '')}/ecf/v4/FilingAssemblyMDE`,
    pollIntervalMs: config.pollIntervalSeconds * 1000,
    rulingPollMaxMs: Math.max(config.rulingPollMaxSeconds, config.pollIntervalSeconds) * 1000,
    rulingOverdueMs: config.rulingOverdueDays * 86_400_000,
    profiles,
    messages,
    metrics
  }
  // Webhooks connect only to public addresses, checked when each name is resolved (unless configured otherwise).
  const webhookAgent = config.webhookAllowPrivateNetworks ? null : publicOnlyAgent()
  // Kept warm for a minute between review batches (a county at a time), then given back.
  const renderers = warmRenderers({ create: () => createRenderer(), idleMs: 60_000 })
  const jobs: RegisteredJob[] = [
    reviewJob({
      db,
      clock,
      store,
      scratchDir,
      retainUpload: config.retainDojUploads,
      ...(inputs.servesHttp !== false ? { inlineReadBytes: SERVING_REVIEW_READ_BYTES } : {})
    }),
    documentsJob({ db, clock, store, profiles, createRenderer: renderers.lease }),
    ...filingJobs(pipeline, adapters),
    webhookJob({
      db,
      clock,
      allowPrivateNetworks: config.webhookAllowPrivateNetworks,
      ...(webhookAgent ? { dispatcher: webhookAgent } : {})
    }),
    reportInboxJob({ db, clock, courts, maxLines: config.outcomeReportMaxLines }),
    reportJob({ db, clock, courts, store }),
    retentionJob({
      clock,
      everyMs: RETENTION_EVERY_MS,
      purges: [
        {
          name: 'idempotency answers',
          run: (now) => purgeIdempotencyKeys(db, new Date(now.getTime() - config.idempotencyTtlHours * 3_600_000))
        },
        ...(config.storage === 'database'
          ? [
              {
                name: 'files a killed process was storing',
                run: (now: Date) => purgeStagedChunks(db, new Date(now.getTime() - STAGED_CHUNKS_KEPT_MS))
              }
            ]
          : [])
      ]
    }),
    ...(inputs.dialect === 'postgres' && config.vacuumIntervalSeconds > 0
      ? [vacuumJob({ db, clock, everyMs: config.vacuumIntervalSeconds * 1000 })]
      : [])
  ]
  const tls =
    config.tlsCertFile && config.tlsKeyFile
      ? {
          cert: readFileSync(config.tlsCertFile),
          key: readFileSync(config.tlsKeyFile),
          ca: config.tlsClientCaFile ? readFileSync(config.tlsClientCaFile) : null
        }
      : null
  return {
    ...inputs,
    courts,
    callbackCertificates: callbackCertificatesOfCourts,
    profiles,
    metrics,
    store,
    scratchDir,
    pipeline,
    adapters,
    jobs,
    tls,
    close: async () => {
      await adapters.close()
      await renderers.close()
      await messages.close()
      await webhookAgent?.close()
      await store.close()
    }
  }
}

/** The configured document store. */
function blobStoreOf(config: Config, db: Db): BlobStore {
  if (config.storage === 'database') return databaseBlobStore(db)
  if (config.storage === 's3')
    // loadConfig refuses s3 without these.
    return s3BlobStore({
      endpoint: config.s3Endpoint!,
      bucket: config.s3Bucket!,
      region: config.s3Region,
      accessKeyId: config.s3AccessKeyId!,
      secretAccessKey: config.s3SecretAccessKey!,
      ...(config.s3Prefix ? { prefix: config.s3Prefix } : {})
    })
  return localBlobStore(config.dataDir)
}

/** The adapter of each configured court, made on first use by the factory its configuration names. */
function courtAdapters(courts: ReadonlyMap<string, CourtEntry>, env: NodeJS.ProcessEnv): CourtAdapters {
  const made = new Map<string, CourtAdapter>()
  // Read now, so a missing secret or certificate stops the start rather than the first filing.
  const credentials = new Map([...courts.values()].map((c) => [c.id, courtCredentials(c, env)]))
  return {
    for(courtId: string): CourtAdapter {
      let adapter = made.get(courtId)
      if (!adapter) {
        const court = courts.get(courtId)
        if (!court)
          throw new ClearfileError('CLEARFILE_ERR_COURT_NOT_CONFIGURED', `No court ${courtId} in the courts file`)
        const factory = COURT_ADAPTERS[court.adapter]
        if (!factory)
          throw new ClearfileError(
            'CLEARFILE_ERR_COURT_NOT_CONFIGURED',
            `court ${court.id}: no adapter named ${JSON.stringify(court.adapter)} (known: ${Object.keys(COURT_ADAPTERS).join(', ')})`
          )
        made.set(courtId, (adapter = factory(court, credentials.get(courtId))))
      }
      return adapter
    },
    async close() {
      await Promise.all([...made.values()].map((a) => a.close()))
    }
  }
}

/** The environment variable holding the key the simulated court signs one county's callbacks with (made up at start when unset). */
export function simulatedCourtSecretRef(county: string): string {
  return `CLEARFILE_SIMULATED_COURT_SECRET_${county.replace(/[^A-Z0-9]+/g, '_')}`
}

const SIMULATED_COURT_TIMESTAMP_HEADER = 'X-Court-Timestamp'

/**
 * The courts a server files with: the courts file when one is configured; else,
 * unless turned off, a simulated Superior Court on loopback for every county
 * with a DA profile — each its own court, on its own port, signing its
 * callbacks (HMAC-SHA256 of the time and body) with a key of its own made up
 * now, as separate courts do: one county's court can never speak for another's
 * filings.
 */
export async function serverCourts(
  config: Config,
  profiles: ReadonlyMap<string, DaProfile>,
  env: NodeJS.ProcessEnv = process.env
): Promise<{ courts: ReadonlyMap<string, CourtEntry>; simulatorUrls: string[]; close: () => Promise<void> }> {
  if (config.courtsFile) return { courts: loadCourts(config.courtsFile), simulatorUrls: [], close: async () => {} }
  if (!config.simulatedCourt) return { courts: new Map(), simulatorUrls: [], close: async () => {} }
  const courts = new Map<string, CourtEntry>()
  const running: Array<{ url: string; close: () => Promise<void> }> = []
  try {
    for (const county of profiles.keys()) {
      const secretRef = simulatedCourtSecretRef(county)
      env[secretRef] ||= randomBytes(24).toString('base64url')
      const court = await startSimulatedCourt({
        callbackSignature: { key: env[secretRef]!, timestampHeader: SIMULATED_COURT_TIMESTAMP_HEADER },
        reviewDelayMs: 2000,
        rulingDelayMs: 5000,
        random: seededRandom(Date.now() % 2 ** 31)
      })
      running.push(court)
      const id = `CA-SIM-${county.replace(/[^A-Z0-9]+/g, '-')}`
      const name = `Superior Court of California, County of ${county.toLowerCase().replace(/\b\w/g, (c) => c.toUpperCase())} (simulated)`
      courts.set(id, {
        id,
        name,
        county,
        adapter: 'simulator',
        endpoint: court.url,
        callbackSignature: { secretRef, timestampHeader: SIMULATED_COURT_TIMESTAMP_HEADER }
      })
    }
  } catch (err) {
    await Promise.all(running.map((c) => c.close()))
    throw err
  }
  return {
    courts,
    simulatorUrls: running.map((c) => c.url),
    close: async () => {
      await Promise.all(running.map((c) => c.close()))
    }
  }
}
