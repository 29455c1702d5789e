import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ecf4SoapAdapter } from '../../adapters/ecf4-soap/adapter.js'
import { startSimulatedCourt } from '../../adapters/simulator/court.js'
import { X509Certificate } from 'node:crypto'
import {
  signedSoapEnvelope,
  verifySignedSoap,
  WSSE_NS,
  WSU_NS,
  wsSecuritySigner,
  wsSecuritySigning
} from '../../src/ecf/ws-security.js'
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

t.test(
  'messages signed on worker threads, many at once, each verify with xmlsec1 and carry their own time and ids',
  { skip: noXmlsec1 },
  async (t) => {
    const signing = wsSecuritySigning(signer, { threads: 2 })
    t.teardown(() => signing.close())
    const at = (i: number) => new Date(Date.UTC(2026, 10, 30, 10, 0, i))
    const envelopes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => signing.sign(reviewFiling(`F-wss-pool-${i}`), at(i)))
    )
    t.equal(signing.threads, 2)
    envelopes.forEach((envelope, i) => {
      const verdict = verify(envelope)
      t.ok(verdict.ok, verdict.output)
      t.match(envelope, `F-wss-pool-${i}<`)
      t.match(envelope, `<wsu:Created>2026-11-30T10:00:${String(i).padStart(2, '0')}Z</wsu:Created>`)
    })
    const ids = envelopes.map((e) => /wsu:Id="(TS-[^"]+)"/.exec(e)?.[1])
    t.equal(new Set(ids).size, envelopes.length, 'fresh ids for every message')
    const inline = wsSecuritySigning(signer, { threads: 0 })
    t.ok(verify(await inline.sign(reviewFiling('F-wss-inline'), at(0))).ok, 'threads 0: on the calling thread')
    await inline.close()
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
      ["a stranger's signature", stranger, /wsse:FailedAuthentication: .*not trusted/]
    ] as const)
      await t.rejects(
        adapter.submit({ filingId: 'F-wss-4', xml: reviewFiling('F-wss-4') }),
        { code: 'CLEARFILE_ERR_COURT_UNAVAILABLE', retryable: true, ambiguous: false, message: reason },
        name
      )
    t.same(Object.fromEntries(court.submissions()), { 'F-wss-3': 1 }, 'only the signed filing was filed')
  }
)

const courtSigner = wsSecuritySigner({ cert: certs.read('court.crt'), key: certs.read('court.key') })
const courtCert = new X509Certificate(certs.read('court.crt'))
const strangerCert = new X509Certificate(certs.read('stranger.crt'))
const AT = new Date('2026-11-30T10:00:00Z')
const callbackMessage =
  '<cb:ReviewFilingCallbackMessage xmlns:cb="urn:example:callback"><cb:Status>accepted</cb:Status></cb:ReviewFilingCallbackMessage>'

t.test("clearfile's verifier takes what the court's certificate signed, and reads only the signed Body", async (t) => {
  const envelope = signedSoapEnvelope(callbackMessage, courtSigner, AT)
  const ok = verifySignedSoap(envelope, [strangerCert, courtCert], new Date(AT.getTime() + 60_000))
  t.ok(ok.ok)
  if (ok.ok) {
    t.equal(ok.certificate.fingerprint256, courtCert.fingerprint256, 'the certificate that signed')
    t.match(ok.body, /^<soap:Body [^>]*wsu:Id="Body-[^"]+"[^>]*><cb:ReviewFilingCallbackMessage/)
  }
  const refusal = (envelope: string, trusted = [courtCert], now = new Date(AT.getTime() + 60_000)) => {
    const check = verifySignedSoap(envelope, trusted, now)
    return check.ok ? 'taken' : `${check.code}: ${check.text}`
  }
  t.match(refusal(envelope, [strangerCert]), /^wsse:FailedAuthentication: .*not trusted/, 'another certificate')
  t.match(
    refusal(envelope.replace('accepted', 'rejected')),
    /^wsse:FailedAuthentication: the signature does not verify/
  )
  t.match(refusal(envelope.replace('10:05:00Z', '23:05:00Z')), /^wsse:FailedAuthentication/, 'the expiry moved')
  t.match(refusal(envelope, [courtCert], new Date(AT.getTime() + 301_000)), /^wsse:MessageExpired/)
  t.match(refusal(envelope, [courtCert], new Date(AT.getTime() - 600_000)), /^wsse:MessageExpired: .*future/)
  t.match(
    refusal(
      signedSoapEnvelope(
        callbackMessage,
        wsSecuritySigner({ cert: certs.read('stranger.crt'), key: certs.read('stranger.key') }),
        AT
      )
    ),
    /^wsse:FailedAuthentication/
  )
  t.match(
    refusal(
      `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${callbackMessage}</soap:Body></soap:Envelope>`
    ),
    /^wsse:InvalidSecurity: the message carries no WS-Security signature/
  )
  t.match(refusal('<!DOCTYPE x [<!ENTITY e "x">]><x/>'), /^wsse:InvalidSecurity: .*document type/)
  t.match(refusal('not xml <'), /^wsse:InvalidSecurity/)

  // A wrapping attack: the signed Body moved into the header, a Body of the attacker's own in its place.
  const wrapped = envelope
    .replace(
      /<soap:Body ([^>]*)>(.*)<\/soap:Body>/,
      '<soap:Body><cb:ReviewFilingCallbackMessage xmlns:cb="urn:example:callback"><cb:Status>EVIL</cb:Status></cb:ReviewFilingCallbackMessage></soap:Body>'
    )
    .replace(
      '</wsse:Security>',
      `</wsse:Security><x:Wrapper xmlns:x="urn:x">${envelope.match(/<soap:Body [^>]*>.*<\/soap:Body>/)![0]}</x:Wrapper>`
    )
  t.not(wrapped, envelope)
  const attacked = verifySignedSoap(wrapped, [courtCert], new Date(AT.getTime() + 60_000))
  t.notOk(
    attacked.ok && attacked.body.includes('EVIL'),
    'the Body an attacker put outside the signature is never read as signed'
  )
})

/**
 * A template for xmlsec1 to sign: a SOAP message with the court's certificate as a BinarySecurityToken, a
 * Timestamp, and a Signature over both whose digest and value xmlsec1 fills in — the way another WS-Security
 * stack builds one, with its own ids and prefixes.
 */
function xmlsecTemplate(message: string, created: Date): string {
  const expires = new Date(created.getTime() + 120_000)
  const ref = (id: string) =>
    `<dsig:Reference URI="#${id}"><dsig:Transforms><dsig:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></dsig:Transforms><dsig:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><dsig:DigestValue/></dsig:Reference>`
  return (
    `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/" xmlns:o="${WSSE_NS}" xmlns:u="${WSU_NS}">` +
    '<S:Header><o:Security S:mustUnderstand="1">' +
    `<o:BinarySecurityToken u:Id="court-token" ValueType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3" EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">${courtCert.raw.toString('base64')}</o:BinarySecurityToken>` +
    `<u:Timestamp u:Id="_0"><u:Created>${created.toISOString()}</u:Created><u:Expires>${expires.toISOString()}</u:Expires></u:Timestamp>` +
    '<dsig:Signature xmlns:dsig="http://www.w3.org/2000/09/xmldsig#"><dsig:SignedInfo>' +
    '<dsig:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>' +
    '<dsig:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>' +
    `${ref('_1')}${ref('_0')}</dsig:SignedInfo><dsig:SignatureValue/>` +
    '<dsig:KeyInfo><o:SecurityTokenReference><o:Reference URI="#court-token" ValueType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"/></o:SecurityTokenReference></dsig:KeyInfo>' +
    '</dsig:Signature></o:Security></S:Header>' +
    `<S:Body u:Id="_1">${message}</S:Body></S:Envelope>`
  )
}

t.test(
  'a callback signed by xmlsec1 (another implementation, its own prefixes and ids) is taken by clearfile’s verifier',
  { skip: noXmlsec1 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'clearfile-wss-'))
    const created = new Date()
    writeFileSync(join(dir, 'template.xml'), xmlsecTemplate(callbackMessage, created))
    const run = spawnSync(
      'xmlsec1',
      [
        '--sign',
        '--id-attr:Id',
        `${WSU_NS}:Timestamp`,
        '--id-attr:Id',
        'http://schemas.xmlsoap.org/soap/envelope/:Body',
        '--privkey-pem',
        join(certs.dir, 'court.key'),
        '--output',
        join(dir, 'signed.xml'),
        join(dir, 'template.xml')
      ],
      { encoding: 'utf8' }
    )
    t.equal(run.status, 0, `${run.stdout}${run.stderr}`)
    const signed = readFileSync(join(dir, 'signed.xml'), 'utf8')
    const check = verifySignedSoap(signed, [courtCert], new Date(created.getTime() + 1000))
    t.ok(check.ok, JSON.stringify(check))
    if (check.ok) t.match(check.body, /<cb:Status>accepted<\/cb:Status>/)
    const altered = verifySignedSoap(
      signed.replace('accepted', 'rejected'),
      [courtCert],
      new Date(created.getTime() + 1000)
    )
    t.notOk(altered.ok, 'and refused once altered')
  }
)
