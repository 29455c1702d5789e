import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseReviewFilingRequest } from '../../src/ecf/parse.js'
import { DEFAULT_FILER_ID } from '../../src/ecf/messages.js'
import { CourtError, type CourtAdapter, type CourtAdapterFactory, type CourtConfig } from '../types.js'

/** The court filing id of a dropped package: the court has none of its own until its clerk reports. */
const dropId = (filingId: string) => `DROP-${filingId}`

/**
 * For courts without e-filing: each filing becomes a folder in the court's
 * outbox (`outboxDir`) — `filing.xml` (the ECF 4.01 ReviewFilingRequestMessage),
 * each PDF, and `manifest.json` naming them with their SHA-256 — written under
 * a temporary name and renamed into place, so whoever carries the outbox to the
 * court never sees half a package. Sending the same filing again finds its
 * folder and changes nothing. The court answers through clerks' outcome
 * reports dropped into `inboxDir` (picked up by clearfile, src/outcomes), so
 * status always says `received`.
 */
export const fileDropAdapter: CourtAdapterFactory = (config: CourtConfig): CourtAdapter => {
  const outbox = config.outboxDir
  if (!outbox) throw new Error(`court ${config.id}: the file-drop adapter needs outboxDir`)
  return {
    name: 'file-drop',
    async submit(pkg) {
      const final = join(outbox, pkg.filingId)
      if (existsSync(final)) return { courtFilingId: dropId(pkg.filingId) }
      const filing = parseReviewFilingRequest(pkg.xml)
      const temp = join(outbox, `.partial-${pkg.filingId}`)
      try {
        await rm(temp, { recursive: true, force: true })
        await mkdir(temp, { recursive: true })
        await writeFile(join(temp, 'filing.xml'), pkg.xml)
        const documents = []
        for (const [i, d] of filing.documents.entries()) {
          const file = `${String(i + 1).padStart(2, '0')}-${d.role === 'lead' ? 'motion' : 'connected'}.pdf`
          await writeFile(join(temp, file), d.pdf)
          documents.push({
            file,
            role: d.role,
            description: d.description,
            registerAction: d.registerAction,
            bytes: d.pdf.length,
            sha256: createHash('sha256').update(d.pdf).digest('hex')
          })
        }
        const manifest = {
          filingId: pkg.filingId,
          court: config.id,
          courtName: config.name,
          case: filing.case,
          confidential: filing.confidential,
          counts: filing.counts.map((c) => ({ sequence: c.sequence, statute: c.statute })),
          message: 'filing.xml',
          documents,
          report:
            'Rule on it by putting a line with this filing id (or the case number, name and date of birth) in an outcome report in the inbox.'
        }
        await writeFile(join(temp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
        await rename(temp, final)
      } catch (err) {
        await rm(temp, { recursive: true, force: true }).catch(() => undefined)
        // The folder could not be written (a full disk, a missing share): nothing reached the court.
        throw new CourtError(
          'CLEARFILE_ERR_COURT_UNAVAILABLE',
          `${config.id}: cannot write to the outbox: ${(err as Error).message}`,
          { retryable: true, ambiguous: false, cause: err }
        )
      }
      return { courtFilingId: dropId(pkg.filingId) }
    },
    async status(courtFilingId) {
      return {
        courtFilingId,
        filingId: courtFilingId.replace(/^DROP-/, ''),
        status: 'received',
        ruling: null,
        statusText: "waiting for the clerk's outcome report"
      }
    },
    async listSubmissions({ filingId }) {
      // The outbox is the court's list: a package is there under our filing id or it is not.
      const there = existsSync(join(outbox, filingId))
      return {
        echoesFilerIds: true,
        filerId: config.filerId ?? DEFAULT_FILER_ID,
        filings: there
          ? [
              {
                courtFilingId: dropId(filingId),
                filingId,
                status: 'received',
                ruling: null,
                statusText: null,
                caseTrackingId: null,
                receivedAt: null,
                submitterId: null
              }
            ]
          : []
      }
    },
    close: async () => {}
  }
}
