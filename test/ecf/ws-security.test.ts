import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ecf4SoapAdapter } from '../../adapters/ecf4-soap/adapter.js'
import { startSimulatedCourt } from '../../adapters/simulator/court.js'
import { signedSoapEnvelope, WSU_NS, wsSecuritySigner } from '../../src/ecf/ws-security.js'
import { courtCredentials } from '../../src/filing/courts-config.js'
import { certificates } from '../tls-certificates.js'
import { reviewFilingXml } from './review-filing.js'

/*
 * A ReviewFiling signed with WS-Security is checked by xmlsec1 (the XML Security Library's own tool, not the
 * library clearfile signs with), with only the DA office's certificate given; then end to end against a court
 * that requires it.
 */
const xmlsec1 = spawnSync('xmlsec1', ['--version'], { encoding: 'utf8' })
const noXmlsec1 = xmlsec1.status === 0 ? false : 'no xmlsec1: apt-get install xmlsec1 (CI installs it)'
const certs = certificates()
const signer = wsSecuritySigner({ cert: certs.read('filer.crt'), key: certs.read('filer.key') })

const reviewFiling = (filingId: string) => reviewFilingXml(filingId, Buffer.from('%PDF-1.7 …'))

/** xmlsec1's verdict on an envelope, given the certificate to check it with; wsu:Id and the Body's Id are ids. */
function verify(envelope: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'clearfile-wss-'))
  writeFileSync(join(dir, 'envelope.xml'), envelope)
  const run = spawnSync(
    'xmlsec1',
    [
      '--verify',
      '--id-attr:Id',
      `${WSU_NS}:Timestamp`,
      '--id-attr:Id',
      'http://schemas.xmlsoap.org/soap/envelope/:Body',
      '--pubkey-cert-pem',
      join(certs.dir, 'filer.crt'),
      join(dir, 'envelope.xml')
    ],
    { encoding: 'utf8' }
  )
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` }
}

t.test(
  'a signed ReviewFiling verifies with xmlsec1, both the Timestamp and the Body',
  { skip: noXmlsec1 },
  async (t) => {
    const envelope = signedSoapEnvelope(reviewFiling('F-wss-1'), signer, new Date('2026-11-30T10:00:00Z'))
    const verdict = verify(envelope)
    t.ok(verdict.ok, verdict.output)
    t.match(verdict.output, /SignedInfo References \(ok\/all\): 2\/2/)
    t.match(
      envelope,
      /<wsu:Created>2026-11-30T10:00:00Z<\/wsu:Created><wsu:Expires>2026-11-30T10:05:00Z<\/wsu:Expires>/
    )
    t.match(
      envelope,
      /<ds:KeyInfo><wsse:SecurityTokenReference><wsse:Reference URI="#X509-/,
      'the key named by its token'
    )
  }
)

t.test('a byte changed in the Body or the Timestamp after signing fails xmlsec1', { skip: noXmlsec1 }, async (t) => {
  const envelope = signedSoapEnvelope(reviewFiling('F-wss-2'), signer, new Date('2026-11-30T10:00:00Z'))
  const body = envelope.replace('SCN123456', 'SCN123457')
  t.not(body, envelope)
  t.notOk(verify(body).ok, 'a docket number changed')
  t.notOk(verify(envelope.replace('10:05:00Z', '23:05:00Z')).ok, 'the expiry moved')
  const other = wsSecuritySigner({ cert: certs.read('stranger.crt'), key: certs.read('stranger.key') })
  t.notOk(verify(signedSoapEnvelope(reviewFiling('F-wss-2'), other, new Date())).ok, 'signed by another key')
})

t.test('a key that is not the certificate’s cannot sign, and the start is stopped naming the court', async (t) => {
  t.throws(() => wsSecuritySigner({ cert: certs.read('filer.crt'), key: certs.read('stranger.key') }), {
    message: /not the certificate's/
  })
  t.throws(
    () =>
      courtCredentials(
        {
          id: 'CA-SIM',
          name: 'x',
          county: 'SAN FRANCISCO',
          adapter: 'ecf4-soap',
          wsSecurity: { certFile: join(certs.dir, 'filer.crt'), keyFile: join(certs.dir, 'court.key') }
        },
        {}
      ),
    { code: 'CLEARFILE_ERR_CONFIG', message: /court CA-SIM: wsSecurity: .*filer.crt and .*court.key cannot sign/ }
  )
})

t.test(
  'a court that requires WS-Security files what the DA office signed, and refuses unsigned or strangers’ messages without filing them',
  async (t) => {
    const court = await startSimulatedCourt({
      // The clerk takes a minute: every query below finds the filing still received.
      reviewDelayMs: 60_000,
      acceptRate: 1,
      requireSignedBy: certs.read('filer.crt')
    })
    t.teardown(() => court.close())
    const entry = {
      id: 'CA-SIM',
      name: 'Superior Court of California (simulated)',
      county: 'SAN FRANCISCO',
      adapter: 'ecf4-soap',
      endpoint: court.url,
      wsSecurity: { certFile: join(certs.dir, 'filer.crt'), keyFile: join(certs.dir, 'filer.key') }
    }
    const signed = ecf4SoapAdapter(entry, courtCredentials(entry, {}))
    const unsigned = ecf4SoapAdapter(entry)
    const stranger = ecf4SoapAdapter(entry, {
      wsSecurity: wsSecuritySigner({ cert: certs.read('stranger.crt'), key: certs.read('stranger.key') })
    })
    t.teardown(() => Promise.all([signed.close(), unsigned.close(), stranger.close()]))
    const receipt = await signed.submit({ filingId: 'F-wss-3', xml: reviewFiling('F-wss-3') })
    t.match(receipt.courtFilingId, /^SIM-/)
    t.equal((await signed.status(receipt.courtFilingId)).status, 'received', 'status queries are signed too')
    for (const [name, adapter, reason] of [
      ['unsigned', unsigned, /wsse:InvalidSecurity: the message carries no WS-Security signature/],
      ["a stranger's signature", stranger, /wsse:FailedAuthentication: .*does not know/]
    ] as const)
      await t.rejects(
        adapter.submit({ filingId: 'F-wss-4', xml: reviewFiling('F-wss-4') }),
        { code: 'CLEARFILE_ERR_COURT_UNAVAILABLE', retryable: true, ambiguous: false, message: reason },
        name
      )
    t.same(Object.fromEntries(court.submissions()), { 'F-wss-3': 1 }, 'only the signed filing was filed')
  }
)
