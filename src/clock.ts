/** Time, injected so tests and review runs can fix "now". */
export interface Clock {
  now: () => Date
}

export const systemClock: Clock = { now: () => new Date() }

/** A clock that stands still until moved; for tests and deterministic runs. */
export function fixedClock(at: Date | string): Clock & { set: (at: Date | string) => void } {
  let current = new Date(at)
  return {
    now: () => new Date(current),
    set: (next) => {
      current = new Date(next)
    }
  }
}
