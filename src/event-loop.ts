/**
 * Lets the event loop run: pending I/O (another request, /healthz) is served before the caller goes on.
 * Long loops of awaited queries need it on SQLite, whose queries finish synchronously: without it the whole
 * loop is one chain of microtasks and nothing else runs until it ends.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
