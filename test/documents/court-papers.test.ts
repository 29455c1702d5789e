import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import {
  renderBulkMotion,
  renderMotion,
  renderProposedOrder,
  renderSchedule,
  type BulkInput,
  type DaProfile,
  type PacketInput,
  type RenderedDocument
} from '../../src/documents/court-papers.js'
import { LINES_PER_PAGE, PAGE } from '../../src/documents/pleading-paper.js'
import { lawFloor } from '../../src/eligibility/prop64-floor.js'
import { lawFactsOf, reliefGrounds } from '../../src/eligibility/relief-grounds.js'
import { conv, person } from '../eligibility/record-builder.js'
import { lawFacts, packet, SALE_CASE, SF_PROFILE } from './fixtures.js'

const dir = mkdtempSync(join(tmpdir(), 'clearfile-papers-'))
let n = 0

/** The PDF's text, page by page, as poppler's pdftotext reads it (layout kept). */
function pagesOf(doc: RenderedDocument): string[] {
  const file = join(dir, `doc${++n}.pdf`)
  writeFileSync(file, doc.bytes)
  return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' })
    .split('\f')
    .filter((p) => p.trim() !== '')
}

/** A page's lines without its foot (the page number and the paper's title under it), so sentences read across pages. */
const withoutFoot = (page: string) => {
  const lines = page.split('\n')
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop()
  return lines.slice(0, -2)
}

/** The words of the pages with the pleading line numbers and the foot taken out, on one line. */
const bodyText = (pages: string[]) =>
  pages
    .map((p) =>
      withoutFoot(p)
        .map((l) => l.replace(/^\s{0,3}\d{1,2}(?=\s|$)/, ''))
        .join(' ')
    )
    .join(' ')
    .replace(/\s+/g, ' ')

/** The right-hand column of the caption: what stands after the ")" divider, line by line. */
const captionRight = (page: string) =>
  page
    .split('\n')
    .filter((l) => /\s\)(\s|$)/.test(l))
    .map((l) => l.slice(l.search(/\s\)(\s|$)/) + 2).trim())
    .filter((x) => x !== '')
    .join(' ')

const lineNumbers = (page: string) =>
  page
    .split('\n')
    .map((l) => /^\s{0,3}(\d{1,2})(?:\s|$)/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number)

t.test('every page of a motion has the 28 line numbers and the footer title under the page number', async (t) => {
  const motion = await renderMotion(packet())
  const pages = pagesOf(motion)
  t.equal(pages.length, motion.pages)
  t.ok(motion.pages >= 2)
  for (const [i, page] of pages.entries()) {
    t.same(
      lineNumbers(page)
        .filter((x) => x <= LINES_PER_PAGE)
        .slice(0, 28),
      Array.from({ length: 28 }, (_, k) => k + 1),
      `page ${i + 1} numbers 1-28`
    )
    t.match(page, /PEOPLE'S MOTION — H&S § 11361\.8/, `page ${i + 1} footer`)
    t.match(page, new RegExp(`\\n\\s+${i + 1}\\s*\\n\\s+PEOPLE'S MOTION`), `page ${i + 1} number above the footer`)
  }
})

t.test(
  'the first page carries counsel, the court, the caption, the case number and the nature of the paper',
  async (t) => {
    const [first] = pagesOf(await renderMotion(packet('GARCIA, MARIA', ['LOPEZ, MARIA'])))
    const words = bodyText([first!])
    for (const text of [
      'ALEX EXAMPLE (SBN 123456)',
      'JORDAN SAMPLE (SBN 654321)',
      'Attorneys for Plaintiff,',
      'SUPERIOR COURT OF THE STATE OF CALIFORNIA',
      'CITY AND COUNTY OF SAN FRANCISCO',
      'Plaintiff,',
      'MARIA GARCIA,',
      'aka GARCIA, MARIA,',
      'aka MARIA LOPEZ,',
      'Defendant.',
      'Case No. SCN123456'
    ]) {
      t.ok(words.includes(text), text)
    }
    t.ok(words.includes('THE PEOPLE OF THE STATE OF') && words.includes('CALIFORNIA,'), 'the People as plaintiff')
    t.match(
      captionRight(first!),
      /^Case No\. SCN123456 PEOPLE'S MOTION TO REDESIGNATE OR DISMISS AND SEAL \(Health & Saf\. Code, § 11361\.8\)$/
    )
    const counsel = first!.split('\n').findIndex((l) => l.includes('ALEX EXAMPLE'))
    const court = first!.split('\n').findIndex((l) => l.includes('SUPERIOR COURT OF THE STATE'))
    t.ok(counsel < court, 'counsel above the court')
    t.match(first!.split('\n')[court], /^\s*8\s/, 'the court’s title on line 8')
  }
)

t.test('the motion states each eligible count with its relief and citations, and leaves out the rest', async (t) => {
  const text = bodyText(pagesOf(await renderMotion(packet())))
  t.match(
    text,
    /HS 11359 \(felony\), convicted May 1, 2010\. [\s\S]*?The People ask the Court to redesignate the conviction as a misdemeanor \(Health & Saf\. Code, § 11361\.8, subds\. \(e\), \(f\)\)\. Authority/
  )
  t.match(
    text,
    /HS 11357\(b\) \(misdemeanor\), convicted May 1, 2010\. [\s\S]*?The People ask the Court to dismiss and seal the conviction as legally invalid \(Health & Saf\. Code, § 11361\.8, subds\. \(e\), \(f\)\)\. Authority/
  )
  t.match(text, /Authority: HS 11361\.8\(e\)-\(f\); HS 11359\(a\)-\(b\)\./)
  t.match(text, /Authority: HS 11361\.8\(e\)-\(f\); HS 11357\(a\)\(1\)-\(2\); HS 11362\.1\(a\)\(1\)\./)
  t.notMatch(text, /PC 667|PC 290/, 'the lists that were checked are not authority')
  t.notMatch(text, /PC 459/, 'a count that is not eligible is not on the motion')
  t.notMatch(text, /no disqualifying prior/, 'no blanket finding')
})

t.test(
  'a law-basis HS 11359 felony with every disqualifier checked and absent says the record shows no such prior',
  async (t) => {
    const text = bodyText(pagesOf(await renderMotion(packet())))
    t.match(
      text,
      /HS 11359 \(felony\), convicted May 1, 2010\. The District Attorney finds that the defendant is eligible for this relief under Health and Safety Code section 11361\.8/
    )
    t.match(
      text,
      /As to the prior convictions that Health and Safety Code section 11359\(c\) makes disqualifying, the record shows no prior conviction of an offense listed in Penal Code section 667\(e\)\(2\)\(C\)\(iv\), no prior conviction of an offense requiring registration under Penal Code section 290\(c\), and fewer than two prior convictions under Health and Safety Code section 11359\(b\)\./
    )
    // The misdemeanor possession count has no felony exception: nothing is said of priors.
    t.notMatch(text.slice(text.indexOf('HS 11357(b) (misdemeanor)')), /prior/)
  }
)

t.test(
  'a motion beyond the law for a person with a prior PC 187 claims no eligibility and no absence of priors, and cites Penal Code section 1385',
  async (t) => {
    // The engine's own facts: a felony HS 11359 after a PC 187, under a policy that only reports disqualifiers.
    const sale = conv('11359 HS', 'F', '2010-05-01')
    const floor = lawFloor(person([conv('187 PC', 'F', '2001-03-04'), sale]), sale, { asOf: '2026-11-28' })
    const facts = lawFactsOf(
      floor,
      { disqualifiers: 'report' },
      'Recall, resentence or redesignate every eligible Prop 64 felony'
    )
    const grounds = reliefGrounds('reduce_to_misdemeanor', floor.remedy, facts, false)
    t.equal(grounds.basis, 'beyond_law')
    const input = packet()
    input.cases = [{ ...SALE_CASE, counts: [{ ...SALE_CASE.counts[0]!, remedy: floor.remedy, grounds }] }]
    const pages = pagesOf(await renderMotion(input))
    const text = bodyText(pages)
    t.notMatch(text, /no disqualifying|no prior|legally invalid/i)
    // The only "eligible" is in the policy's own name, quoted as the policy's.
    t.notMatch(text.replace('("Recall, resentence or redesignate every eligible Prop 64 felony")', ''), /eligib/i)
    t.match(
      captionRight(pages[0]!),
      /MOTION TO REDESIGNATE \(Health & Saf\. Code, § 11361\.8\); IN FURTHERANCE OF JUSTICE \(Pen\. Code, § 1385\)$/
    )
    t.match(
      text,
      /under Health and Safety Code section 11361\.8 and, where stated, Penal Code section 1385, for the relief/
    )
    t.match(
      text,
      /The People do not contend that the defendant meets the criteria of Health and Safety Code section 11361\.8 for this relief: the record shows a prior conviction of an offense listed in Penal Code section 667\(e\)\(2\)\(C\)\(iv\) \(PC 187 on March 4, 2001\), which Health and Safety Code section 11359\(c\) makes disqualifying/
    )
    t.match(text, /in furtherance of justice \(Pen\. Code, § 1385, subd\. \(a\)\)/)
    t.match(text, /Authority: PC 1385\(a\); HS 11361\.8\(e\)-\(f\)\./)

    const order = bodyText(pagesOf(await renderProposedOrder(input)))
    t.match(
      order,
      /HS 11359 \(felony\), convicted May 1, 2010, is REDESIGNATED a misdemeanor in furtherance of justice\./
    )
    t.notMatch(order, /for all purposes|eligib/)
  }
)

t.test(
  'a sentence the record does not show as completed asks both remedies in the alternative, never (e)-(f) alone',
  async (t) => {
    const input = packet()
    const count = SALE_CASE.counts[0]!
    input.cases = [
      {
        ...SALE_CASE,
        counts: [
          {
            ...count,
            remedy: 'unknown',
            grounds: reliefGrounds(count.outcome as 'reduce_to_misdemeanor', 'unknown', count.grounds!.facts, false)
          }
        ]
      }
    ]
    const pages = pagesOf(await renderMotion(input))
    const text = bodyText(pages)
    t.match(captionRight(pages[0]!), /MOTION TO RECALL AND RESENTENCE OR REDESIGNATE \(Health/)
    t.match(
      text,
      /The record does not show whether the sentence on this count has been completed; the People ask the Court to recall the sentence and resentence the conviction as a misdemeanor \(Health & Saf\. Code, § 11361\.8, subds\. \(a\), \(b\)\), if the defendant is still serving the sentence, or to redesignate the conviction as a misdemeanor \(Health & Saf\. Code, § 11361\.8, subds\. \(e\), \(f\)\), if the sentence has been completed\./
    )
    t.match(text, /Authority: HS 11361\.8\(a\)-\(b\); HS 11361\.8\(e\)-\(f\); HS 11359\(a\)-\(b\)\./)
  }
)

t.test('a still-running sentence asks to recall and resentence under 11361.8(a)-(b)', async (t) => {
  const input = packet()
  const count = SALE_CASE.counts[0]!
  input.cases = [
    {
      ...SALE_CASE,
      counts: [
        {
          ...count,
          remedy: 'resentencing',
          grounds: reliefGrounds('reduce_to_misdemeanor', 'resentencing', count.grounds!.facts, false)
        }
      ]
    }
  ]
  const pages = pagesOf(await renderMotion(input))
  const text = bodyText(pages)
  t.match(captionRight(pages[0]!), /MOTION TO RECALL AND RESENTENCE \(Health/)
  t.match(
    text,
    /recall the sentence and resentence the conviction as a misdemeanor \(Health & Saf\. Code, § 11361\.8, subds\. \(a\), \(b\)\)/
  )
})

t.test(
  'the proposed order grants count by count, seals dismissals, ends HS 11590 registration and has the judge’s lines',
  async (t) => {
    const order = await renderProposedOrder(packet())
    const pages = pagesOf(order)
    const text = bodyText(pages)
    t.match(captionRight(pages[0]!), /\[PROPOSED\] ORDER GRANTING PEOPLE'S MOTION TO REDESIGNATE OR DISMISS AND SEAL/)
    t.match(text, /HS 11359 \(felony\), convicted May 1, 2010, is REDESIGNATED a misdemeanor for all purposes/)
    t.match(text, /HS 11357\(b\) \(misdemeanor\), convicted May 1, 2010, is DISMISSED and SEALED/)
    t.match(text, /shall be sealed\. \(Health & Saf\. Code, § 11361\.8, subd\. \(f\)\.\)/)
    t.match(text, /section 11590/)
    t.match(text, /Judge of the Superior Court/)
    for (const page of pages) t.match(page, /\[PROPOSED\] ORDER — H&S § 11361\.8/)
  }
)

t.test('names in any script the court sees are drawn and extractable as text', async (t) => {
  const names = ['Nguyễn Văn Thành', 'José Núñez', "Zoë O'Brien-Łukasiewicz"]
  const text = pagesOf(await renderMotion(packet(names[0], names.slice(1)))).join('\n')
  for (const name of names) t.ok(text.includes(name.toUpperCase()), name)
  t.ok(text.includes('defendant Nguyễn Văn Thành'), 'in the body too')
})

t.test("characters a PDF string must escape, and Windows-1252's own, come out of the page as written", async (t) => {
  // Parentheses and a backslash end or escape a PDF string; curly quotes, Œ and € are WinAnsi codes 0x80-0x9F.
  const name = 'Seán O’Neil (Jr.) \\ “Bo” Œ €'
  const alias = 'Nguyễn (Văn) \\ Thành'
  const input = packet(name, [alias])
  input.cases = input.cases.map((c) => ({ ...c, caseNumber: 'SCN(12)\\34' }))
  for (const doc of [await renderMotion(input), await renderProposedOrder(input)]) {
    const text = pagesOf(doc).join('\n')
    t.ok(text.includes(`${name.toUpperCase()},`), `${doc.kind}: the caption's name`)
    t.ok(text.includes(`aka ${alias.toUpperCase()},`), `${doc.kind}: the alias, in the Unicode font`)
    t.ok(text.includes('Case No. SCN(12)\\34'), `${doc.kind}: the case number`)
    t.ok(text.replace(/\s+/g, ' ').includes(`defendant ${name}`), `${doc.kind}: the name in a sentence`)
  }
})

t.test('a name the fonts cannot draw is an error naming the character, never a blank', async (t) => {
  await t.rejects(renderMotion(packet('王小明')), {
    code: 'CLEARFILE_ERR_VALIDATION',
    message: /motion: name: the character "王" \(U\+738B\) cannot be drawn/
  })
})

t.test('the same inputs give byte-identical documents, so the SHA-256 names a document', async (t) => {
  const a = await renderMotion(packet('Nguyễn Văn Thành'))
  const b = await renderMotion(packet('Nguyễn Văn Thành'))
  t.equal(Buffer.compare(Buffer.from(a.bytes), Buffer.from(b.bytes)), 0)
  t.equal(a.sha256, b.sha256)
  const other = await renderMotion({ ...packet('Nguyễn Văn Thành'), date: '2026-11-29' })
  t.not(other.sha256, a.sha256, 'the run date is part of the document')
})

t.test(
  'a bulk motion points to Schedule A, and a 1,200-person schedule paginates with its header on every page',
  async (t) => {
    const entries = Array.from({ length: 1200 }, (_, i) => ({
      person: { name: `PERSON, NUMBER ${i + 1}`, aliases: [], dob: '1970-01-01' },
      case: { ...SALE_CASE, caseNumber: `SCN${String(100000 + i)}`, counts: [SALE_CASE.counts[0]!] }
    }))
    const input: BulkInput = {
      profile: SF_PROFILE,
      court: 'Superior Court of California, County of San Francisco',
      entries,
      date: '2026-11-28'
    }
    const motion = bodyText(pagesOf(await renderBulkMotion(input)))
    t.match(motion, /THE PERSONS LISTED IN SCHEDULE A/)
    t.match(motion, /on 1200 counts of conviction of 1200 people/)

    const schedule = await renderSchedule(input)
    const pages = pagesOf(schedule)
    t.equal(pages.length, schedule.pages)
    const rows = pages.map((p) => (p.match(/SCN1\d{5}/g) ?? []).length)
    t.equal(
      rows.reduce((a, b) => a + b, 0),
      1200,
      'every person is listed once'
    )
    for (const [i, page] of pages.entries()) {
      t.match(page, /Name\s+DOB\s+Case No\.\s+Counts\s+Relief/, `page ${i + 1} header`)
      t.ok(rows[i]! <= LINES_PER_PAGE - 1, `page ${i + 1} holds at most 27 rows`)
    }
    // After the first page, each page is a header line and 27 one-line rows.
    t.equal(schedule.pages, 1 + Math.ceil((1200 - rows[0]!) / (LINES_PER_PAGE - 1)))
    t.match(pages[0], /PERSON, NUMBER 1\s+01\/01\/1970\s+SCN100000\s+HS 11359\s+Misdemeanor/)
  }
)

t.test(
  'a bulk motion finds each person eligible only when the law gives every count; else Schedule A marks the grounds',
  async (t) => {
    const court = 'Superior Court of California, County of San Francisco'
    const lawOnly: BulkInput = {
      profile: SF_PROFILE,
      court,
      entries: [{ person: { name: 'LAW, ONLY', aliases: [], dob: '1970-01-01' }, case: SALE_CASE }],
      date: '2026-11-28'
    }
    t.match(
      bodyText(pagesOf(await renderBulkMotion(lawOnly))),
      /finds each eligible for the relief stated beside each count/
    )

    // A misdemeanor the law still punishes, dismissed by a county's dismiss-all policy.
    const policy = lawFacts({
      guaranteed: 'not_eligible',
      best: 'not_eligible',
      grantCitations: ['HS 11357(b)(2)'],
      policyReason: 'Dismiss and seal every Prop 64 misdemeanor and infraction'
    })
    const beyondCase = {
      ...SALE_CASE,
      caseNumber: 'SCN999999',
      counts: [
        {
          countOrder: '001',
          section: 'HS 11357(c)',
          severity: 'M' as const,
          convictionDate: '2010-05-01',
          outcome: 'dismiss_and_seal' as const,
          remedy: 'redesignation_or_dismissal' as const,
          grounds: reliefGrounds('dismiss_and_seal', 'redesignation_or_dismissal', policy, false)
        }
      ]
    }
    const mixed: BulkInput = {
      ...lawOnly,
      entries: [
        ...lawOnly.entries,
        { person: { name: 'POLICY, ONLY', aliases: [], dob: '1971-01-01' }, case: beyondCase }
      ]
    }
    const pages = pagesOf(await renderBulkMotion(mixed))
    const motion = bodyText(pages)
    t.notMatch(motion, /finds each eligible/)
    t.match(motion, /on each count not marked, the District Attorney finds the person eligible/)
    t.match(
      motion,
      /on each count marked "\(PC 1385\)", the People do not contend that the person meets the criteria of section 11361\.8/
    )
    t.match(captionRight(pages[0]!), /IN FURTHERANCE OF JUSTICE \(Pen\. Code, § 1385\)$/)
    const schedule = bodyText(pagesOf(await renderSchedule(mixed)))
    t.match(
      schedule,
      /\(PC 1385\): relief beyond Health and Safety Code section 11361\.8, requested in furtherance of justice/
    )
    t.match(schedule, /SCN999999 HS 11357\(c\) Dismiss and seal \(PC 1385\)/)
    // Two lines in the row, read across the columns: "HS 11359; HS" beside "Misdemeanor;", then "11357(b)" beside "Dismiss and seal".
    t.match(
      schedule,
      /SCN123456 HS 11359; HS Misdemeanor; 11357\(b\) Dismiss and seal POLICY/,
      'a row of counts with different relief lists it count by count'
    )
  }
)

t.test(
  'acceptance: a motion names the defendant as courts write names and writes its dates out, the DOJ form as an a.k.a.',
  async (t) => {
    const input: PacketInput = {
      ...packet('NGUYEN,DAVID B', ['NGUYEN, DAVID B', 'NGUYEN,DAVE']),
      cases: [
        {
          ...SALE_CASE,
          counts: [{ ...SALE_CASE.counts[0]!, convictionDate: '1996-01-26' }, SALE_CASE.counts[1]!]
        }
      ],
      date: '2026-11-29'
    }
    const pages = pagesOf(await renderMotion(input))
    // The caption's left-hand column, line by line, without the pleading line numbers.
    const left = pages[0]!
      .split('\n')
      .filter((l) => /\s\)(\s|$)/.test(l))
      .map((l) =>
        l
          .slice(0, l.search(/\s\)(\s|$)/))
          .replace(/^\s{0,3}\d{1,2}(?=\s)/, '')
          .trim()
      )
    t.same(left.slice(-5), ['v.', 'DAVID B. NGUYEN,', 'aka NGUYEN, DAVID B,', 'aka DAVE NGUYEN,', 'Defendant.'])
    t.equal(pages[0]!.split('NGUYEN, DAVID B').length - 1, 1, 'the DOJ form once, though an alias repeats it')
    const text = bodyText(pages)
    // The caption writes the name in capitals, as captions do; the sentences in proper case.
    t.match(text, /convictions of defendant David B\. Nguyen in case number SCN123456\./)
    t.match(text, /HS 11359 \(felony\), convicted January 26, 1996\./)
    t.match(text, /HS 11357\(b\) \(misdemeanor\), convicted May 1, 2010\./)
    t.match(text, /Dated: November 29, 2026/)
    t.notMatch(text, /\d{4}-\d{2}-\d{2}/, 'no date as a database writes it')
    t.notMatch(text, /NGUYEN,DAVID/, 'no name as the DOJ writes it without a space')

    const order = bodyText(pagesOf(await renderProposedOrder(input)))
    t.match(order, /concerning defendant David B\. Nguyen\. Good cause appearing/)
    t.match(order, /HS 11359 \(felony\), convicted January 26, 1996, is REDESIGNATED a misdemeanor/)
    t.notMatch(order, /\d{4}-\d{2}-\d{2}/)

    // Schedule A is a roster: surname first, as an index lists names; DOB as US courts write one; the date written out.
    const schedule = bodyText(
      pagesOf(
        await renderSchedule({
          profile: SF_PROFILE,
          court: 'Superior Court of California, County of San Francisco',
          entries: [{ person: input.person, case: input.cases[0]! }],
          date: '2026-11-29'
        })
      )
    )
    t.match(schedule, /section 11361\.8 \(November 29, 2026\)\./)
    t.match(schedule, /NGUYEN, DAVID B; aka 02\/03\/1970 SCN123456/)
    t.notMatch(schedule, /\d{4}-\d{2}-\d{2}/)
  }
)

/** The lines of the caption's right-hand column, as drawn. */
const captionRightLines = (page: string) =>
  page
    .split('\n')
    .filter((l) => /\s\)(\s|$)/.test(l))
    .map((l) => l.slice(l.search(/\s\)(\s|$)/) + 2).trim())
    .filter((x) => x !== '')

t.test('the title of the paper keeps each citation on one line', async (t) => {
  const beyond = {
    ...SALE_CASE.counts[1]!,
    countOrder: '004',
    grounds: reliefGrounds(
      'dismiss_and_seal',
      'redesignation_or_dismissal',
      lawFacts({ guaranteed: 'not_eligible', best: 'not_eligible', policyReason: 'Dismiss all' }),
      false
    )
  }
  const unknown = {
    ...SALE_CASE.counts[0]!,
    remedy: 'unknown' as const,
    grounds: reliefGrounds('reduce_to_misdemeanor', 'unknown', SALE_CASE.counts[0]!.grounds!.facts, false)
  }
  for (const [name, counts] of [
    ['redesignate or dismiss and seal', SALE_CASE.counts],
    ['beyond the law too', [...SALE_CASE.counts, beyond]],
    ['every remedy', [unknown, SALE_CASE.counts[1]!, beyond]]
  ] as const) {
    const input = { ...packet(), cases: [{ ...SALE_CASE, counts: [...counts] }] }
    for (const render of [renderMotion, renderProposedOrder]) {
      const lines = captionRightLines(pagesOf(await render(input))[0]!)
      t.ok(
        lines.includes('(Health & Saf. Code, § 11361.8)') || lines.includes('(Health & Saf. Code, § 11361.8);'),
        `${name}: (Health & Saf. Code, § 11361.8) on one line: ${JSON.stringify(lines)}`
      )
      if (name !== 'redesignate or dismiss and seal')
        t.same(
          lines.slice(-2),
          ['IN FURTHERANCE OF JUSTICE', '(Pen. Code, § 1385)'],
          `${name}: "IN FURTHERANCE OF JUSTICE" whole, then its citation: ${JSON.stringify(lines)}`
        )
      t.notOk(
        lines.some((l) => /\([^)]*$/.test(l)),
        `${name}: no line opens a parenthesis it does not close`
      )
    }
  }
})

interface Box {
  text: string
  xMin: number
  yMin: number
  xMax: number
  yMax: number
}

/** Every word of page 1 with its box, in points from the top left (pdftotext -bbox). */
function boxesOf(doc: RenderedDocument): Box[] {
  const file = join(dir, `doc${++n}.pdf`)
  writeFileSync(file, doc.bytes)
  const html = execFileSync('pdftotext', ['-bbox', '-enc', 'UTF-8', '-f', '1', '-l', '1', file, '-'], {
    encoding: 'utf8'
  })
  return [
    ...html.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)
  ].map((m) => ({ text: m[5]!, xMin: Number(m[1]), yMin: Number(m[2]), xMax: Number(m[3]), yMax: Number(m[4]) }))
}

/** Baseline of numbered line `n`, from the top of the page, as pdftotext measures. */
const lineFromTop = (line: number) => 70 + (line - 1) * 24

const DEMO_PROFILE = JSON.parse(
  readFileSync(new URL('../../src/documents/demo-da-profiles.json', import.meta.url), 'utf8')
)[0] as DaProfile

t.test(
  'counsel stays on lines 1-7 left of centre, the clerk’s space is blank, and the court’s title is on line 8 or, for a block too long, below it',
  async (t) => {
    const long: DaProfile = {
      ...DEMO_PROFILE,
      address: ['Hall of Justice', '850 Bryant Street, Room 322', 'San Francisco, California 94103-4603']
    }
    for (const [name, profile, courtLine] of [
      ['the example profile', SF_PROFILE, 8],
      ['the demonstration profile (its office takes two lines)', DEMO_PROFILE, 8],
      ['a profile with a three-line address', long, 9]
    ] as const) {
      const words = boxesOf(await renderMotion({ ...packet(), profile }))
      const court = words.find((w) => w.text === 'SUPERIOR')!
      const counsel = words.filter((w) => w.yMax < court.yMin && w.xMin > 70)
      t.ok(
        counsel.some((w) => w.text === 'CALIFORNIA'),
        `${name}: counsel ends with the People`
      )
      const slack = 13 // a line pitch is 24 pt: a word belongs to the numbered line whose baseline is nearest
      t.ok(
        Math.abs(court.yMax - lineFromTop(courtLine)) < slack,
        `${name}: the court's title on line ${courtLine} (${court.yMax})`
      )
      t.ok(
        counsel.every((w) => w.xMax <= PAGE.width / 2),
        `${name}: nothing right of the centre above the court's title`
      )
      t.ok(
        counsel.every((w) => w.yMax <= lineFromTop(courtLine - 1) + 6),
        `${name}: counsel ends on line ${courtLine - 1} or above`
      )
      t.ok(court.yMin - Math.max(...counsel.map((w) => w.yMax)) >= 12, `${name}: a clear space above the court`)
      const bar = counsel.filter((w) => w.text === '(SBN')
      t.equal(bar.length, 2, `${name}: both bar numbers`)
      for (const b of bar) {
        const number = counsel.find((w) => w.xMin > b.xMin && Math.abs(w.yMin - b.yMin) < 1)
        t.match(number?.text ?? '', /^\d+\)$/, `${name}: "(SBN" and its number on one line`)
      }
    }
    const endless = { ...long, office: `${long.office} `.repeat(12) }
    await t.rejects(renderMotion({ ...packet(), profile: endless }), /too long for the top of pleading paper/)
  }
)
