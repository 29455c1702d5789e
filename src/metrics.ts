import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** Submit latency buckets, in seconds: a receipt within a second is usual, half a minute is the court's timeout. */
const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** What the gauges show, read from the database at each scrape (the route supplies the queries). */
export interface GaugeReaders {
  /** Background jobs not yet done, by kind. */
  queueDepth: () => Promise<ReadonlyArray<{ kind: string; n: number }>>
  /** Filings by court and state. */
  filings: () => Promise<ReadonlyArray<{ court: string; state: string; n: number }>>
}

/**
 * The process's own measurements, exposed at /metrics in the Prometheus text
 * format by prom-client: submit latency per court (histogram), court errors per
 * court and code (counter), and gauges read from the database when scraped
 * (queue depth, filings by state). Each instance has a registry of its own —
 * never prom-client's global one — so several apps in one process (the tests)
 * never share or double-register metrics.
 */
export class Metrics {
  readonly registry = new Registry()
  private readonly submitLatency: Histogram<'court'>
  private readonly courtErrors: Counter<'court' | 'code'>
  private readers: GaugeReaders | null = null

  constructor() {
    const registers = [this.registry]
    this.submitLatency = new Histogram({
      name: 'clearfile_submit_latency_seconds',
      help: 'Time from sending a ReviewFiling to its receipt.',
      labelNames: ['court'],
      buckets: BUCKETS,
      registers
    })
    this.courtErrors = new Counter({
      name: 'clearfile_court_errors_total',
      help: 'Court calls that failed, by court and error code.',
      labelNames: ['court', 'code'],
      registers
    })
    const metrics = this
    new Gauge({
      name: 'clearfile_queue_depth',
      help: 'Background jobs not yet done, by kind.',
      labelNames: ['kind'],
      registers,
      async collect() {
        const rows = (await metrics.readers?.queueDepth()) ?? []
        // Reset first: a kind whose jobs are all done disappears rather than keeping its last count.
        this.reset()
        for (const r of rows) this.set({ kind: r.kind }, r.n)
      }
    })
    new Gauge({
      name: 'clearfile_filings',
      help: 'Filings by court and state.',
      labelNames: ['court', 'state'],
      registers,
      async collect() {
        const rows = (await metrics.readers?.filings()) ?? []
        this.reset()
        for (const r of rows) this.set({ court: r.court, state: r.state }, r.n)
      }
    })
  }

  /** A filing sent to a court and receipted, in seconds. */
  observeSubmit(court: string, seconds: number): void {
    this.submitLatency.observe({ court }, seconds)
  }

  /** A court call that failed, by the CLEARFILE_ERR_* code it failed with. */
  countCourtError(court: string, code: string): void {
    this.courtErrors.inc({ court, code })
  }

  /** Where the gauges are read from at scrape time; until given, they have no values. */
  readGaugesWith(readers: GaugeReaders): void {
    this.readers = readers
  }

  /** The content type of {@link render}'s text (the Prometheus text format, 0.0.4). */
  get contentType(): string {
    return this.registry.contentType
  }

  /** Every metric in the text format, the gauges read now. */
  render(): Promise<string> {
    return this.registry.metrics()
  }
}
