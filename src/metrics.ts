/**
 * The process's own measurements, exposed at /metrics in the Prometheus text
 * format (0.0.4): submit latency per court (histogram) and court errors per
 * court and code (counter). Gauges read from the database (queue depth,
 * filings by state) are added at scrape time by the route.
 */
const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

export class Metrics {
  private readonly latency = new Map<string, { buckets: number[]; sum: number; count: number }>()
  private readonly errors = new Map<string, number>()

  /** A filing sent to a court and receipted, in seconds. */
  observeSubmit(court: string, seconds: number): void {
    let h = this.latency.get(court)
    if (!h) this.latency.set(court, (h = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 }))
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) h!.buckets[i]!++
    })
    h.sum += seconds
    h.count++
  }

  /** A court call that failed, by the CLEARFILE_ERR_* code it failed with. */
  countCourtError(court: string, code: string): void {
    const key = `${court}\u0000${code}`
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1)
  }

  render(): string {
    const out: string[] = [
      '# HELP clearfile_submit_latency_seconds Time from sending a ReviewFiling to its receipt.',
      '# TYPE clearfile_submit_latency_seconds histogram'
    ]
    for (const [court, h] of this.latency) {
      BUCKETS.forEach((b, i) => {
        out.push(`clearfile_submit_latency_seconds_bucket{court="${label(court)}",le="${b}"} ${h.buckets[i]}`)
      })
      out.push(`clearfile_submit_latency_seconds_bucket{court="${label(court)}",le="+Inf"} ${h.count}`)
      out.push(`clearfile_submit_latency_seconds_sum{court="${label(court)}"} ${h.sum}`)
      out.push(`clearfile_submit_latency_seconds_count{court="${label(court)}"} ${h.count}`)
    }
    out.push(
      '# HELP clearfile_court_errors_total Court calls that failed, by court and error code.',
      '# TYPE clearfile_court_errors_total counter'
    )
    for (const [key, n] of this.errors) {
      const [court, code] = key.split('\u0000') as [string, string]
      out.push(`clearfile_court_errors_total{court="${label(court)}",code="${label(code)}"} ${n}`)
    }
    return `${out.join('\n')}\n`
  }
}

/** A gauge family in the text format, from rows of labels and a value. */
export function gauge(
  name: string,
  help: string,
  rows: ReadonlyArray<{ labels: Record<string, string>; value: number }>
): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`]
  for (const r of rows)
    lines.push(
      `${name}{${Object.entries(r.labels)
        .map(([k, v]) => `${k}="${label(v)}"`)
        .join(',')}} ${r.value}`
    )
  return `${lines.join('\n')}\n`
}
