import { readFileSync } from 'node:fs'
import t from 'tap'
import { Policy as PolicySchema } from '../../schemas/policy.js'
import { parsePolicy } from '../../src/eligibility/parse-policy.js'

t.test(
  'a gogen options file is type-checked: a list given as a string, a misspelt key or a bad section is refused',
  async (t) => {
    const refused = (input: unknown) => {
      try {
        parsePolicy(input)
        return null
      } catch (err) {
        return (err as { code: string; details: Array<{ path: string }> }).details.map((d) => d.path)
      }
    }
    t.same(refused({ baselineEligibility: { dismiss: '11357' } }), ['/baselineEligibility/dismiss'])
    t.same(refused({ baselineEligibility: { dismis: ['11357'] } }), ['/baselineEligibility/dismis'])
    t.same(refused({ additionalRelief: { subjectAgeThreshold: '50' } }), ['/additionalRelief/subjectAgeThreshold'])
    t.same(refused({ baselineEligibility: { reduce: ['11359', 'eleven'] } }), ['/baselineEligibility/reduce/1'])
    t.same(refused({ baselineEligibility: { dismiss: ['11357'] }, extra: 1 }), ['/extra'])
    t.equal(refused({ baselineEligibility: { dismiss: ['11357'] } }), null)
  }
)

t.test('a policy with a bad field or a bad code section is refused by path', async (t) => {
  t.throws(() => parsePolicy({ name: 'p', version: '1', disqualifiers: 'sometimes', rules: [] }), {
    code: 'CLEARFILE_ERR_VALIDATION',
    details: [{ path: '/disqualifiers' }]
  })
  t.throws(
    () =>
      parsePolicy({
        name: 'p',
        version: '1',
        disqualifiers: 'enforce',
        rules: [{ when: { section: ['cannabis'] }, then: 'floor', reason: 'x' }]
      }),
    { code: 'CLEARFILE_ERR_VALIDATION', details: [{ path: '/rules/0/when/section/0' }] }
  )
})

t.test('schemas/policy.schema.json is the policy schema the code validates with', async (t) => {
  const file = JSON.parse(readFileSync(new URL('../../schemas/policy.schema.json', import.meta.url), 'utf8'))
  const { $schema, ...rest } = file
  t.equal($schema, 'https://json-schema.org/draft/2020-12/schema')
  t.same(rest, JSON.parse(JSON.stringify(PolicySchema)))
})
