import t from 'tap'
import {
  asInchoateOf,
  findAllCodeSectionsInText,
  findCodeSectionInText,
  formatCodeSection,
  isBareInchoate,
  mayConcernCannabis,
  normalizeCodeSection,
  offenseCodeText,
  parseCodeSection,
  readCodeSection,
  readOffenseText,
  sectionMatches,
  type CodeSection
} from '../../src/eligibility/code-section.js'
import { seededRandom } from '../../src/seeded-random.js'

const cs = (text: string): CodeSection => {
  const parsed = parseCodeSection(text)
  if (!parsed) throw new Error(`not a code section: ${text}`)
  return parsed
}

t.test('every form real records use normalizes to one canonical text', async (t) => {
  const cases: Array<[string, string]> = [
    ['11359 HS', 'HS 11359'],
    ['HS 11359(b)', 'HS 11359(b)'],
    ['11357(A)HS', 'HS 11357(a)'],
    ['11357(C) HS', 'HS 11357(c)'],
    ['66411357(A) HS', 'PC 664/HS 11357(a)'],
    ['PC 664/187', 'PC 664/187'],
    ['664/187 PC', 'PC 664/187'],
    ['187/664 PC', 'PC 664/187'],
    ['182(A)(1)/11359 HS', 'PC 182/HS 11359'],
    ['288A(C)(1) PC', 'PC 288a(c)(1)'],
    ['11360(A)(3)(C) HS', 'HS 11360(a)(3)(C)'],
    ['H&S 11360(a)(2)', 'HS 11360(a)(2)'],
    ['PEN 245(a)(1)', 'PC 245(a)(1)'],
    ['23152(B) VC', 'VC 23152(b)'],
    ['4060 BP', 'BP 4060'],
    ['273AB PC', 'PC 273ab'],
    ['288.5(A) PC', 'PC 288.5(a)'],
    ['11362.1 HS', 'HS 11362.1'],
    ['  hs 11358 ', 'HS 11358']
  ]
  for (const [input, expected] of cases) t.equal(normalizeCodeSection(input), expected, input)
})

t.test('cannabis sections with missing or wrong code letters are read as HS, and say so', async (t) => {
  const missing = cs('11357(A)')
  t.equal(formatCodeSection(missing), 'HS 11357(a)')
  t.match(missing.notes, [/no code given/])
  const wrong = cs('11357(A)PC')
  t.equal(formatCodeSection(wrong), 'HS 11357(a)')
  t.match(wrong.notes, [/written as PC/])
  t.equal(formatCodeSection(cs('187')), '? 187', 'a bare non-cannabis number keeps an unknown code')
})

t.test('free text is not a code section', async (t) => {
  t.equal(parseCodeSection('SEE COMMENT FOR CHARGE'), null)
  t.equal(parseCodeSection(''), null)
  t.equal(parseCodeSection('POSSESS MARIJUANA'), null)
})

t.test('charges are found inside comment text, bounded on both sides', async (t) => {
  t.equal(formatCodeSection(findCodeSectionInText('CHRG: 11359 HS POSS FOR SALE')!), 'HS 11359')
  t.same(findAllCodeSectionsInText('ORIG 11357(B) HS; AMENDED TO PC 32').map(formatCodeSection), [
    'HS 11357(b)',
    'PC 32'
  ])
  t.equal(findCodeSectionInText('CASE 2011187PC0001'), null, 'digits inside a docket number are no charge')
  t.equal(findCodeSectionInText('NO CHARGE LISTED'), null)
})

t.test('DOJ offense descriptions split at the hyphen before the words', async (t) => {
  t.equal(offenseCodeText('11357(C)HS-POSSESS MARIJUANA'), '11357(C)HS')
  t.equal(offenseCodeText('11358 HS-CULTIVATE CANNABIS'), '11358 HS')
  t.equal(offenseCodeText('187-664 PC-ATTEMPTED MURDER'), '187-664 PC')
  t.equal(normalizeCodeSection(offenseCodeText('187-664 PC-ATTEMPTED MURDER')), 'PC 664/187')
})

t.test('a list entry matches by prefix on a subsection boundary', async (t) => {
  t.ok(sectionMatches(cs('PC 286(c)'), cs('PC 286(c)(2)(A)')))
  t.ok(sectionMatches(cs('PC 286'), cs('PC 286(c)')))
  t.notOk(sectionMatches(cs('PC 286(c)'), cs('PC 286.5')), 'PC 286.5 is another section')
  t.notOk(sectionMatches(cs('PC 286(c)'), cs('PC 286')), 'a bare 286 is not known to be 286(c)')
  t.notOk(sectionMatches(cs('PC 286(c)(2)'), cs('PC 286(c)(3)')))
})

t.test('the anchor tool’s false matches do not happen here', async (t) => {
  // gogen's unanchored regexes: `187 PC` matched `1187 PC`, `37 PC` matched `137 PC`, `128 PC` matched `1128 PC`, `32\s*PC` matched `132 PC`.
  t.notOk(sectionMatches(cs('PC 187'), cs('1187 PC')))
  t.notOk(sectionMatches(cs('PC 37'), cs('137 PC')))
  t.notOk(sectionMatches(cs('PC 37'), cs('237 PC')))
  t.notOk(sectionMatches(cs('PC 128'), cs('1128 PC')))
  t.notOk(sectionMatches(cs('PC 32'), cs('132 PC')))
  t.notOk(sectionMatches(cs('PC 261'), cs('261.5 PC')), '261.5 is not rape under 261')
  t.notOk(sectionMatches(cs('PC 653f(c)'), cs('653F(B) PC')))
  t.ok(sectionMatches(cs('PC 653f(b)'), cs('653F(B) PC')), 'gogen missed 653F(B) with its bare 653F pattern')
  t.ok(sectionMatches(cs('PC 287(c)(1)'), cs('287(C)(1) PC')), 'gogen missed post-2019 287(C)(1)')
  t.ok(sectionMatches(cs('PC 288(a)'), cs('288(A) PC')), 'gogen missed 288(A) as registrable')
  t.notOk(sectionMatches(cs('HS 11357'), cs('HS 113570')))
})

t.test('renumbered sections match under either number', async (t) => {
  t.ok(sectionMatches(cs('PC 287(c)(1)'), cs('288A(C)(1) PC')))
  t.ok(sectionMatches(cs('PC 288a(c)(1)'), cs('287(C)(1) PC')))
  t.ok(sectionMatches(cs('PC 18745'), cs('12308 PC')))
  t.ok(sectionMatches(cs('PC 12309'), cs('18750 PC')))
  t.ok(sectionMatches(cs('PC 18755'), cs('12310 PC')))
  t.notOk(sectionMatches(cs('PC 287'), cs('PC 288')))
})

t.test('attempts and conspiracies match only entries that name them, or lists that include them', async (t) => {
  t.notOk(sectionMatches(cs('PC 187'), cs('PC 664/187')))
  t.ok(sectionMatches(cs('PC 664/187'), cs('664/187 PC')))
  t.ok(sectionMatches(cs('PC 664/187'), cs('187/664 PC')))
  t.notOk(sectionMatches(cs('PC 664/187'), cs('PC 187')))
  t.ok(sectionMatches(cs('PC 288'), cs('664/288(A) PC'), { includeInchoate: true }))
  t.ok(sectionMatches(cs('PC 288'), cs('182/288 PC'), { includeInchoate: true }))
  t.ok(sectionMatches(cs('HS 11357'), cs('66411357(A) HS'), { includeInchoate: true }))
})

t.test('code letters glued to the section are read as the code, not as a section suffix', async (t) => {
  const cases: Array<[string, string]> = [
    ['11359HS', 'HS 11359'],
    ['11358HS', 'HS 11358'],
    ['11357HS', 'HS 11357'],
    ['11360HS', 'HS 11360'],
    ['187PC', 'PC 187'],
    ['664/187PC', 'PC 664/187'],
    ['288APC', 'PC 288a'],
    ['273ABPC', 'PC 273ab'],
    ['11359(B)HS', 'HS 11359(b)'],
    ['HS11359', 'HS 11359'],
    ['H&S11359', 'HS 11359'],
    ['11359H&S', 'HS 11359'],
    ['11359 H & S', 'HS 11359'],
    ['11359 H.S.', 'HS 11359'],
    ['P.C. 187', 'PC 187'],
    ['11359.HS', 'HS 11359'],
    ['HS-11359', 'HS 11359']
  ]
  for (const [input, expected] of cases) t.equal(normalizeCodeSection(input), expected, input)
  t.equal(normalizeCodeSection('288A PC'), 'PC 288a', 'a one-letter suffix stays a suffix')
})

t.test('attempts and conspiracies are read in every spelling, with the code on either part', async (t) => {
  const cases: Array<[string, string]> = [
    ['664 PC/11359 HS', 'PC 664/HS 11359'],
    ['664PC/11359HS', 'PC 664/HS 11359'],
    ['PC 664/HS 11359', 'PC 664/HS 11359'],
    ['664/11359 HS', 'PC 664/HS 11359'],
    ['664-11359 HS', 'PC 664/HS 11359'],
    ['11359/664 HS', 'PC 664/HS 11359'],
    ['182/11359 HS', 'PC 182/HS 11359'],
    ['182(A)(1) PC/11359 HS', 'PC 182/HS 11359'],
    ['PC182/HS11359', 'PC 182/HS 11359'],
    ['18211359 HS', 'PC 182/HS 11359'],
    ['664(A)/187 PC', 'PC 664/187']
  ]
  for (const [input, expected] of cases) t.equal(normalizeCodeSection(input), expected, input)
})

t.test('DOJ offense descriptions give the charge before its words, glued or spaced', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['11359HS-POSSESS FOR SALE', '11359HS', 'HS 11359'],
    ['187PC-MURDER', '187PC', 'PC 187'],
    ['664/187PC-ATTEMPTED MURDER', '664/187PC', 'PC 664/187'],
    ['664 PC/11359 HS-ATTEMPT POSSESS FOR SALE', '664 PC/11359 HS', 'PC 664/HS 11359'],
    ['182/11359 HS-CONSPIRACY', '182/11359 HS', 'PC 182/HS 11359'],
    ['11357(C)HS-POSSESS MARIJUANA', '11357(C)HS', 'HS 11357(c)'],
    ['11359 HS POSSESS FOR SALE', '11359 HS', 'HS 11359'],
    ['11359 H&S-POSSESS FOR SALE', '11359 H&S', 'HS 11359']
  ]
  for (const [input, text, canonical] of cases) {
    const read = readOffenseText(input)
    t.equal(read.text, text, `${input}: text`)
    t.equal(read.section && formatCodeSection(read.section), canonical, `${input}: section`)
  }
})

t.test('the grammar refuses what it cannot read, and says why', async (t) => {
  for (const input of [
    '11359 HS PC',
    '11359XYZ',
    '11359(B HS',
    '187/211 PC',
    '11359B HS',
    'POSS MJ',
    '11359 HS 11360 HS'
  ]) {
    const read = readCodeSection(input)
    t.equal(read.section, null, input)
    t.ok(read.refused && read.refused.length > 5, `${input}: ${read.refused}`)
  }
})

t.test('a bare PC 182 or 664 is the statute alone; its target comes from elsewhere', async (t) => {
  const bare = cs('182(A)(1) PC')
  t.ok(isBareInchoate(bare))
  const target = asInchoateOf(bare, cs('11359 HS'), 'COMMENT_TEXT')
  t.equal(formatCodeSection(target), 'PC 182/HS 11359')
  t.match(target.notes.join(), /read from COMMENT_TEXT/)
  t.notOk(isBareInchoate(cs('PC 187')))
})

t.test('text that may concern cannabis is recognised whatever its section spelling', async (t) => {
  for (const text of ['POSS MARIJUANA FOR SALE', 'CANNABIS', '11359B HS', 'CHRG 66411359', 'MJ'])
    t.ok(mayConcernCannabis(text), text)
  for (const text of ['BURGLARY', '113590 HS', 'MAJOR', 'SMJ']) t.notOk(mayConcernCannabis(text), text)
})

t.test('property: any spelling of a section reads back to the same canonical form', async (t) => {
  const rand = seededRandom(64)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const codes: Record<string, string[]> = {
    HS: ['HS', 'H&S', 'H & S', 'HSC', 'H.S.', 'H/S', 'hs'],
    PC: ['PC', 'P.C.', 'PEN', 'pc'],
    VC: ['VC', 'V.C.', 'VEH']
  }
  const sections: Array<[string, string, string[]]> = [
    ['HS', '11359', []],
    ['HS', '11357', ['b']],
    ['HS', '11360', ['a', '3', 'c']],
    ['PC', '187', []],
    ['PC', '288a', ['c', '1']],
    ['PC', '245', ['a', '1']],
    ['PC', '261.5', []],
    ['VC', '23152', ['b']],
    ['PC', '273ab', []],
    ['HS', '11362.1', []]
  ]
  for (let i = 0; i < 2000; i++) {
    const [code, section, subs] = pick(sections)
    const subText = subs.map((s) => `${pick([' ', '', ''])}(${pick([s.toUpperCase(), s])})`).join('')
    const codeText = pick(codes[code]!)
    const inchoate = pick(['', '', '', '664/', '664 PC/', '182/', '182(A)(1)/', '/664'])
    // After a letter suffix with no subdivision, glued code letters would be ambiguous to any reader: DOJ keeps a space there.
    const gap = /[a-z]$/.test(section) && subText === '' ? pick([' ', '  ']) : pick([' ', '', '  '])
    const core = pick([
      () => `${section.toUpperCase()}${subText}${gap}${codeText}`,
      () => `${codeText}${pick([' ', '', '  '])}${section.toUpperCase()}${subText}`
    ])()
    const text = inchoate === '/664' ? `${core}/664` : `${inchoate}${core}`
    // A one-letter glued suffix next to glued code letters would be ambiguous to a reader too; the generator keeps one space there.
    const read = parseCodeSection(text)
    const expectedCore = `${code} ${section}${subs.map((s, k) => `(${k === 2 ? s.toUpperCase() : s})`).join('')}`
    const expected =
      inchoate === ''
        ? expectedCore
        : `PC ${inchoate.includes('182') ? '182' : '664'}/${code === 'PC' ? expectedCore.slice(3) : expectedCore}`
    if (!read || formatCodeSection(read) !== expected) {
      t.fail(`${JSON.stringify(text)} read as ${read ? formatCodeSection(read) : 'nothing'}, expected ${expected}`)
      return
    }
  }
  t.pass('2,000 generated spellings read back')
})
