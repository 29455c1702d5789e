import { createApiClient } from '../db/api-client-repository.js'
import { openDatabase } from '../db/database.js'
import { migrateOrThrow } from '../db/migrate.js'
import { isGrantable } from '../eligibility/relief-grounds.js'
import { OUTCOMES, type Outcome } from '../eligibility/prop64-floor.js'
import { COL, splitCsvRecord } from '../ingest/doj-file.js'
import { generateDojRows } from '../ingest/generate-doj.js'
import { alignedTable, figure } from './table.js'

export interface DemoOptions {
  /** The running clearfile (`npm start`). */
  url: string
  /** The server's database, where the demo makes its own deputy DA key. */
  databaseUrl: string
  county: string
  /** How many people the generated DOJ file holds. */
  people: number
  seed: number
  /** Longest wait for the court's rulings. */
  timeoutSeconds: number
  say: (line: string) => void
}

export interface DemoResult {
  prepared: number
  submitted: number
  granted: number
  reportId: string | null
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A generated DOJ file of exactly `people` people in one county. The generator
 * counts rows, person by person with ascending subject ids, so rows are taken
 * until the first subject past the count.
 */
export function generatedCounty(o: { people: number; seed: number; county: string }): {
  csv: string
  rows: number
  people: number
} {
  const lines: string[] = []
  let current = ''
  let people = 0
  // A row budget far past what `people` people need: the loop stops at the person past the count.
  for (const line of generateDojRows({ rows: o.people * 200, seed: o.seed, counties: [o.county] })) {
    const subject = splitCsvRecord(line.replace(/\r?\n$/, ''))[COL.SUBJECT_ID] ?? ''
    if (subject !== current) {
      if (people === o.people) break
      current = subject
      people++
    }
    lines.push(line)
  }
  return { csv: lines.join(''), rows: lines.length, people }
}

// What each outcome means for the person, in the order the demo shows them: relief first.
const OUTCOME_MEANING: Record<Outcome, string> = {
  dismiss_and_seal: 'relief: dismissed and sealed',
  reduce_to_misdemeanor: 'relief: reduced to a misdemeanor',
  reduce_to_infraction: 'relief: reduced to an infraction',
  needs_review: "a deputy DA decides (the dashboard's review queue)",
  not_eligible: 'no relief under HS 11361.8'
}
const OUTCOME_ORDER: readonly string[] = Object.keys(OUTCOME_MEANING)

/** A review's convictions by outcome as table lines: outcome, convictions, what it means; then the total. */
export function outcomeTable(byOutcome: Record<string, number>): string[] {
  const rank = (o: string) => (OUTCOME_ORDER.includes(o) ? OUTCOME_ORDER.indexOf(o) : OUTCOME_ORDER.length)
  const entries = Object.entries(byOutcome).sort(([a], [b]) => rank(a) - rank(b))
  const total = entries.reduce((n, [, v]) => n + v, 0)
  return alignedTable([
    ['outcome', 'convictions', 'meaning'],
    ...entries.map(([o, n]) => [o, n, OUTCOME_MEANING[o as Outcome] ?? '']),
    ['total', total, '']
  ])
}

export interface Reconciliation {
  matched: number
  alreadyRecorded: number
  conflicts: number
  unmatched: number
  omitted: number
  malformed: number
}

/** An outcome report's reconciliation as table lines, each figure with what it counts (convictions, lines or filings). */
export function reconciliationTable(r: Reconciliation): string[] {
  return alignedTable([
    ['reconciliation', 'number', 'of what'],
    ['matched', r.matched, 'convictions whose ruling the report recorded (or confirmed)'],
    ['already recorded', r.alreadyRecorded, 'convictions that had this ruling from a report already'],
    ['conflicts', r.conflicts, 'convictions with a different ruling on file (kept, listed)'],
    ['unmatched', r.unmatched, 'report lines naming no filing or conviction'],
    ['omitted', r.omitted, 'filings the court accepted that the report leaves out'],
    ['malformed', r.malformed, 'report lines that could not be read']
  ])
}

// Papers in the order a filing holds them: the motion, then what goes with it.
const PAPER_ORDER = ['motion', 'proposed_order', 'schedule', 'notice']
const paperRank = (kind: string) => (PAPER_ORDER.includes(kind) ? PAPER_ORDER.indexOf(kind) : PAPER_ORDER.length)

const SOURCE_WORDS: Record<string, string> = { poll: 'status polls', callback: 'callbacks' }
// The states a court's decision moves a filing to: the clerk's (accepted, rejected) and the judge's.
const DECIDED = new Set(['accepted', 'partially_accepted', 'rejected', 'granted', 'partially_granted', 'denied'])

/**
 * The whole loop against a running clearfile, as a county would run it: a
 * generated DOJ file is reviewed, the relieved cases' papers prepared, filed
 * with the court (the simulated one of `npm start`), followed until the court
 * has ruled, and the clerk's outcome report reconciled. It says what it counts
 * at each step — people, convictions, cases, papers, filings — and returns the
 * three numbers that measure it: motions prepared, submitted, granted.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const base = o.url.replace(/\/$/, '')
  // Asked first: a demo that cannot reach the server leaves no key behind in the database.
  const ready = await fetch(`${base}/readyz`).catch((err: Error) => {
    throw new Error(
      `clearfile is not answering at ${base} (start it with npm start in its folder, or npx clearfile serve; or give --url): ${err.message}`
    )
  })
  if (!ready.ok)
    throw new Error(`clearfile at ${base} is not ready: HTTP ${ready.status} ${(await ready.text()).slice(0, 200)}`)
  const handle = await openDatabase({ url: o.databaseUrl })
  let key: string
  try {
    await migrateOrThrow(handle.db)
    key = (
      await createApiClient(handle.db, { role: 'deputy_da', county: o.county, name: 'clearfile demo' }, new Date())
    ).key
  } finally {
    await handle.destroy()
  }
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, ...(init.headers ?? {}) }
    })
    const text = await res.text()
    if (res.status === 401)
      throw new Error(
        `${base} does not know the demo's key: the demo made it in the database ${o.databaseUrl}, which is not the server's. ` +
          "Run the demo in the server's folder, or give it the server's database with --db (or DATABASE_URL)"
      )
    if (res.status === 409 && text.includes('CLEARFILE_ERR_DA_PROFILE_MISSING'))
      throw new Error(
        `the server has no DA profile for ${o.county}, so no office can sign its papers: give the server a DA profiles file ` +
          `naming ${o.county} (CLEARFILE_DA_PROFILES), or run the demo for a county it has (npm start's demonstration profile is SAN FRANCISCO)`
      )
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`)
    return text.startsWith('{') ? JSON.parse(text) : text
  }
  const post = (path: string, body: unknown, type = 'application/json') =>
    call(path, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': type }
    })
  type Figures = Record<
    'open' | 'submitted' | 'accepted' | 'rejected' | 'granted' | 'partiallyGranted' | 'denied' | 'motionsPrepared',
    number
  >
  const figures = async () => (await call('/v1/metrics/pipeline')).overall as Figures

  const asOf = new Date().toISOString().slice(0, 10)
  const county = generatedCounty({ people: o.people, seed: o.seed, county: o.county })
  o.say(
    `1/5 reviewing a generated DOJ file of ${o.county} as of ${asOf}: ${figure(county.people)} people in ` +
      `${figure(county.rows)} rows (${(county.csv.length / 1048576).toFixed(1)} MB; a row is one count of one arrest or court action)`
  )
  const run = await post(`/v1/reviews?asOf=${asOf}&name=demo-doj.csv`, county.csv, 'text/csv')
  let review = run
  while (review.state === 'queued' || review.state === 'running') {
    await sleep(500)
    review = await call(`/v1/reviews/${run.id}`)
  }
  if (review.state !== 'done') throw new Error(`the review failed: ${review.error}`)
  const s = review.summary ?? {}
  const byOutcome: Record<string, number> = s.convictionsByOutcome ?? {}
  const withRelief = Object.entries(byOutcome)
    .filter(([outcome]) => (OUTCOMES as readonly string[]).includes(outcome) && isGrantable(outcome as Outcome))
    .reduce((n, [, v]) => n + v, 0)
  o.say(
    `    ${figure(review.progress.rowsRead)} rows read: ${figure(s.people ?? 0)} people, ${figure(s.peopleWithProp64ConvictionInCounty ?? 0)} ` +
      `of them with Prop 64 convictions in ${o.county}: ${figure(s.prop64ConvictionsInCounty ?? 0)} convictions, each decided:`
  )
  for (const line of outcomeTable(byOutcome)) o.say(`      ${line}`)

  o.say(
    `2/5 preparing court papers for the ${figure(withRelief)} convictions with relief: a motion and a proposed order for each court case that holds them`
  )
  await post(`/v1/reviews/${run.id}/documents`, { scope: 'case' })
  let docs: Array<{ id: string; kind: string }> = []
  for (let stable = 0; stable < 3; ) {
    await sleep(1000)
    const now: Array<{ id: string; kind: string }> = (await call(`/v1/reviews/${run.id}/documents`)).items
    stable = now.length > 0 && now.length === docs.length ? stable + 1 : 0
    if (now.length !== docs.length) o.say(`    ${figure(now.length)} papers so far`)
    docs = now
  }
  const kinds = new Map<string, number>()
  for (const d of docs) kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1)
  const plural = (kind: string, n: number) => `${figure(n)} ${kind.replace('_', ' ')}${n === 1 ? '' : 's'}`
  const byKind = [...kinds].sort(([a], [b]) => paperRank(a) - paperRank(b)).map(([kind, n]) => plural(kind, n))
  o.say(`    ${figure(docs.length)} papers: ${byKind.join(' and ')}`)

  o.say('3/5 filing them with the court: one filing per case, carrying that case’s papers')
  const filed: { filings: Array<{ id: string; caseIds: string[] }>; alreadyFiled: number } = await post('/v1/filings', {
    reviewId: run.id,
    scope: 'case'
  })
  const total = filed.filings.length
  const cases = new Set(filed.filings.flatMap((f) => f.caseIds)).size
  let carries = ''
  if (total > 0) {
    // What a filing carries, read from the first one rather than assumed.
    const first: { documentIds: string[] } = await call(`/v1/filings/${filed.filings[0]!.id}`)
    const kindOf = new Map(docs.map((d) => [d.id, d.kind]))
    const its = first.documentIds.map((id) => (kindOf.get(id) ?? 'paper').replace('_', ' '))
    const same = docs.length === its.length * total
    carries = `; ${same ? 'each' : 'the first'} carries ${its.length} papers: the ${its.join(' and the ')}${same ? ` (${figure(docs.length)} papers ÷ ${figure(its.length)} = ${figure(total)} filings)` : ''}`
  }
  o.say(
    `    ${figure(total)} filings queued for ${figure(cases)} cases (the ${figure(withRelief)} convictions with relief)${carries}` +
      (filed.alreadyFiled > 0 ? `; ${figure(filed.alreadyFiled)} cases were in a filing already` : '')
  )

  o.say(
    '4/5 following the filings until the court has ruled: its clerk accepts or rejects each one, then a judge rules on the accepted ones; ' +
      "clearfile asks the court's status (sooner when the court calls back)"
  )
  const deadline = Date.now() + o.timeoutSeconds * 1000
  let f = await figures()
  let last = ''
  while (f.open > 0 && Date.now() < deadline) {
    await sleep(2000)
    f = await figures()
    const line = `    filings: submitted ${figure(f.submitted)} of ${figure(total)}, accepted ${figure(f.accepted)}, rejected ${figure(f.rejected)}, granted ${figure(f.granted + f.partiallyGranted)}, denied ${figure(f.denied)}, still open ${figure(f.open)}`
    if (line !== last) o.say(line)
    last = line
  }
  if (f.open > 0)
    o.say(`    ${figure(f.open)} filings still open after ${o.timeoutSeconds} s; the report covers the rest`)
  if (total > 0) o.say(`    ${await howClearfileHeard(filed.filings, call)}`)

  o.say("5/5 the clerk's outcome report: one line per filing the court ruled on, reconciled against what was filed")
  const lines = ['filing_id,ruling,order_date']
  for (const state of ['granted', 'partially_granted', 'denied'] as const) {
    let after: string | null = null
    do {
      const page: { items: Array<{ id: string }>; next: string | null } = await call(
        `/v1/filings?state=${state}&limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`
      )
      for (const item of page.items) lines.push(`${item.id},${state},${asOf}`)
      after = page.next
    } while (after)
  }
  let reportId: string | null = null
  if (lines.length > 1) {
    const report = await post('/v1/outcome-reports?filename=demo-rulings.csv', `${lines.join('\n')}\n`, 'text/csv')
    reportId = report.id
    o.say(
      `    ${figure(lines.length - 1)} lines; a ruling on a filing rules on every conviction of its case, so convictions outnumber lines:`
    )
    for (const line of reconciliationTable(report.summary as Reconciliation)) o.say(`      ${line}`)
  }
  f = await figures()
  return { prepared: f.motionsPrepared, submitted: f.submitted, granted: f.granted + f.partiallyGranted, reportId }
}

const SAMPLE = 40

/**
 * How the court's decisions reached clearfile, from the timelines of up to
 * SAMPLE filings spread over the list: a callback is claimed only when one
 * arrived, and the decisions are said to come by whatever source recorded them.
 */
async function howClearfileHeard(
  filings: ReadonlyArray<{ id: string }>,
  call: (path: string) => Promise<{ events: Array<{ to: string; source: string }> }>
): Promise<string> {
  const step = Math.max(1, Math.floor(filings.length / SAMPLE))
  const sample = filings.filter((_, i) => i % step === 0).slice(0, SAMPLE)
  let calledBack = 0
  const sources = new Map<string, number>()
  for (const { id } of sample) {
    const { events } = await call(`/v1/filings/${id}`)
    if (events.some((e) => e.source === 'callback')) calledBack++
    for (const e of events) if (DECIDED.has(e.to)) sources.set(e.source, (sources.get(e.source) ?? 0) + 1)
  }
  const by = [...sources.keys()].map((s) => SOURCE_WORDS[s] ?? s).join(' and ')
  const recorded = by ? `the decisions were recorded from ${by}` : 'no decision was recorded yet'
  // A callback is a hint (src/filing/court-callbacks.ts): it brings the next status poll forward, whose answer counts.
  return calledBack > 0
    ? `the court's clerk called back about ${figure(calledBack)} of the ${figure(sample.length)} filings looked at, which brings clearfile's next status poll forward; ${recorded}`
    : `no callback from the court arrived for the ${figure(sample.length)} filings looked at; ${recorded}`
}
