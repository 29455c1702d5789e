import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import type { CourtEntry } from '../../schemas/courts.js'
import type { Clock } from '../clock.js'
import { enqueueJob, type JobRow, UNTIL_DONE } from '../db/job-repository.js'
import type { Database } from '../db/schema.js'
import type { JobHandler } from '../workers/job-runner.js'
import { reconcileUpload } from './outcome-upload.js'

export const INBOX_JOB = 'outcomes.inbox'
/** How often a court's inbox is looked at. */
const INBOX_EVERY_MS = 10_000

/** Starts watching the inbox of each court that has one (file-drop courts); safe to call at every start. */
export async function startReportInboxes (db: Kysely<Database>, courts: ReadonlyMap<string, CourtEntry>, now: Date): Promise<void> {
  for (const court of courts.values()) {
    if (court.inboxDir) await enqueueJob(db, { kind: INBOX_JOB, payload: { courtId: court.id }, dedupeKey: `${INBOX_JOB}:${court.id}`, runAt: now, maxAttempts: UNTIL_DONE }, now)
  }
}

/**
 * Picks up outcome reports (`*.csv`, `*.xml`) a court drops in its inbox and
 * reconciles each as that court's clerk would by uploading it; a reconciled
 * file moves to `processed/<report id>-<name>`, one that cannot be read to
 * `failed/` beside a `.error.txt` saying why. Files being written should be
 * given another name (e.g. a leading dot) until complete; they are skipped.
 */
export function reportInboxJobHandler (deps: { db: Kysely<Database>, clock: Clock, courts: ReadonlyMap<string, CourtEntry> }): JobHandler {
  return async (job: JobRow) => {
    const { courtId } = JSON.parse(job.payload) as { courtId: string }
    const court = deps.courts.get(courtId)
    if (!court?.inboxDir) return
    const inbox = court.inboxDir
    await mkdir(join(inbox, 'processed'), { recursive: true })
    await mkdir(join(inbox, 'failed'), { recursive: true })
    const files = (await readdir(inbox, { withFileTypes: true })).filter((f) => f.isFile() && !f.name.startsWith('.') && /\.(csv|xml)$/i.test(f.name)).map((f) => f.name).sort()
    for (const name of files) {
      const path = join(inbox, name)
      const ctx = { principal: { clientId: `inbox:${court.id}`, role: 'clerk' as const, county: court.county }, requestId: null, now: deps.clock.now() }
      try {
        const id = await reconcileUpload(deps.db, ctx, { county: court.county, court, bytes: await readFile(path), fileName: name, xml: /\.xml$/i.test(name) })
        await rename(path, join(inbox, 'processed', `${id}-${name}`))
      } catch (err) {
        await rename(path, join(inbox, 'failed', name))
        await writeFile(join(inbox, 'failed', `${name}.error.txt`), `${(err as Error).message}\n`)
      }
    }
    return { rescheduleAt: new Date(deps.clock.now().getTime() + INBOX_EVERY_MS) }
  }
}
