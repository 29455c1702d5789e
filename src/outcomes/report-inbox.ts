import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import Type from 'typebox'
import type { CourtEntry } from '../../schemas/courts.js'
import type { Clock } from '../clock.js'
import type { Database } from '../db/schema.js'
import { defineJob, enqueue, handle, type RegisteredJob } from '../jobs/job-definition.js'
import { UNTIL_DONE } from '../jobs/job-queue.js'
import { reconcileUpload } from './outcome-upload.js'

/** A file-drop court's inbox, looked at every few seconds for as long as the court is configured. */
export const INBOX_JOB = defineJob({
  name: 'outcomes.inbox',
  payload: Type.Object({ courtId: Type.String() }),
  maxAttempts: UNTIL_DONE,
  key: (p) => `outcomes.inbox:${p.courtId}`
})
/** How often a court's inbox is looked at. */
const INBOX_EVERY_MS = 10_000

/** Starts watching the inbox of each court that has one (file-drop courts); safe to call at every start. */
export async function startReportInboxes(
  db: Kysely<Database>,
  courts: ReadonlyMap<string, CourtEntry>,
  now: Date
): Promise<void> {
  for (const court of courts.values()) {
    if (court.inboxDir) await enqueue(db, INBOX_JOB, { courtId: court.id }, { runAt: now, now })
  }
}

/**
 * Picks up outcome reports (`*.csv`, `*.xml`) a court drops in its inbox and
 * reconciles each as that court's clerk would by uploading it; a reconciled
 * file moves to `processed/<report id>-<name>`, one that cannot be read to
 * `failed/` beside a `.error.txt` saying why. Files being written should be
 * given another name (e.g. a leading dot) until complete; they are skipped.
 */
export function reportInboxJob(deps: {
  db: Kysely<Database>
  clock: Clock
  courts: ReadonlyMap<string, CourtEntry>
  /** Most lines a report may have (config `outcomeReportMaxLines`); a larger one goes to failed/ with the reason. */
  maxLines?: number
}): RegisteredJob {
  return handle(INBOX_JOB, async ({ courtId }) => {
    const court = deps.courts.get(courtId)
    if (!court?.inboxDir) return
    const inbox = court.inboxDir
    await mkdir(join(inbox, 'processed'), { recursive: true })
    await mkdir(join(inbox, 'failed'), { recursive: true })
    const files = (await readdir(inbox, { withFileTypes: true }))
      .filter((f) => f.isFile() && !f.name.startsWith('.') && /\.(csv|xml)$/i.test(f.name))
      .map((f) => f.name)
      .sort()
    for (const name of files) {
      const path = join(inbox, name)
      const ctx = {
        principal: { clientId: `inbox:${court.id}`, role: 'clerk' as const, county: court.county },
        requestId: null,
        now: deps.clock.now()
      }
      try {
        const id = await reconcileUpload(
          deps.db,
          ctx,
          {
            county: court.county,
            court,
            bytes: await readFile(path),
            fileName: name,
            xml: /\.xml$/i.test(name)
          },
          { maxLines: deps.maxLines ?? Number.POSITIVE_INFINITY }
        )
        await rename(path, join(inbox, 'processed', `${id}-${name}`))
      } catch (err) {
        await rename(path, join(inbox, 'failed', name))
        await writeFile(join(inbox, 'failed', `${name}.error.txt`), `${(err as Error).message}\n`)
      }
    }
    return { rescheduleAt: new Date(deps.clock.now().getTime() + INBOX_EVERY_MS) }
  })
}
