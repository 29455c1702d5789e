import t from 'tap'
import { parseCodeSection } from '../../src/eligibility/code-section.js'
import { matchList, OFFENSE_LISTS } from '../../src/eligibility/offense-lists.js'
import { loadPolicy } from '../../src/eligibility/policies.js'

/*
 * How one conviction stands against a statute's list (src/eligibility/offense-lists.ts): listed only when read
 * without doubt; a record that leaves out its code, or is dated before its section existed, or a felony-only entry
 * with no severity, needs a person to look.
 */
const section = (text: string) => {
  const parsed = parseCodeSection(text)
  if (!parsed) throw new Error(`not a code section: ${text}`)
  return parsed
}

t.test(
  'a murder with its code is a super strike; without its code it needs the code, and 1187 is no 187',
  async (t) => {
    const { superstrikes } = OFFENSE_LISTS
    t.match(matchList(superstrikes, section('187 PC'), 'F'), { kind: 'listed', entry: { section: 'PC 187' } })
    t.match(matchList(superstrikes, section('187'), 'F'), {
      kind: 'needs_fact',
      fact: 'which code 187 was under (the record gives none; PC 187 is listed)'
    })
    t.same(matchList(superstrikes, section('1187'), 'F'), { kind: 'not_listed' }, 'a section no list has, code-less')
    t.same(matchList(superstrikes, section('1187 PC'), 'F'), { kind: 'not_listed' })
  }
)

t.test('a conviction dated before its section existed is inconsistent and needs a person to look', async (t) => {
  const { superstrikes } = OFFENSE_LISTS
  t.match(matchList(superstrikes, section('PC 287(c)(1)'), 'F', '2019-03-01'), { kind: 'listed' })
  t.match(matchList(superstrikes, section('PC 287(c)(1)'), 'F', '2018-12-31'), {
    kind: 'needs_fact',
    fact: /PC 287\(c\)\(1\) is dated 2018-12-31, before PC 287 existed \(.+\): the record is inconsistent/
  })
})

t.test('a felony-only registrable offense: listed as a felony, not as a misdemeanor, asked when unknown', async (t) => {
  const { registrable } = OFFENSE_LISTS
  t.match(matchList(registrable, section('PC 288.2'), 'F'), { kind: 'listed', entry: { section: 'PC 288.2' } })
  t.same(matchList(registrable, section('PC 288.2'), 'M'), { kind: 'not_listed' })
  t.match(matchList(registrable, section('PC 288.2'), null), {
    kind: 'needs_fact',
    fact: 'whether the conviction was a felony'
  })
})

t.test('a policy file that cannot be read, or is no policy, is refused naming the file and why', async (t) => {
  t.throws(() => loadPolicy('/nonexistent/policy.json'), {
    code: 'CLEARFILE_ERR_VALIDATION',
    message: /^policy \/nonexistent\/policy\.json: ENOENT/
  })
  const dir = t.testdir({ 'bad.json': '{"name": 7}', 'broken.json': '{' })
  t.throws(() => loadPolicy(`${dir}/broken.json`), { code: 'CLEARFILE_ERR_VALIDATION', message: /broken\.json: / })
  t.throws(() => loadPolicy(`${dir}/bad.json`), { code: 'CLEARFILE_ERR_VALIDATION', message: /bad\.json is invalid: / })
  t.equal(loadPolicy('statewide-default'), loadPolicy('statewide-default'), 'a built-in policy by its name')
})
