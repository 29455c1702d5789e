import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import t from 'tap'
import { callbackAuthenticator, signatureBytes } from '../../src/ecf/callback-auth.js'
import type { CourtEntry } from '../../schemas/courts.js'

/*
 * Signatures here are made with node:crypto directly, the way a court's own code would: the check must agree with
 * what others send.
 */
const KEY = 'the-courts-hmac-key-0123456789abcdef'
const env = { COURT_HMAC: KEY, OTHER_HMAC: 'another-courts-key-0123456789' }
const NOW = new Date('2026-11-30T10:00:00.000Z')
const nowSeconds = NOW.getTime() / 1000

function court(id: string, signature: CourtEntry['callbackSignature']): CourtEntry {
  return { id, name: `Court ${id}`, county: 'SAN FRANCISCO', adapter: 'simulator', callbackSignature: signature }
}

const mac = (algorithm: 'sha256' | 'sha512', key: string, text: string) => createHmac(algorithm, key).update(text)

const stamped = callbackAuthenticator(
  new Map([
    [
      'CA-STAMPED',
      court('CA-STAMPED', {
        secretRef: 'COURT_HMAC',
        header: 'X-Signature',
        algorithm: 'sha512',
        timestampHeader: 'X-Signature-Timestamp',
        toleranceSeconds: 120
      })
    ]
  ]),
  env
)
const plain = callbackAuthenticator(
  new Map([
    ['CA-PLAIN', court('CA-PLAIN', { secretRef: 'COURT_HMAC' })],
    ['CA-OTHER', court('CA-OTHER', { secretRef: 'OTHER_HMAC', header: 'X-Other-Signature' })]
  ]),
  env
)
const body = '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>'
const courtOf = (r: ReturnType<typeof plain.bySignature>) =>
  'courts' in r ? r.courts.map((c) => c.id).join(' ') : r.refused

t.test(
  'a signature over the body is read as sha256=<hex>, bare hex or base64, and names the court whose key made it',
  async (t) => {
    const hex = mac('sha256', KEY, body).digest('hex')
    const base64 = mac('sha256', KEY, body).digest('base64')
    for (const value of [`sha256=${hex}`, `SHA256=${hex.toUpperCase()}`, hex, base64, ` ${hex} `])
      t.equal(courtOf(plain.bySignature({ 'x-court-signature': value }, body, NOW)), 'CA-PLAIN', value)
    const other = mac('sha256', env.OTHER_HMAC, body).digest('hex')
    t.equal(
      courtOf(plain.bySignature({ 'x-other-signature': other }, body, NOW)),
      'CA-OTHER',
      'each court its own header'
    )
    t.equal(
      courtOf(plain.bySignature({ 'x-court-signature': other }, body, NOW)),
      'wrong signature',
      "another court's key in this court's header"
    )
    t.equal(courtOf(plain.bySignature({ 'x-court-signature': `sha256=${hex}` }, `${body} `, NOW)), 'wrong signature')
    t.equal(courtOf(plain.bySignature({ 'x-court-signature': 'sha256=zz' }, body, NOW)), 'wrong signature')
    t.equal(courtOf(plain.bySignature({}, body, NOW)), 'wrong signature', 'no signature at all')
  }
)

t.test(
  'a key, secret or certificate several courts share names every one of them, and no court it is not theirs',
  async (t) => {
    const shared = (id: string, county: string, extra: Partial<CourtEntry>): CourtEntry => ({
      ...court(id, undefined),
      county,
      ...extra
    })
    const courts = [
      shared('CA-ALAMEDA', 'ALAMEDA', { callbackSignature: { secretRef: 'COURT_HMAC' } }),
      shared('CA-FRESNO', 'FRESNO', { callbackSecretRef: 'OTHER_HMAC' }),
      shared('CA-KERN', 'KERN', { callbackSignature: { secretRef: 'COURT_HMAC' } }),
      shared('CA-LASSEN', 'LASSEN', { callbackSecretRef: 'OTHER_HMAC' }),
      shared('CA-MONO', 'MONO', { callbackSignature: { secretRef: 'OTHER_HMAC', header: 'X-Other-Signature' } }),
      shared('CA-NAPA', 'NAPA', { callbackCertFingerprint: 'AA:BB' }),
      shared('CA-YUBA', 'YUBA', { callbackCertFingerprint: 'AA:BB' })
    ]
    const auth = callbackAuthenticator(new Map(courts.map((c) => [c.id, c])), env)
    const signature = `sha256=${mac('sha256', KEY, body).digest('hex')}`
    t.equal(courtOf(auth.bySignature({ 'x-court-signature': signature }, body, NOW)), 'CA-ALAMEDA CA-KERN')
    const other = mac('sha256', env.OTHER_HMAC, body).digest('hex')
    t.equal(courtOf(auth.bySignature({ 'x-other-signature': other }, body, NOW)), 'CA-MONO')
    const ids = (found: CourtEntry[]) => found.map((c) => c.id).join(' ')
    t.equal(ids(auth.byHeaders(env.OTHER_HMAC, null)), 'CA-FRESNO CA-LASSEN', 'a shared secret')
    t.equal(ids(auth.byHeaders(KEY, null)), '', 'a signing key is no secret to send')
    t.equal(ids(auth.byHeaders(undefined, { authorized: true, fingerprint256: 'AA:BB' })), 'CA-NAPA CA-YUBA')
    t.equal(ids(auth.byHeaders(undefined, { authorized: false, fingerprint256: 'AA:BB' })), '', 'an unverified chain')
  }
)

t.test(
  'courts that share a key and a header but sign each their own way are told apart: algorithm, timestamp or none',
  async (t) => {
    // One e-filing manager's key on one header, written by three courts' systems in three dialects.
    const courts = [
      court('CA-BARE', { secretRef: 'COURT_HMAC', header: 'X-Sig' }),
      court('CA-WIDE', { secretRef: 'COURT_HMAC', header: 'X-Sig', algorithm: 'sha512' }),
      court('CA-TIMED', { secretRef: 'COURT_HMAC', header: 'X-Sig', timestampHeader: 'X-Sig-Time' }),
      court('CA-BARE-TOO', { secretRef: 'COURT_HMAC', header: 'X-Sig' })
    ]
    const auth = callbackAuthenticator(new Map(courts.map((c) => [c.id, c])), env)
    const stamp = String(nowSeconds)
    const cases: Array<[string, Record<string, string>, string]> = [
      ['sha256 over the body', { 'x-sig': mac('sha256', KEY, body).digest('hex') }, 'CA-BARE CA-BARE-TOO'],
      ['sha512 over the body', { 'x-sig': mac('sha512', KEY, body).digest('base64') }, 'CA-WIDE'],
      [
        'sha256 over the time and body',
        { 'x-sig': mac('sha256', KEY, `${stamp}.${body}`).digest('hex'), 'x-sig-time': stamp },
        'CA-TIMED'
      ],
      [
        'sha256 over the body, a time sent beside it',
        { 'x-sig': `sha256=${mac('sha256', KEY, body).digest('hex')}`, 'x-sig-time': stamp },
        'CA-BARE CA-BARE-TOO'
      ],
      // Refused; the reason given is the last court's asked (CA-TIMED's: it was sent no time).
      ['sha256 with another key', { 'x-sig': mac('sha256', env.OTHER_HMAC, body).digest('hex') }, 'no timestamp'],
      [
        'sha256 with another key, a time sent beside it',
        { 'x-sig': mac('sha256', env.OTHER_HMAC, body).digest('hex'), 'x-sig-time': stamp },
        'wrong signature'
      ]
    ]
    for (const [what, headers, expected] of cases) {
      t.equal(courtOf(auth.bySignature(headers, body, NOW)), expected, what)
      // Asked again, with nothing carried over from the last answer.
      t.equal(courtOf(auth.bySignature(headers, body, NOW)), expected, `${what}, again`)
    }
  }
)

t.test('a timestamped signature holds within the tolerance and is refused outside it, either way', async (t) => {
  const sign = (stamp: number, text = body) => ({
    'x-signature': mac('sha512', KEY, `${stamp}.${text}`).digest('base64'),
    'x-signature-timestamp': String(stamp)
  })
  t.equal(courtOf(stamped.bySignature(sign(nowSeconds), body, NOW)), 'CA-STAMPED', 'signed now')
  t.equal(courtOf(stamped.bySignature(sign(nowSeconds - 120), body, NOW)), 'CA-STAMPED', 'two minutes ago')
  t.equal(courtOf(stamped.bySignature(sign(nowSeconds + 119), body, NOW)), 'CA-STAMPED', 'a court clock ahead')
  t.equal(courtOf(stamped.bySignature(sign(nowSeconds - 121), body, NOW)), 'stale timestamp', 'a replay later')
  t.equal(courtOf(stamped.bySignature(sign(nowSeconds + 3600), body, NOW)), 'stale timestamp', 'an hour ahead')
  const moved = { ...sign(nowSeconds - 3600), 'x-signature-timestamp': String(nowSeconds) }
  t.equal(courtOf(stamped.bySignature(moved, body, NOW)), 'wrong signature', 'an old signature with a new time')
  const { 'x-signature-timestamp': _, ...unstamped } = sign(nowSeconds)
  t.equal(courtOf(stamped.bySignature(unstamped, body, NOW)), 'no timestamp')
  t.equal(
    courtOf(stamped.bySignature({ ...sign(nowSeconds), 'x-signature-timestamp': 'yesterday' }, body, NOW)),
    'no timestamp'
  )
  const overBodyOnly = { 'x-signature': mac('sha512', KEY, body).digest('base64'), 'x-signature-timestamp': '1' }
  t.equal(courtOf(stamped.bySignature(overBodyOnly, body, NOW)), 'wrong signature', 'the time must be signed too')
})

t.test('property: any body signed with the key is taken; any change to it, the time or the key is not', async (t) => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }),
      fc.integer({ min: -120, max: 120 }),
      fc.nat(),
      fc.constantFrom('hex', 'base64' as const),
      (text, skew, flip, encoding) => {
        const stamp = nowSeconds + skew
        const good = {
          'x-signature': mac('sha512', KEY, `${stamp}.${text}`).digest(encoding),
          'x-signature-timestamp': String(stamp)
        }
        if (courtOf(stamped.bySignature(good, text, NOW)) !== 'CA-STAMPED') throw new Error('a good signature refused')
        const chars = [...text]
        const i = flip % chars.length
        chars[i] = chars[i] === 'a' ? 'b' : 'a'
        const altered = chars.join('')
        if (altered !== text && courtOf(stamped.bySignature(good, altered, NOW)) === 'CA-STAMPED')
          throw new Error('an altered body taken')
        const later = { ...good, 'x-signature-timestamp': String(stamp + 1) }
        if (courtOf(stamped.bySignature(later, text, NOW)) === 'CA-STAMPED') throw new Error('an altered time taken')
      }
    ),
    { numRuns: 500 }
  )
  t.pass('500 generated callbacks')
})

t.test('signature bytes of the wrong length or alphabet are none', async (t) => {
  t.equal(signatureBytes('sha256=abcd', 'sha256'), null)
  t.equal(signatureBytes('not base64 at all!', 'sha256'), null)
  t.equal(signatureBytes(createHmac('sha256', 'k').update('x').digest('hex'), 'sha512'), null, 'sha256 for sha512')
  t.equal(signatureBytes(createHmac('sha512', 'k').update('x').digest('base64'), 'sha512')?.length, 64)
})
