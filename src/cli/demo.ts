import { createApiClient } from '../db/api-client-repository.js'
import { openDatabase } from '../db/database.js'
import { migrateOrThrow } from '../db/migrate.js'
import { generateDojRows } from '../ingest/generate-doj.js'

export interface DemoOptions {
  /** The running clearfile (`npm start`). */
  url: string
  /** The server's database, where the demo makes its own deputy DA key. */
  databaseUrl: string
  county: string
  /** About how many people the generated DOJ file holds. */
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
 * The whole loop against a running clearfile, as a county would run it: a
 * generated DOJ file is reviewed, the relieved cases' papers prepared, filed
 * with the court (the simulated one of `npm start`), followed until the court
 * has ruled, and the clerk's outcome report reconciled. Returns the three
 * numbers that measure it: motions prepared, submitted, granted.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
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
  const base = o.url.replace(/\/$/, '')
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, ...(init.headers ?? {}) }
    })
    const text = await res.text()
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

  await call('/readyz').catch((err: Error) => {
    throw new Error(`clearfile is not answering at ${base} (start it with npm start): ${err.message}`)
  })
  const asOf = new Date().toISOString().slice(0, 10)
  const rows = [...generateDojRows({ rows: o.people * 7, seed: o.seed, counties: [o.county] })].join('')
  o.say(
    `1/5 reviewing a generated DOJ file of ${o.county} (${(rows.length / 1048576).toFixed(1)} MB, about ${o.people} people) as of ${asOf}`
  )
  const run = await post(`/v1/reviews?asOf=${asOf}&name=demo-doj.csv`, rows, 'text/csv')
  let review = run
  while (review.state === 'queued' || review.state === 'running') {
    await sleep(500)
    review = await call(`/v1/reviews/${run.id}`)
  }
  if (review.state !== 'done') throw new Error(`the review failed: ${review.error}`)
  const byOutcome = review.summary?.convictionsByOutcome ?? {}
  o.say(
    `    ${review.progress.rowsRead} rows, ${review.summary?.people ?? '?'} people; convictions by outcome: ${JSON.stringify(byOutcome)}`
  )

  o.say('2/5 preparing motions and proposed orders for every case with relief')
  await post(`/v1/reviews/${run.id}/documents`, { scope: 'case' })
  let docs = 0
  for (let stable = 0; stable < 3; ) {
    await sleep(1000)
    const now = (await call(`/v1/reviews/${run.id}/documents`)).items.length
    stable = now > 0 && now === docs ? stable + 1 : 0
    if (now !== docs) o.say(`    ${now} papers`)
    docs = now
  }

  o.say('3/5 filing them with the court')
  const filed = await post('/v1/filings', { reviewId: run.id, scope: 'case' })
  const total = filed.filings.length
  o.say(`    ${total} filings queued`)

  o.say(
    "4/5 following the filings until the court has ruled (the clerk calls back; the judge's ruling comes with the next status poll)"
  )
  const deadline = Date.now() + o.timeoutSeconds * 1000
  let f = await figures()
  let last = ''
  while (f.open > 0 && Date.now() < deadline) {
    await sleep(2000)
    f = await figures()
    const line = `    submitted ${f.submitted}/${total}, accepted ${f.accepted}, rejected ${f.rejected}, granted ${f.granted + f.partiallyGranted}, denied ${f.denied}, waiting ${f.open}`
    if (line !== last) o.say(line)
    last = line
  }
  if (f.open > 0) o.say(`    ${f.open} filings still open after ${o.timeoutSeconds} s; the report covers the rest`)

  o.say("5/5 the clerk's outcome report")
  const lines = ['filing_id,ruling,order_date']
  for (const state of ['granted', 'partially_granted', 'denied'] as const) {
    let after: string | null = null
    do {
      const page: { items: Array<{ id: string }>; next: string | null } = await call(
        `/v1/filings?state=${state}&limit=500${after ? `&after=${after}` : ''}`
      )
      for (const item of page.items) lines.push(`${item.id},${state},${asOf}`)
      after = page.next
    } while (after)
  }
  let reportId: string | null = null
  if (lines.length > 1) {
    const report = await post('/v1/outcome-reports?filename=demo-rulings.csv', `${lines.join('\n')}\n`, 'text/csv')
    reportId = report.id
    o.say(`    reconciled: ${JSON.stringify(report.summary)}`)
  }
  f = await figures()
  return { prepared: f.motionsPrepared, submitted: f.submitted, granted: f.granted + f.partiallyGranted, reportId }
}
