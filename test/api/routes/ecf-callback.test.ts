import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { Agent, request } from 'undici'
import { startSimulatedCourt } from '../../../adapters/simulator/court.js'
import { answered, bearer, buildTestApp, fileCase, until } from '../../helper.js'
import { freePort } from '../../serve-process.js'
import { certificates } from '../../tls-certificates.js'

const daProfilesFile = fileURLToPath(new URL('../../fixtures/da-profiles.json', import.meta.url))

t.test(
  "a court configured for mutual TLS is known by its client certificate: its callback counts, a stranger's certificate or a bare secret is refused and audited",
  async (t) => {
    const certs = certificates()
    const port = await freePort()
    const publicUrl = `https://127.0.0.1:${port}`
    const court = await startSimulatedCourt({
      reviewDelayMs: 40,
      rulingDelayMs: 40,
      acceptRate: 1,
      callbackTls: { cert: certs.read('court.crt'), key: certs.read('court.key'), ca: certs.read('test-ca.crt') }
    })
    t.teardown(() => court.close())
    const courtsFile = join(certs.dir, 'courts.json')
    process.env.CLEARFILE_TEST_MTLS_SECRET = 'a-secret-this-court-may-not-use'
    writeFileSync(
      courtsFile,
      JSON.stringify([
        {
          id: 'CA-SF',
          name: 'Superior Court of California, County of San Francisco',
          county: 'SAN FRANCISCO',
          adapter: 'simulator',
          endpoint: court.url,
          callbackCertFingerprint: certs.fingerprint('court'),
          callbackSecretRef: 'CLEARFILE_TEST_MTLS_SECRET'
        }
      ])
    )
    const { app, handle, keyFor, runJobs } = await buildTestApp(t, {
      daProfilesFile,
      courtsFile,
      publicUrl,
      pollIntervalSeconds: 600,
      tlsCertFile: join(certs.dir, 'server.crt'),
      tlsKeyFile: join(certs.dir, 'server.key'),
      tlsClientCaFile: join(certs.dir, 'test-ca.crt')
    })
    await app.listen({ host: '127.0.0.1', port })
    const key = await keyFor('deputy_da', 'SAN FRANCISCO')
    const filing = { id: (await fileCase(app, key)).filingId }
    await runJobs()
    const view = async () => (await app.inject({ url: `/v1/filings/${filing.id}`, headers: bearer(key) })).json()
    await until(() => answered(court) > 0)
    t.same(
      court.callbacks(),
      { sent: 1, lost: 0, failed: 0, unknown: 0, refused: 0 },
      'the court called back over mutual TLS and got a receipt'
    )
    t.ok((await view()).events.some((e: { source: string }) => e.source === 'callback'))

    const body = '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>'
    const post = async (connect: object, headers: Record<string, string> = {}) => {
      const agent = new Agent({ connect: { ca: certs.read('test-ca.crt'), ...connect } })
      try {
        const res = await request(`${publicUrl}/ecf/v4/FilingAssemblyMDE`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'text/xml', ...headers },
          dispatcher: agent
        })
        await res.body.dump()
        return res.statusCode
      } finally {
        await agent.close()
      }
    }
    t.equal(
      await post({ cert: certs.read('stranger.crt'), key: certs.read('stranger.key') }),
      401,
      "another CA's certificate"
    )
    t.equal(
      await post({}, { 'x-ecf-callback-secret': 'a-secret-this-court-may-not-use' }),
      401,
      'a court on mutual TLS is not known by a secret'
    )
    const refused = await handle.db
      .selectFrom('audit_events')
      .select('detail')
      .where('action', '=', 'callback.refused')
      .execute()
    t.same(
      refused.map((r) => JSON.parse(r.detail!).reason),
      ['unknown client certificate', 'wrong secret']
    )
    const health = await request(`${publicUrl}/healthz`, {
      dispatcher: new Agent({ connect: { ca: certs.read('test-ca.crt') } })
    })
    t.equal(health.statusCode, 200, 'API clients need no certificate')
    await health.body.dump()
  }
)

t.test('TLS settings that cannot work are refused at start', async (t) => {
  const { loadConfig } = await import('../../../src/config.js')
  t.throws(() => loadConfig({ env: { CLEARFILE_TLS_CERT: '/x.crt' } }), {
    message: /CLEARFILE_TLS_CERT and CLEARFILE_TLS_KEY go together/
  })
  t.throws(() => loadConfig({ env: { CLEARFILE_TLS_CLIENT_CA: '/ca.crt' } }), {
    message: /CLEARFILE_TLS_CLIENT_CA needs/
  })
})

t.test(
  'a callback without the court’s secret is refused from its headers: the body, however large, is never read',
  async (t) => {
    const secret = 'court-shared-secret-123'
    process.env.CB_BIG_SECRET = secret
    const courtsFile = join(mkdtempSync(join(tmpdir(), 'clearfile-courts-')), 'courts.json')
    writeFileSync(
      courtsFile,
      JSON.stringify([
        {
          id: 'CA-SF',
          name: 'Superior Court',
          county: 'SAN FRANCISCO',
          adapter: 'simulator',
          endpoint: 'http://127.0.0.1:1/ecf',
          callbackSecretRef: 'CB_BIG_SECRET'
        }
      ])
    )
    const { app, handle } = await buildTestApp(t, { daProfilesFile, courtsFile })
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const { request: httpRequest } = await import('node:http')
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${address}/ecf/v4/FilingAssemblyMDE`, {
        method: 'POST',
        headers: {
          'content-type': 'text/xml',
          'content-length': String(60 * 1024 * 1024),
          'x-ecf-callback-secret': 'wrong'
        }
      })
      req.on('response', (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      // Only the headers go: a server that waited for the 60 MB would never answer.
      req.flushHeaders()
    })
    t.equal(status, 401)
    const refused = await handle.db
      .selectFrom('audit_events')
      .select('action')
      .where('action', '=', 'callback.refused')
      .execute()
    t.equal(refused.length, 1, 'audited')
  }
)
