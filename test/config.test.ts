import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { isPostgresUrl, loadConfig } from '../src/config.js'

t.test('with nothing set, clearfile runs on a SQLite file on port 3000', async (t) => {
  const config = loadConfig({ env: {} })
  t.equal(config.port, 3000)
  t.equal(config.databaseUrl, './data/clearfile.db')
  t.ok(Object.isFrozen(config))
})

t.test('environment values are converted and flags win over the environment and the file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'clearfile-config-'))
  const file = join(dir, 'clearfile.json')
  writeFileSync(file, JSON.stringify({ port: 4000, host: '0.0.0.0', logLevel: 'warn' }))
  const config = loadConfig({ env: { PORT: '5000', CLEARFILE_CONFIG: file }, overrides: { host: '127.0.0.2' } })
  t.equal(config.port, 5000)
  t.equal(config.host, '127.0.0.2')
  t.equal(config.logLevel, 'warn')
})

t.test('a bad value names the key it came from', async (t) => {
  t.throws(() => loadConfig({ env: { PORT: 'abc' } }), {
    code: 'CLEARFILE_ERR_CONFIG',
    message: /PORT \(port\): must be integer \(got "abc"\)/
  })
  t.throws(() => loadConfig({ env: { LOG_LEVEL: 'loud' } }), { message: /LOG_LEVEL \(logLevel\)/ })
  t.throws(() => loadConfig({ env: {}, overrides: { port: '70000' } }), { message: /--port \(port\)/ })
})

t.test('a config file with an unknown key or bad JSON is refused by name', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'clearfile-config-'))
  const unknown = join(dir, 'unknown.json')
  writeFileSync(unknown, JSON.stringify({ prot: 3000 }))
  t.throws(() => loadConfig({ env: {}, file: unknown }), {
    message: /prot in .*unknown\.json: is not a configuration key/
  })
  const broken = join(dir, 'broken.json')
  writeFileSync(broken, '{ port: ')
  t.throws(() => loadConfig({ env: {}, file: broken }), { message: /broken\.json/ })
})

t.test('postgres:// and postgresql:// URLs select PostgreSQL; anything else is a SQLite path', async (t) => {
  t.ok(isPostgresUrl('postgres://u@h/db'))
  t.ok(isPostgresUrl('postgresql://u@h/db'))
  t.notOk(isPostgresUrl('./data/postgres.db'))
  t.notOk(isPostgresUrl(':memory:'))
})

t.test('without a public URL, callbacks are addressed to the host and port the service listens on', async (t) => {
  t.equal(loadConfig({ env: { PORT: '4100' } }).publicUrl, 'http://127.0.0.1:4100')
  t.equal(loadConfig({ env: { HOST: '0.0.0.0', PORT: '8080' } }).publicUrl, 'http://127.0.0.1:8080', 'a wildcard host')
  t.equal(loadConfig({ env: { HOST: '::1', PORT: '8080' } }).publicUrl, 'http://[::1]:8080')
  t.equal(
    loadConfig({ env: { PORT: '4100', CLEARFILE_PUBLIC_URL: 'https://clearfile.da.example.gov' } }).publicUrl,
    'https://clearfile.da.example.gov',
    'a configured URL wins'
  )
})

t.test('long jobs run two at a time on PostgreSQL and one at a time on SQLite, unless set', async (t) => {
  t.equal(loadConfig({ env: {} }).longJobLanes, 1, 'the embedded SQLite file')
  t.equal(loadConfig({ env: { DATABASE_URL: ':memory:' } }).longJobLanes, 1)
  t.equal(loadConfig({ env: { DATABASE_URL: 'postgres://u@h/db' } }).longJobLanes, 2)
  t.equal(loadConfig({ env: { DATABASE_URL: 'postgresql://u@h/db', CLEARFILE_LONG_JOB_LANES: '1' } }).longJobLanes, 1)
  t.equal(loadConfig({ env: { CLEARFILE_LONG_JOB_LANES: '3' } }).longJobLanes, 3, 'on SQLite too, when asked')
  t.throws(() => loadConfig({ env: { DATABASE_URL: 'postgres://u@h/db', CLEARFILE_LONG_JOB_LANES: '0' } }), {
    code: 'CLEARFILE_ERR_CONFIG',
    message: /CLEARFILE_LONG_JOB_LANES \(longJobLanes\)/
  })
})

t.test(
  'the document store is the data folder unless set; S3 needs its endpoint, bucket and keys, named when missing',
  async (t) => {
    t.equal(loadConfig({ env: {} }).storage, 'local')
    t.equal(loadConfig({ env: { CLEARFILE_STORAGE: 'database' } }).storage, 'database')
    t.throws(() => loadConfig({ env: { CLEARFILE_STORAGE: 'nfs' } }), { message: /CLEARFILE_STORAGE \(storage\)/ })
    t.throws(() => loadConfig({ env: { CLEARFILE_STORAGE: 's3', CLEARFILE_S3_BUCKET: 'papers' } }), {
      code: 'CLEARFILE_ERR_CONFIG',
      message:
        /CLEARFILE_STORAGE \(storage\) is s3: set CLEARFILE_S3_ENDPOINT, CLEARFILE_S3_ACCESS_KEY_ID, CLEARFILE_S3_SECRET_ACCESS_KEY/
    })
    t.throws(() => loadConfig({ env: { CLEARFILE_S3_ENDPOINT: 'ftp://store' } }), { message: /CLEARFILE_S3_ENDPOINT/ })
    const s3 = loadConfig({
      env: {
        CLEARFILE_STORAGE: 's3',
        CLEARFILE_S3_ENDPOINT: 'https://s3.us-west-2.amazonaws.com',
        CLEARFILE_S3_BUCKET: 'sf-da-papers',
        CLEARFILE_S3_REGION: 'us-west-2',
        CLEARFILE_S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
        CLEARFILE_S3_SECRET_ACCESS_KEY: 'secret'
      }
    })
    t.same([s3.storage, s3.s3Bucket, s3.s3Region], ['s3', 'sf-da-papers', 'us-west-2'])
  }
)
