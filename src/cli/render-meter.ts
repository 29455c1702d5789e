import type { Renderer, RenderTask } from '../documents/render.js'

export interface MeteredRenderer extends Renderer {
  /** Papers asked for so far. */
  readonly asked: number
  /** Papers rendered so far, by kind (`motion`, `proposed_order`, `bulk_motion`, `schedule`). */
  readonly rendered: Readonly<Record<string, number>>
  /** Papers rendered so far, all kinds. */
  readonly renderedTotal: number
  /** Seconds during which at least one paper was being rendered (or waited for a render thread). */
  readonly busySeconds: number
}

/**
 * Wraps a renderer to count the papers it is asked for and renders, and to time
 * rendering on its own: papers render while the review goes on reading, so
 * the review's clock would count one step's time as the other's. The busy time
 * is every moment at least one paper is in hand.
 */
export function meteredRenderer(inner: Renderer, now: () => number = () => performance.now()): MeteredRenderer {
  let asked = 0
  let renderedTotal = 0
  const rendered: Record<string, number> = {}
  let inFlight = 0
  let busySince = 0
  let busyMs = 0
  return {
    threads: inner.threads,
    close: () => inner.close(),
    render: (task: RenderTask) => {
      asked++
      if (inFlight++ === 0) busySince = now()
      return inner
        .render(task)
        .then((doc) => {
          rendered[task.kind] = (rendered[task.kind] ?? 0) + 1
          renderedTotal++
          return doc
        })
        .finally(() => {
          if (--inFlight === 0) busyMs += now() - busySince
        })
    },
    get asked() {
      return asked
    },
    get rendered() {
      return rendered
    },
    get renderedTotal() {
      return renderedTotal
    },
    get busySeconds() {
      return (busyMs + (inFlight > 0 ? now() - busySince : 0)) / 1000
    }
  }
}
