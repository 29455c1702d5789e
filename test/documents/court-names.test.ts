import fc from 'fast-check'
import t from 'tap'
import {
  captionNames,
  courtName,
  dojForm,
  dojParts,
  partsOfCourtName,
  proseName,
  rosterNames,
  type NameParts
} from '../../src/documents/court-names.js'

t.test('a DOJ name is written given names first, an initial with its period', async (t) => {
  const cases: Array<[string, string]> = [
    ['NGUYEN,DAVID B', 'DAVID B. NGUYEN'],
    ['NGUYEN, DAVID B.', 'DAVID B. NGUYEN'],
    ['GARCIA,MARIA', 'MARIA GARCIA'],
    ['NGUYEN,DAVID BAO', 'DAVID BAO NGUYEN'],
    ['SMITH,J ROBERT', 'J. ROBERT SMITH'],
    ['SMITH JR,JOHN', 'JOHN SMITH JR.'],
    ['SMITH,JOHN JR', 'JOHN SMITH JR.'],
    ['SMITH,JOHN JR.', 'JOHN SMITH JR.'],
    ['SMITH,JOHN,JR', 'JOHN SMITH JR.'],
    ['SMITH,JOHN III', 'JOHN SMITH III'],
    ['SMITH SR,JOHN A', 'JOHN A. SMITH SR.'],
    ['SMITH,JOHN V', 'JOHN V. SMITH'],
    ['DE LA CRUZ,MARIA', 'MARIA DE LA CRUZ'],
    ['GARCIA-LOPEZ,ANA M', 'ANA M. GARCIA-LOPEZ'],
    ["O'BRIEN,ZOE", "ZOE O'BRIEN"],
    ['  NGUYEN ,  DAVID   B  ', 'DAVID B. NGUYEN'],
    ['NGUYEN,', 'NGUYEN'],
    [',DAVID', 'DAVID'],
    ['SMITH,JR', 'JR SMITH'],
    ['X,MALCOLM', 'MALCOLM X'],
    ['Nguyen,David B', 'David B. Nguyen'],
    ['MUÑOZ,JOSÉ Á', 'JOSÉ Á. MUÑOZ']
  ]
  for (const [doj, court] of cases) t.equal(courtName(doj), court, doj)
})

t.test('a name not in the DOJ form is left as it is, its spaces tidied', async (t) => {
  t.equal(courtName('DAVID B. NGUYEN'), 'DAVID B. NGUYEN')
  t.equal(courtName('Nguyễn Văn Thành'), 'Nguyễn Văn Thành')
  t.equal(courtName('  MADONNA  '), 'MADONNA')
  t.equal(courtName('SMITH,JOHN,PAUL'), 'SMITH,JOHN,PAUL', 'a second comma that is not a suffix’s: not a form we know')
  t.equal(courtName(','), ',')
  t.equal(courtName(''), '')
  t.equal(dojParts('NGUYEN DAVID'), null)
})

t.test('the DOJ form is shown once as an a.k.a. when it reads differently, aliases in their court form', async (t) => {
  t.same(captionNames('NGUYEN,DAVID B', []), { name: 'DAVID B. NGUYEN', akas: ['NGUYEN, DAVID B'] })
  t.same(captionNames('NGUYEN,DAVID B', ['NGUYEN, DAVID B', 'NGUYEN,DAVE', 'DAVE NGUYEN', 'david b nguyen']), {
    name: 'DAVID B. NGUYEN',
    akas: ['NGUYEN, DAVID B', 'DAVE NGUYEN']
  })
  t.same(captionNames('MADONNA', ['MADONNA', 'CICCONE,MADONNA L']), {
    name: 'MADONNA',
    akas: ['MADONNA L. CICCONE']
  })
  t.same(captionNames('NGUYEN,', []), { name: 'NGUYEN', akas: [] }, 'a DOJ form that says the same is not repeated')
  t.same(rosterNames('NGUYEN,DAVID B', ['NGUYEN, DAVID B', 'NGUYEN,DAVE']), {
    name: 'NGUYEN, DAVID B',
    akas: ['NGUYEN, DAVE']
  })
  t.equal(dojForm('  DE LA CRUZ ,MARIA  '), 'DE LA CRUZ, MARIA')
})

/* Generated DOJ names: the rule keeps every letter and can be turned back into the DOJ parts. */

const SUFFIX_WORDS = new Set(['JR', 'SR', 'II', 'III', 'IV'])
const letter = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZÁÉÑÖØŁabcxyz')
const nameWord = fc
  .tuple(fc.array(letter, { minLength: 1, maxLength: 8 }), fc.constantFrom('', '', '', "'", '-'), fc.array(letter))
  .map(([a, join, b]) => (join === '' || b.length === 0 ? a.join('') : `${a.join('')}${join}${b.join('')}`))
  .filter((w) => !SUFFIX_WORDS.has(w.toUpperCase()))
const partsArb: fc.Arbitrary<NameParts> = fc
  .record({
    surname: fc.array(nameWord, { minLength: 0, maxLength: 3 }),
    given: fc.array(nameWord, { minLength: 0, maxLength: 3 }),
    suffix: fc.constantFrom('', '', '', 'JR', 'SR', 'II', 'III', 'IV')
  })
  .filter((p) => p.surname.length + p.given.length > 0)
  // A suffix is read only beside another word of its part (`SMITH,JR` is a given name JR).
  .filter((p) => p.suffix === '' || (p.surname.length > 0 && p.given.length > 0))
  .map((p) => ({ surname: p.surname.join(' '), given: p.given, suffix: p.suffix }))
const space = fc.constantFrom('', ' ', '  ')
/** The parts spelled as the DOJ might: the suffix after the surname, the given names or a second comma; loose spaces; periods on initials and suffixes. */
const dojArb = fc
  .record({
    parts: partsArb,
    where: fc.constantFrom('surname', 'given', 'comma'),
    pad: fc.array(space, { minLength: 4, maxLength: 4 }),
    dot: fc.boolean()
  })
  .map(({ parts, where, pad, dot }) => {
    const given = parts.given.map((w) => (dot && w.length === 1 ? `${w}.` : w)).join(' ')
    const suffix = dot && (parts.suffix === 'JR' || parts.suffix === 'SR') ? `${parts.suffix}.` : parts.suffix
    const [a, b, c, d] = pad as [string, string, string, string]
    const surname = where === 'surname' && suffix ? `${parts.surname} ${suffix}` : parts.surname
    const givenPart = where === 'given' && suffix ? `${given} ${suffix}` : given
    const raw = `${a}${surname}${b},${c}${givenPart}${d}${where === 'comma' && suffix ? `,${suffix}` : ''}`
    return { parts, raw }
  })

const lettersOf = (text: string) => [...text.replace(/[^\p{L}]/gu, '')].sort().join('')
const othersOf = (text: string) => [...text.replace(/[\p{L}\s.,]/gu, '')].sort().join('')

t.test('property: the court form of a generated DOJ name', async (t) => {
  fc.assert(
    fc.property(dojArb, ({ parts, raw }) => {
      const court = courtName(raw)
      // Never loses (or adds) a letter, nor an apostrophe or hyphen.
      if (lettersOf(court) !== lettersOf(raw)) throw new Error(`${raw} -> ${court}: letters differ`)
      if (othersOf(court) !== othersOf(raw)) throw new Error(`${raw} -> ${court}: marks differ`)
      // Reads the DOJ parts back, and the court form turns back into them.
      if (JSON.stringify(dojParts(raw)) !== JSON.stringify(parts))
        throw new Error(`${raw} read as ${JSON.stringify(dojParts(raw))}, expected ${JSON.stringify(parts)}`)
      const surnameWords = parts.surname === '' ? 0 : parts.surname.split(' ').length
      const back = partsOfCourtName(court, surnameWords)
      if (JSON.stringify(back) !== JSON.stringify(parts))
        throw new Error(`${raw} -> ${court} -> ${JSON.stringify(back)}, expected ${JSON.stringify(parts)}`)
      // A court form has no comma, single spaces and is its own court form.
      if (court.includes(',') || /\s\s|^\s|\s$/.test(court)) throw new Error(`${raw} -> ${JSON.stringify(court)}`)
      if (courtName(court) !== court) throw new Error(`${court} is not its own court form`)
      // Given names come first, then the surname as one run of words.
      if (!court.includes(parts.surname)) throw new Error(`${court} splits ${parts.surname}`)
    }),
    { numRuns: 2000 }
  )
  t.pass('2,000 generated DOJ names')
})

t.test('property: any text keeps its letters, and the caption shows each name once', async (t) => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.array(fc.string({ maxLength: 20 }), { maxLength: 4 }),
      (raw, aliases) => {
        const court = courtName(raw)
        if (lettersOf(court) !== lettersOf(raw)) throw new Error(`${JSON.stringify(raw)} -> ${JSON.stringify(court)}`)
        const { name, akas } = captionNames(raw, aliases)
        const key = (s: string) =>
          s
            .replace(/[.,\s]+/g, ' ')
            .trim()
            .toUpperCase()
        const keys = [name, ...akas].map(key)
        if (new Set(keys).size !== keys.length) throw new Error(`${JSON.stringify([name, ...akas])} repeats a name`)
      }
    ),
    { numRuns: 2000 }
  )
  t.pass('2,000 generated texts')
})

t.test('a sentence names the defendant in proper case; a name already in mixed case keeps it', async (t) => {
  const cases: Array<[string, string]> = [
    ['NGUYEN,DAVID B', 'David B. Nguyen'],
    ['MCDONALD,RONALD', 'Ronald McDonald'],
    ['MACDONALD,ANNA', 'Anna Macdonald'],
    ["O'BRIEN,ZOE", "Zoe O'Brien"],
    ['GARCIA-LOPEZ,ANA M', 'Ana M. Garcia-Lopez'],
    ['DE LA CRUZ,MARIA', 'Maria De La Cruz'],
    ['SMITH JR,JOHN', 'John Smith Jr.'],
    ['SMITH,JOHN III', 'John Smith III'],
    ['MUÑOZ,JOSÉ Á', 'José Á. Muñoz'],
    ['MC,IV', 'Iv Mc'],
    ['McDonald,Ronald', 'Ronald McDonald'],
    ['van der Berg,Anna', 'Anna van der Berg']
  ]
  for (const [doj, prose] of cases) t.equal(proseName(doj), prose, doj)
})

t.test('property: proper case only lowers letters, and raising them again gives the court form', async (t) => {
  fc.assert(
    fc.property(
      fc.oneof(
        dojArb.map((d) => d.raw),
        fc.string({ unit: 'grapheme', maxLength: 40 })
      ),
      (raw) => {
        const court = courtName(raw)
        const prose = proseName(raw)
        if (court === court.toUpperCase() && prose.toUpperCase() !== court)
          throw new Error(`${JSON.stringify(raw)} -> ${JSON.stringify(prose)} does not raise back to ${court}`)
        if (court !== court.toUpperCase() && prose !== court)
          throw new Error(`${JSON.stringify(raw)}: a mixed-case name was changed to ${JSON.stringify(prose)}`)
        if (proseName(prose) !== prose && prose !== prose.toUpperCase())
          throw new Error(`${JSON.stringify(prose)} is not its own proper case`)
      }
    ),
    { numRuns: 3000 }
  )
  t.pass('3,000 generated names')
})
