import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ECF_DIR, ecfProblems } from '../../src/ecf/validator.js'

const sample = (name: string) => readFileSync(join(ECF_DIR(), 'xml', name))

t.test(
  'the OASIS sample messages clearfile sends and reads validate against the vendored schemas, offline',
  async (t) => {
    for (const name of [
      'ECF-4.0-CoreFilingMessage-Criminal2.xml',
      'ECF-4.0-ReviewFilingCallbackMessage.xml',
      'ECF-4.0-FilingStatusQueryMessage.xml',
      'ECF-4.0-FilingStatusResponseMessage.xml',
      'ECF-4.0-FilingListQueryMessage.xml',
      'ECF-4.0-FilingListResponseMessage.xml',
      'ECF-4.0-PaymentMessage.xml',
      'ECF-4.0-PaymentReceiptMessage.xml',
      'ECF-4.0-CoreFilingMessage-Appellate.xml'
    ]) {
      t.same(ecfProblems(sample(name)), [], name)
    }
    t.ok(readdirSync(join(ECF_DIR(), 'xsd', 'message')).length >= 24, 'the message schemas are vendored')
  }
)

t.test('a message missing a required element is invalid, and the problem names the element', async (t) => {
  const broken = sample('ECF-4.0-CoreFilingMessage-Criminal2.xml')
    .toString('utf8')
    .replace(/<criminal:ChargeAmendedIndicator>[^<]*<\/criminal:ChargeAmendedIndicator>/, '')
  const problems = ecfProblems(broken)
  t.ok(problems.length > 0)
  t.match(problems[0]!.message, /ChargeOffense|ChargeAmendedIndicator/)
  t.ok(problems[0]!.line > 0)
})
