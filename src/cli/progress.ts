/** One line of a progress display: a step of a long command and how far it has got. */
export interface ProgressStep {
  label: string
  done: number
  /** Unknown (or still growing with no end known): no bar, only the count. */
  total?: number
  /** What is counted, e.g. `rows`, `papers`. */
  unit: string
  /** How far along, 0–1, when the bar measures something other than the count (e.g. the share of the file read). */
  share?: number
  /** A few words after the count, e.g. `more as rows are decided`. */
  note?: string
}

/** The part of a terminal stream a progress display needs (process.stderr has it). */
export interface ProgressStream {
  write: (text: string) => unknown
  isTTY?: boolean
  columns?: number
}

export interface ProgressDisplay {
  /** False when the stream is not a terminal: nothing is ever written then. */
  readonly enabled: boolean
  /** Draws now, without waiting for the next tick. */
  draw: () => void
  /** Draws a last time and stops, leaving the lines on screen and the cursor below them. */
  stop: () => void
}

const BAR_WIDTH = 24

const count = (n: number) => Math.round(n).toLocaleString('en-US')

/** A step as one line of text, e.g. `reading and deciding  [######......]  25%  50,000 of 200,000 rows`. */
export function formatStep(step: ProgressStep, labelWidth: number): string {
  const label = step.label.padEnd(labelWidth)
  const note = step.note ? `  (${step.note})` : ''
  const known = step.total !== undefined && step.total > 0
  const counted = known
    ? `${count(step.done)} of ${count(step.total!)} ${step.unit}`
    : `${count(step.done)} ${step.unit}`
  const raw = step.share ?? (known ? step.done / step.total! : undefined)
  if (raw === undefined || !Number.isFinite(raw)) return `${label}  ${counted}${note}`
  const share = Math.min(1, Math.max(0, raw))
  const bar = '#'.repeat(Math.round(share * BAR_WIDTH)).padEnd(BAR_WIDTH, '.')
  const pct = `${Math.floor(share * 100)}%`.padStart(4)
  return `${label}  [${bar}] ${pct}  ${counted}${note}`
}

/**
 * Status lines redrawn in place on a terminal while a long command works,
 * one per step, sampled every `intervalMs` from `sample` (so the work itself
 * only keeps counters):
 *
 *     reading and deciding  [######..................]  25%  50,000 of 200,000 rows
 *     rendering papers      [##......................]   8%  310 of 3,874 papers
 *
 * Off unless the stream is a TTY: piped into a file, a script, CI or a test,
 * it writes nothing at all, so what they read stays machine-readable.
 */
export function createProgressDisplay(options: {
  sample: () => ProgressStep[]
  stream?: ProgressStream
  /** Overrides the TTY check (tests). */
  enabled?: boolean
  intervalMs?: number
}): ProgressDisplay {
  const stream = options.stream ?? process.stderr
  const enabled = options.enabled ?? stream.isTTY === true
  if (!enabled) return { enabled: false, draw: () => undefined, stop: () => undefined }
  let drawn = 0
  let stopped = false
  const draw = () => {
    if (stopped) return
    const steps = options.sample()
    const labelWidth = Math.max(0, ...steps.map((s) => s.label.length))
    // A line longer than the terminal wraps, and moving up by the lines drawn would then miss: cut at the edge.
    const width = Math.max(20, (stream.columns || 80) - 1)
    const lines = steps.map((s) => formatStep(s, labelWidth).slice(0, width))
    let out = drawn > 0 ? `\x1b[${drawn}A` : ''
    for (const line of lines) out += `\r\x1b[2K${line}\n`
    // Fewer lines than last time: blank the rest and come back up.
    const extra = drawn - lines.length
    if (extra > 0) out += `${'\x1b[2K\n'.repeat(extra)}\x1b[${extra}A`
    drawn = lines.length
    stream.write(out)
  }
  const timer = setInterval(draw, options.intervalMs ?? 150)
  // Never the reason the process stays alive.
  timer.unref()
  return {
    enabled: true,
    draw,
    stop: () => {
      if (stopped) return
      clearInterval(timer)
      draw()
      stopped = true
    }
  }
}
