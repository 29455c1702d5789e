import { readFileSync } from 'node:fs'
import Type, { type Static } from 'typebox'
import { Value } from 'typebox/value'
import { ClearfileError } from './errors.js'

/**
 * Everything clearfile can be configured with, validated once at startup.
 * Sources, strongest first: command-line flags, environment, a JSON config file
 * (`CLEARFILE_CONFIG` or `--config`), then these defaults.
 */
export const ConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
    /** `postgres://…` selects PostgreSQL; anything else is a SQLite file path (`:memory:` for tests). */
    databaseUrl: Type.String({ minLength: 1, default: './data/clearfile.db' }),
    /** This machine's working folder: the SQLite file by default, uploads while they arrive, scratch copies; and the documents with `storage: local`. */
    dataDir: Type.String({ minLength: 1, default: './data' }),
    /**
     * Where documents, filing messages, DOJ uploads and review outputs are kept: `local` (the data folder; one
     * machine, or a shared volume), `database` (in the database itself: servers and workers on several machines
     * share them with nothing but PostgreSQL) or `s3` (an S3-compatible bucket, the s3* keys).
     */
    storage: Type.Union([Type.Literal('local'), Type.Literal('database'), Type.Literal('s3')], { default: 'local' }),
    /** `storage: s3`: the service's base URL (AWS, MinIO, Ceph…), the bucket, its region and a key prefix. */
    s3Endpoint: Type.Optional(Type.String({ pattern: '^https?://[^/?#]+(/[^?#]*)?$' })),
    s3Bucket: Type.Optional(Type.String({ minLength: 3, maxLength: 63 })),
    s3Region: Type.String({ minLength: 1, default: 'us-east-1' }),
    s3Prefix: Type.Optional(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_][A-Za-z0-9._/-]*[A-Za-z0-9_]$' })),
    /** `storage: s3`: the access key (from the environment; never logged). */
    s3AccessKeyId: Type.Optional(Type.String({ minLength: 1 })),
    s3SecretAccessKey: Type.Optional(Type.String({ minLength: 1 })),
    /** The DA profiles file (JSON list, schemas/da-profile.ts): who signs each county's court papers. */
    daProfilesFile: Type.Optional(Type.String({ minLength: 1 })),
    /** The courts configuration file (JSON list, schemas/courts.ts). */
    courtsFile: Type.Optional(Type.String({ minLength: 1 })),
    /** TLS: serve HTTPS with this certificate and key (PEM files). */
    tlsCertFile: Type.Optional(Type.String({ minLength: 1 })),
    tlsKeyFile: Type.Optional(Type.String({ minLength: 1 })),
    /** TLS: ask clients for a certificate signed by these CAs (PEM), so courts can call back with mutual TLS. API clients need none. */
    tlsClientCaFile: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * clearfile's public base URL: courts call back at <publicUrl>/ecf/v4/FilingAssemblyMDE. When absent it is
     * made from host and port (loopback for a wildcard host, https with TLS), so a changed PORT moves the callbacks too.
     */
    publicUrl: Type.String({ minLength: 1 }),
    /** How often an open filing's status is asked for. */
    pollIntervalSeconds: Type.Number({ exclusiveMinimum: 0, default: 60 }),
    /** An accepted filing awaiting its ruling is asked less often as it waits (half its wait so far), at most this far apart. */
    rulingPollMaxSeconds: Type.Number({ exclusiveMinimum: 0, default: 6 * 3600 }),
    /** An accepted filing with no ruling this many days after acceptance raises filing.ruling_overdue, once. */
    rulingOverdueDays: Type.Number({ exclusiveMinimum: 0, default: 90 }),
    /** The county's time zone (IANA): the dashboard shows times in it. */
    timeZone: Type.String({ minLength: 1, default: 'America/Los_Angeles' }),
    /** Run background jobs (reviews, papers, filings) in this process. */
    runJobs: Type.Boolean({ default: true }),
    /** Filings sent at once, in lanes of their own (court adapters keep their own per-court limits too). */
    workerConcurrency: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
    /** Threads that build and validate filing messages (0: on the main thread, between requests). */
    messageThreads: Type.Integer({ minimum: 0, maximum: 16, default: 1 }),
    /** Status polls and reconciliations asked of courts at once, in lanes of their own: never behind submissions. */
    courtQueryLanes: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
    /** Webhook deliveries at once, in lanes of their own. */
    deliveryLanes: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
    /**
     * Long background jobs run at once, in lanes of their own: DOJ reviews and batches of papers. When absent: 2 on
     * PostgreSQL (a review waits on the database about as long as it computes, so two keep both cores busy: half the
     * review stage's time in bench:statewide), 1 on SQLite, whose one connection two long writers would share.
     */
    longJobLanes: Type.Integer({ minimum: 1, maximum: 16 }),
    /** Seconds a worker's claim on a job lasts without a heartbeat: after a crash, its jobs are taken over this much later. */
    jobLockSeconds: Type.Number({ exclusiveMinimum: 0, default: 60 }),
    /**
     * PostgreSQL: how often the tables busy work rewrites (the job queue, the filings) are vacuumed when dead row
     * versions have piled up (src/db/table-vacuum.ts); 0 leaves them to autovacuum alone.
     */
    vacuumIntervalSeconds: Type.Number({ minimum: 0, default: 10 }),
    /**
     * PostgreSQL: each connection prepares the statements it is sent again and again (src/db/preparing-client.ts).
     * Off behind a pooler that hands a session's statements to other sessions (PgBouncer in transaction mode before 1.21).
     */
    preparedStatements: Type.Boolean({ default: true }),
    /** Without a courts file, start a simulated Superior Court on loopback and file every configured county there. */
    simulatedCourt: Type.Boolean({ default: true }),
    logLevel: Type.Union(
      [
        Type.Literal('fatal'),
        Type.Literal('error'),
        Type.Literal('warn'),
        Type.Literal('info'),
        Type.Literal('debug'),
        Type.Literal('trace'),
        Type.Literal('silent')
      ],
      { default: 'info' }
    ),
    /** Largest request body accepted, in bytes (a 1,000-case batch is well under this). */
    bodyLimitBytes: Type.Integer({ minimum: 1024, default: 10 * 1024 * 1024 }),
    /** Seconds a graceful shutdown may take before the process exits anyway. */
    shutdownGraceSeconds: Type.Integer({ minimum: 1, maximum: 600, default: 10 }),
    /** Hours a stored Idempotency-Key answer is kept. */
    idempotencyTtlHours: Type.Integer({ minimum: 1, default: 48 }),
    /** Largest outcome report a clerk may upload, in bytes. */
    outcomeReportMaxBytes: Type.Integer({ minimum: 1024, default: 50 * 1024 * 1024 }),
    /** Keep each uploaded DOJ file after its review is done (by default it is deleted then: the review's outputs remain). */
    retainDojUploads: Type.Boolean({ default: false }),
    /** Most lines an outcome report may have (a larger one is refused with 413: send it in parts). */
    outcomeReportMaxLines: Type.Integer({ minimum: 1, default: 500_000 }),
    /** Reports up to this size are reconciled while the clerk waits (201); larger ones in the background (202). */
    outcomeReportInlineMaxBytes: Type.Integer({ minimum: 0, default: 1024 * 1024 }),
    /**
     * Behind a reverse proxy or load balancer: the proxies to trust for the client's address (X-Forwarded-For),
     * as fastify's trustProxy takes them — `true` (any) or addresses/CIDRs separated by commas. The
     * address is what failed keys are counted and logged by. Off by default: the peer is the client.
     */
    trustProxy: Type.Optional(Type.String({ minLength: 1 })),
    /** Refused API keys one client address may send in a minute before it is answered 429. */
    authFailuresPerMinute: Type.Integer({ minimum: 1, default: 30 }),
    /**
     * Let webhooks reach loopback, private, link-local and other internal addresses. Off by default (a webhook URL
     * must not be a way into the server's own network); turn on for a DA system on the same private network.
     */
    webhookAllowPrivateNetworks: Type.Boolean({ default: false })
  },
  { additionalProperties: false }
)

export type Config = Readonly<Static<typeof ConfigSchema>>

/** Where each key can be set from the environment; the names users see in error messages. */
const ENV_NAMES: Record<keyof Static<typeof ConfigSchema>, string> = {
  host: 'HOST',
  port: 'PORT',
  databaseUrl: 'DATABASE_URL',
  dataDir: 'CLEARFILE_DATA_DIR',
  storage: 'CLEARFILE_STORAGE',
  s3Endpoint: 'CLEARFILE_S3_ENDPOINT',
  s3Bucket: 'CLEARFILE_S3_BUCKET',
  s3Region: 'CLEARFILE_S3_REGION',
  s3Prefix: 'CLEARFILE_S3_PREFIX',
  s3AccessKeyId: 'CLEARFILE_S3_ACCESS_KEY_ID',
  s3SecretAccessKey: 'CLEARFILE_S3_SECRET_ACCESS_KEY',
  daProfilesFile: 'CLEARFILE_DA_PROFILES',
  courtsFile: 'CLEARFILE_COURTS',
  publicUrl: 'CLEARFILE_PUBLIC_URL',
  tlsCertFile: 'CLEARFILE_TLS_CERT',
  tlsKeyFile: 'CLEARFILE_TLS_KEY',
  tlsClientCaFile: 'CLEARFILE_TLS_CLIENT_CA',
  pollIntervalSeconds: 'CLEARFILE_POLL_INTERVAL_SECONDS',
  timeZone: 'CLEARFILE_TIME_ZONE',
  runJobs: 'CLEARFILE_RUN_JOBS',
  rulingPollMaxSeconds: 'CLEARFILE_RULING_POLL_MAX_SECONDS',
  rulingOverdueDays: 'CLEARFILE_RULING_OVERDUE_DAYS',
  workerConcurrency: 'CLEARFILE_WORKER_CONCURRENCY',
  courtQueryLanes: 'CLEARFILE_COURT_QUERY_LANES',
  messageThreads: 'CLEARFILE_MESSAGE_THREADS',
  deliveryLanes: 'CLEARFILE_DELIVERY_LANES',
  longJobLanes: 'CLEARFILE_LONG_JOB_LANES',
  jobLockSeconds: 'CLEARFILE_JOB_LOCK_SECONDS',
  vacuumIntervalSeconds: 'CLEARFILE_VACUUM_INTERVAL_SECONDS',
  preparedStatements: 'CLEARFILE_PREPARED_STATEMENTS',
  simulatedCourt: 'CLEARFILE_SIMULATED_COURT',
  logLevel: 'LOG_LEVEL',
  bodyLimitBytes: 'CLEARFILE_BODY_LIMIT_BYTES',
  shutdownGraceSeconds: 'CLEARFILE_SHUTDOWN_GRACE_SECONDS',
  idempotencyTtlHours: 'CLEARFILE_IDEMPOTENCY_TTL_HOURS',
  retainDojUploads: 'CLEARFILE_RETAIN_DOJ_UPLOADS',
  outcomeReportMaxBytes: 'CLEARFILE_OUTCOME_REPORT_MAX_BYTES',
  outcomeReportMaxLines: 'CLEARFILE_OUTCOME_REPORT_MAX_LINES',
  outcomeReportInlineMaxBytes: 'CLEARFILE_OUTCOME_REPORT_INLINE_MAX_BYTES',
  trustProxy: 'CLEARFILE_TRUST_PROXY',
  authFailuresPerMinute: 'CLEARFILE_AUTH_FAILURES_PER_MINUTE',
  webhookAllowPrivateNetworks: 'CLEARFILE_WEBHOOK_ALLOW_PRIVATE_NETWORKS'
}

export interface ConfigSources {
  env?: NodeJS.ProcessEnv
  /** Path of a JSON file with any of the keys above (camelCase). */
  file?: string
  /** Values from command-line flags. */
  overrides?: Partial<Record<keyof Static<typeof ConfigSchema>, unknown>>
}

/**
 * Builds the one frozen config object. Throws a `CLEARFILE_ERR_CONFIG` error whose
 * message names every bad key, e.g. `PORT (port): must be integer, got "abc"`.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? {}
  const raw: Record<string, unknown> = {}
  const origin: Record<string, string> = {}

  const filePath = sources.file ?? env.CLEARFILE_CONFIG
  if (filePath) {
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(filePath, 'utf8'))
    } catch (err) {
      throw new ClearfileError('CLEARFILE_ERR_CONFIG', `config file ${filePath}: ${(err as Error).message}`)
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ClearfileError('CLEARFILE_ERR_CONFIG', `config file ${filePath}: must hold a JSON object`)
    }
    for (const [key, value] of Object.entries(parsed)) {
      raw[key] = value
      origin[key] = `${key} in ${filePath}`
    }
  }
  for (const [key, envName] of Object.entries(ENV_NAMES)) {
    const value = env[envName]
    if (value !== undefined && value !== '') {
      raw[key] = value
      origin[key] = `${envName} (${key})`
    }
  }
  for (const [key, value] of Object.entries(sources.overrides ?? {})) {
    if (value !== undefined) {
      raw[key] = value
      origin[key] = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} (${key})`
    }
  }

  const candidate = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw)) as Record<string, unknown>
  // Made even from a bad host or port, which are reported themselves: the URL is not a second complaint.
  candidate.publicUrl ??= defaultPublicUrl(
    String(candidate.host),
    String(candidate.port),
    candidate.tlsCertFile !== undefined
  )
  candidate.longJobLanes ??= isPostgresUrl(String(candidate.databaseUrl)) ? 2 : 1
  const problems = [...Value.Errors(ConfigSchema, candidate)].map((e) => {
    const key = e.instancePath.split('/')[1]
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperties?: string[] }).additionalProperties ?? []
      return extra.map((k) => `${origin[k] ?? k}: is not a configuration key`).join('; ')
    }
    const where = key ? (origin[key] ?? key) : 'config'
    const got = key ? ` (got ${JSON.stringify(raw[key])})` : ''
    return `${where}: ${e.message}${got}`
  })
  const c = candidate as Static<typeof ConfigSchema>
  if ((c.tlsCertFile === undefined) !== (c.tlsKeyFile === undefined))
    problems.push('CLEARFILE_TLS_CERT and CLEARFILE_TLS_KEY go together')
  if (c.tlsClientCaFile !== undefined && c.tlsCertFile === undefined)
    problems.push('CLEARFILE_TLS_CLIENT_CA needs CLEARFILE_TLS_CERT and CLEARFILE_TLS_KEY')
  if (c.storage === 's3') {
    const missing = (['s3Endpoint', 's3Bucket', 's3AccessKeyId', 's3SecretAccessKey'] as const).filter(
      (k) => c[k] === undefined
    )
    if (missing.length > 0)
      problems.push(`${origin.storage ?? 'storage'} is s3: set ${missing.map((k) => ENV_NAMES[k]).join(', ')}`)
  }
  if (!isTimeZone(c.timeZone))
    problems.push(
      `${origin.timeZone ?? 'timeZone'}: not an IANA time zone such as America/Los_Angeles (got ${JSON.stringify(c.timeZone)})`
    )
  if (problems.length > 0) {
    throw new ClearfileError('CLEARFILE_ERR_CONFIG', `invalid configuration: ${[...new Set(problems)].join('; ')}`)
  }
  return Object.freeze(candidate as Static<typeof ConfigSchema>)
}

/** True when the runtime knows the zone (Intl throws a RangeError for names it does not). */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name })
    return true
  } catch {
    return false
  }
}

/** Where this process can be reached when no public URL is configured: its own host and port. */
function defaultPublicUrl(host: string, port: string, tls: boolean): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return `${tls ? 'https' : 'http'}://${reachable}:${port}`
}

/** True when the database URL names a PostgreSQL server rather than a SQLite file. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url)
}
