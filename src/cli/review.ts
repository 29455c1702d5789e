import { InvalidArgumentError } from 'commander'
import type { CourtEntry } from '../../schemas/courts.js'
import { normalizeCounty } from '../db/api-client-repository.js'
import { loadDaProfiles, profileFor } from '../documents/da-profiles.js'
import { createRenderer } from '../documents/render.js'
import { ReviewMotionWriter, type MotionScope } from '../documents/review-motions.js'
import { DEFAULT_POLICY } from '../eligibility/policies.js'
import { loadCourts } from '../filing/courts-config.js'
import { ReviewOutputError, reviewDojFile, type ReviewSummary } from '../ingest/doj-review.js'
import { EXPECTED, requireFile, resolvePolicy } from './inputs.js'
import { createProgressDisplay, type ProgressStep } from './progress.js'
import { meteredRenderer, type MeteredRenderer } from './render-meter.js'

export interface ReviewFlags {
  doj: string
  county: string
  asOf: string
  policy?: string
  out: string
  workers?: number
  motions?: MotionScope
  profiles?: string
  filings?: boolean
  court?: string
  courts?: string
  callbackUrl: string
}

/** What each step took, timed on its own: the summary's rates come from these. */
export interface StepTimes {
  /** Reading and deciding the rows, without the time the review waited for papers to render. */
  reviewSeconds: number
  /** Time the review stood waiting for the renderer (it holds back while papers are due). */
  waitedForPapersSeconds: number
  /** Time the renderer was busy: at least one paper in hand. */
  renderSeconds: number
  /** The whole command, start to end. */
  totalSeconds: number
}

const KIND_ORDER = ['motion', 'proposed_order', 'bulk_motion', 'schedule']
const rate = (n: number, seconds: number) => (seconds > 0 ? n / seconds : 0)
const fixed = (n: number) => (n >= 100 ? Math.round(n).toString() : n.toFixed(1))
const secs = (s: number) => s.toFixed(s >= 10 ? 0 : s >= 1 ? 1 : 2)

/** The summary `review` prints on stdout: what was decided, the ledger, the rate of each step, the files written. */
export function reviewReport(
  s: ReviewSummary,
  times: StepTimes,
  out: string,
  papers?: { rendered: Readonly<Record<string, number>>; total: number; filings?: number }
): string {
  const lines = [
    `${s.rowsRead} rows read (${s.rowsRejected} rejected) and decided in ${secs(times.reviewSeconds)} s, ` +
      `${Math.round(rate(s.rowsRead, times.reviewSeconds))} rows/s; ` +
      `${s.prop64ConvictionsInCounty} Prop 64 convictions of ${s.peopleWithProp64ConvictionInCounty} people in ${s.county}: ` +
      Object.entries(s.convictionsByOutcome)
        .map(([o, n]) => `${o} ${n}`)
        .join(', '),
    `ledger: ${s.ledger.rowsRead} rows = ${s.ledger.decided} decided + ${s.ledger.notAConviction} not a conviction + ${s.ledger.outsideCounty} outside the county + ` +
      `${s.ledger.notProp64} not a Prop 64 offense + ${s.ledger.unreadable} unreadable (errors.csv)${s.ledger.balanced ? '' : ' — DOES NOT BALANCE'}`
  ]
  if (papers) {
    const kinds = Object.entries(papers.rendered)
      .sort(([a], [b]) => KIND_ORDER.indexOf(a) - KIND_ORDER.indexOf(b))
      .map(([kind, n]) => `${n} ${kind.replace('_', ' ')}${n === 1 ? '' : 's'}`)
      .join(', ')
    const motions = (papers.rendered.motion ?? 0) + (papers.rendered.bulk_motion ?? 0)
    lines.push(
      `papers: ${papers.total} rendered${kinds ? ` (${kinds})` : ''} in ${secs(times.renderSeconds)} s of rendering, ` +
        `${fixed(rate(motions, times.renderSeconds))} motions/s, ${fixed(rate(papers.total, times.renderSeconds))} papers/s` +
        (times.waitedForPapersSeconds >= 0.05
          ? `; reading waited ${secs(times.waitedForPapersSeconds)} s for them`
          : '') +
        `; ${secs(times.totalSeconds)} s in all`
    )
  }
  lines.push(
    `wrote ${out}/determinations.csv, summary.json, errors.csv` +
      (papers ? `, and ${papers.total} court papers in ${out}/motions/ (manifest.csv)` : '') +
      (papers?.filings !== undefined ? `, and ${papers.filings} ECF filings in ${out}/filings/` : '')
  )
  return `${lines.join('\n')}\n`
}

/**
 * `clearfile review`: every input checked before any work starts, then the
 * review with, on a terminal, a progress line per step on stderr (checking
 * the file's order, reading and deciding, rendering papers, writing filings);
 * the summary on stdout gives each step's rate timed on its own.
 */
export async function runReviewCommand(flags: ReviewFlags): Promise<void> {
  const started = performance.now()
  if (!/^\d{4}-\d{2}-\d{2}$/.test(flags.asOf) || Number.isNaN(Date.parse(flags.asOf)))
    throw new InvalidArgumentError(`--as-of ${flags.asOf} is not a YYYY-MM-DD date`)
  if (flags.filings && !flags.motions)
    throw new InvalidArgumentError('--filings goes with --motions case or --motions person')
  requireFile(flags.doj, '--doj', EXPECTED.doj)
  const policy = flags.policy ? resolvePolicy(flags.policy) : DEFAULT_POLICY

  let motions: ReviewMotionWriter | undefined
  let renderer: MeteredRenderer | undefined
  if (flags.motions) {
    const profilesFile = flags.profiles ?? process.env.CLEARFILE_DA_PROFILES
    if (!profilesFile)
      throw new InvalidArgumentError(
        '--motions needs --profiles <file> (or CLEARFILE_DA_PROFILES): the DA office that signs the papers'
      )
    requireFile(profilesFile, flags.profiles ? '--profiles' : 'CLEARFILE_DA_PROFILES', EXPECTED.profiles)
    const profile = profileFor(loadDaProfiles(profilesFile), flags.county)
    let filings: { court: CourtEntry; callbackUrl: string } | undefined
    if (flags.filings) {
      const courtsFile = flags.courts ?? process.env.CLEARFILE_COURTS
      if (!flags.court || !courtsFile)
        throw new InvalidArgumentError(
          '--filings needs --court <court id> and the courts file (--courts or CLEARFILE_COURTS)'
        )
      requireFile(courtsFile, flags.courts ? '--courts' : 'CLEARFILE_COURTS', EXPECTED.courts)
      const courts = loadCourts(courtsFile)
      const court = courts.get(flags.court)
      if (!court)
        throw new InvalidArgumentError(
          `no court ${flags.court} in ${courtsFile}; its courts: ${[...courts.keys()].join(', ') || 'none'}`
        )
      filings = { court, callbackUrl: flags.callbackUrl }
    }
    // Only now, with every input checked: the render threads start here.
    renderer = meteredRenderer(createRenderer())
    motions = new ReviewMotionWriter({
      outDir: flags.out,
      scope: flags.motions,
      profile,
      date: flags.asOf,
      renderer,
      ...(filings ? { filings } : {})
    })
  }

  // The counters the progress display samples; the work only bumps them.
  const seen = {
    order: undefined as { bytesRead: number; totalBytes: number } | undefined,
    review: undefined as { bytesRead: number; totalBytes: number; rowsRead: number; rowsDecided: number } | undefined,
    // Rows per byte as of the last whole chunk read: the file's row count, estimated, for the bar.
    rowsAtChunk: 0,
    bytesAtChunk: 0,
    reviewDone: false
  }
  const steps = (): ProgressStep[] => {
    const list: ProgressStep[] = []
    if (seen.order)
      list.push({
        label: "checking the file's order",
        done: seen.order.bytesRead / 1048576,
        total: seen.order.totalBytes / 1048576,
        unit: 'MB'
      })
    if (seen.review) {
      const r = seen.review
      const rows = seen.bytesAtChunk > 0 ? (seen.rowsAtChunk * r.totalBytes) / seen.bytesAtChunk : undefined
      list.push({
        label: 'reading and deciding',
        ...(seen.reviewDone ? { share: 1 } : rows ? { share: r.rowsDecided / rows } : {}),
        done: r.rowsDecided,
        unit: 'rows decided',
        ...(seen.reviewDone
          ? {}
          : { note: `${Math.floor((100 * r.bytesRead) / Math.max(1, r.totalBytes))}% of the file read` })
      })
    }
    if (renderer && renderer.asked > 0)
      list.push({
        label: 'rendering papers',
        done: renderer.renderedTotal,
        total: renderer.asked,
        unit: 'papers',
        ...(seen.reviewDone ? {} : { note: 'more as rows are decided' })
      })
    if (motions && flags.filings && renderer && renderer.asked > 0)
      list.push({
        label: 'writing ECF filings',
        done: motions.filings,
        total: Math.ceil(renderer.asked / 2),
        unit: 'filings'
      })
    return list
  }
  const progress = createProgressDisplay({ sample: steps })

  const reviewStarted = performance.now()
  let result: Awaited<ReturnType<typeof reviewDojFile>>
  let reviewMs: number
  try {
    result = await reviewDojFile({
      file: flags.doj,
      county: normalizeCounty(flags.county),
      asOf: flags.asOf,
      policy,
      outDir: flags.out,
      ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
      ...(motions
        ? {
            // The review holds back while papers are due: that wait (summary.secondsHandingOver) is
            // rendering's time, not reading's.
            onBatch: async (batch) => {
              await motions.add(batch.subjects ?? [])
            }
          }
        : {}),
      ...(progress.enabled
        ? {
            onOrderCheck: (p) => {
              seen.order = p
            },
            onProgress: (p) => {
              if (p.bytesRead !== seen.review?.bytesRead) {
                seen.rowsAtChunk = p.rowsRead
                seen.bytesAtChunk = p.bytesRead
              }
              seen.review = p
            }
          }
        : {})
    }).catch((err: NodeJS.ErrnoException) => {
      if (err instanceof ReviewOutputError) throw new InvalidArgumentError(`--out ${flags.out}: ${err.message}`)
      // Checked before it started; this is a file that went away or changed mode since.
      if (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'EACCES')
        throw new InvalidArgumentError(`--doj ${flags.doj}: cannot be read (${err.code}); expected ${EXPECTED.doj}`)
      throw err
    })
    reviewMs = performance.now() - reviewStarted
    seen.reviewDone = true
    if (motions) await motions.finish()
  } finally {
    progress.stop()
    await renderer?.close()
  }

  const times: StepTimes = {
    reviewSeconds: Math.max(0, reviewMs / 1000 - result.summary.secondsHandingOver),
    waitedForPapersSeconds: result.summary.secondsHandingOver,
    renderSeconds: renderer?.busySeconds ?? 0,
    totalSeconds: (performance.now() - started) / 1000
  }
  process.stdout.write(
    reviewReport(
      result.summary,
      times,
      flags.out,
      motions && renderer
        ? {
            rendered: renderer.rendered,
            total: motions.documents,
            ...(flags.filings ? { filings: motions.filings } : {})
          }
        : undefined
    )
  )
  if (!result.ok) {
    process.stderr.write(`clearfile: ${result.reason}\n`)
    process.exitCode = 2
  }
}
