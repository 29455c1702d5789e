import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { callbackCertificates, courtCredentials, loadCourts } from '../../src/filing/courts-config.js'

t.test('the courts file lists each court with its adapter, endpoint, secret references and limits', async (t) => {
  const courts = loadCourts(fileURLToPath(new URL('../fixtures/courts.json', import.meta.url)))
  t.equal(courts.get('CA-SF')?.adapter, 'simulator')
  t.equal(courts.get('CA-SF')?.limits?.concurrency, 4)
})

t.test('a bad courts file is refused naming the entry', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'clearfile-courts-'))
  const bad = join(dir, 'bad.json')
  writeFileSync(
    bad,
    JSON.stringify([{ id: 'X', name: 'x', county: 'x', adapter: 'simulator', credentialsRef: 'lower case' }])
  )
  t.throws(() => loadCourts(bad), { code: 'CLEARFILE_ERR_CONFIG', message: /\/0\/credentialsRef/ })
  const twice = join(dir, 'twice.json')
  const court = { id: 'X', name: 'x', county: 'x', adapter: 'simulator' }
  writeFileSync(twice, JSON.stringify([court, court]))
  t.throws(() => loadCourts(twice), { message: /\/1\/id X is listed twice/ })
})

t.test(
  'credentials a court needs that are not there stop the start, naming the court and what is missing',
  async (t) => {
    const court = {
      id: 'CA-LA',
      name: 'LA',
      county: 'LOS ANGELES',
      adapter: 'ecf4-soap',
      endpoint: 'https://efm.example'
    }
    const refused = (entry: Record<string, unknown>, env: Record<string, string>, message: RegExp) =>
      t.throws(() => courtCredentials({ ...court, ...entry }, env), { code: 'CLEARFILE_ERR_CONFIG', message })
    refused({ credentialsRef: 'LA_LOGIN' }, {}, /court CA-LA: credentialsRef names LA_LOGIN, which is not set/)
    refused({ credentialsRef: 'LA_LOGIN' }, { LA_LOGIN: 'just-a-password' }, /LA_LOGIN must hold username:password/)
    refused({ credentialsRef: 'LA_LOGIN', bearerTokenRef: 'LA_TOKEN' }, { LA_LOGIN: 'a:b', LA_TOKEN: 't' }, /not both/)
    refused(
      { clientCertificate: { certFile: '/nonexistent/da.crt', keyFile: '/nonexistent/da.key' } },
      {},
      /court CA-LA: clientCertificate.certFile \/nonexistent\/da.crt cannot be read \(ENOENT\)/
    )
    t.same(courtCredentials(court, {}), {}, 'a court that asks for nothing gets nothing')
  }
)

t.test(
  'the certificate a court signs its callbacks with is read at start; one that cannot be read, or is not a certificate, stops the start naming the court',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'clearfile-courts-'))
    const notACert = join(dir, 'not-a-cert.pem')
    writeFileSync(notACert, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n')
    const court = (certFile: string) =>
      new Map([
        [
          'CA-WSS',
          {
            id: 'CA-WSS',
            name: 'A court that signs',
            county: 'SAN FRANCISCO',
            adapter: 'simulator',
            callbackWsSecurity: { certFile }
          }
        ]
      ])
    t.throws(() => callbackCertificates(court(join(dir, 'missing.pem'))), {
      code: 'CLEARFILE_ERR_CONFIG',
      message: /court CA-WSS: callbackWsSecurity.certFile .*missing.pem is not a readable certificate \(ENOENT\)/
    })
    t.throws(() => callbackCertificates(court(notACert)), {
      code: 'CLEARFILE_ERR_CONFIG',
      message: /court CA-WSS: callbackWsSecurity.certFile .*not-a-cert.pem is not a readable certificate/
    })
    const { certificates } = await import('../tls-certificates.js')
    const certs = certificates()
    const read = callbackCertificates(court(join(certs.dir, 'court.crt')))
    t.equal(read.get('CA-WSS')?.subject, 'CN=court')
    t.equal(callbackCertificates(new Map()).size, 0, 'none when no court signs')
  }
)
