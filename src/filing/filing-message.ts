import { documentFilesOfFilings } from '../db/document-repository.js'
import { caseIdsOfFilings, type FilingRow } from '../db/filing-repository.js'
import { requireBlob } from '../storage/blob-store.js'
import { requireProfile } from '../documents/da-profiles.js'
import { type StoredCasePapers, storedCasesPapers } from '../documents/stored-papers.js'
import { ClearfileError } from '../errors.js'
import { caseTitle } from '../documents/court-names.js'
import { DEFAULT_FILER_ID } from '../ecf/messages.js'
import type { CourtPolicy } from '../ecf/court-adapter.js'
import type { FilingRequest } from '../ecf/filing-request-builder.js'
import type { PipelineDeps } from './pipeline-deps.js'

/** Where a filing's ReviewFilingRequestMessage is kept in the document store: written once, sent as is on every attempt. */
export const messageKey = (filingId: string) => `filings/${filingId}.xml`

/** What a filing's message is made of, as stored: its cases, their papers (those granted relief) and its documents. */
export interface MessageSource {
  caseIds: string[]
  papers: StoredCasePapers[]
  docs: Array<{ kind: string; storage_key: string }>
}

/**
 * The message sources of these filings, read together: a few statements for a whole batch of sends, not five for
 * each filing.
 */
export async function messageSources(
  db: PipelineDeps['db'],
  filingIds: readonly string[]
): Promise<Map<string, MessageSource>> {
  const caseIds = await caseIdsOfFilings(db, filingIds)
  const allCases = [...new Set([...caseIds.values()].flat())]
  const papers = new Map<string, StoredCasePapers>()
  for (const p of await storedCasesPapers(db, allCases)) if (p) papers.set(p.caseId, p)
  const docs = await documentFilesOfFilings(db, filingIds)
  return new Map(
    filingIds.map((id) => {
      const cases = caseIds.get(id) ?? []
      return [id, { caseIds: cases, papers: cases.flatMap((c) => papers.get(c) ?? []), docs: docs.get(id) ?? [] }]
    })
  )
}

/**
 * Builds a filing's ReviewFilingRequestMessage from its cases' stored papers and
 * documents, validates it against the OASIS schemas (throwing
 * CLEARFILE_ERR_ECF_INVALID naming the element when it does not), and stores it
 * (whole or not at all). The same filing always gives the same bytes (its dates are the
 * filing's own), so a crash between writing and sending changes nothing. `source` is read when not given. With
 * `policy` (its court's), the message is checked against it on the parse that validated it: `problems` says why that
 * policy refuses it, none when it fits.
 */
export async function writeFilingMessage(
  deps: PipelineDeps,
  filing: Pick<FilingRow, 'id' | 'county' | 'court_id' | 'created_at'>,
  source?: MessageSource,
  policy?: CourtPolicy
): Promise<FilingRequest> {
  const { caseIds, papers, docs } = source ?? (await messageSources(deps.db, [filing.id])).get(filing.id)!
  if (papers.length === 0)
    throw new ClearfileError(
      'CLEARFILE_ERR_NOT_ELIGIBLE',
      "No count of the filing's cases is granted relief, so there is nothing to file"
    )
  // ECF 4.01 files in one case (a CoreFilingMessage holds one nc:Case): a filing made in several is never sent.
  if (caseIds.length > 1)
    throw new ClearfileError(
      'CLEARFILE_ERR_ECF_INVALID',
      `The filing is in ${caseIds.length} cases; an ECF filing is made in one case, so file it again per case`
    )
  const motion = docs.find((d) => d.kind === 'motion')
  const order = docs.find((d) => d.kind === 'proposed_order')
  if (!motion || !order)
    throw new ClearfileError('CLEARFILE_ERR_DOCUMENTS_MISSING', 'A filing needs its motion and proposed order')
  const court = deps.courts.get(filing.court_id)
  if (!court)
    throw new ClearfileError('CLEARFILE_ERR_COURT_NOT_CONFIGURED', `No court ${filing.court_id} in the courts file`)
  const input = {
    filingId: filing.id,
    callbackUrl: deps.callbackUrl,
    submittedAt: filing.created_at,
    court: { id: court.id, name: court.name },
    submitterId: court.filerId ?? DEFAULT_FILER_ID,
    ...(court.codes ? { codes: court.codes } : {}),
    person: papers[0]!.person,
    caseTitle: caseTitle(papers[0]!.person.name),
    case: papers[0]!.case,
    profile: requireProfile(deps.profiles, filing.county)
  }
  // Papers on this machine's disk are read, and the message kept, by the builder's thread: through fs/promises that
  // was a fifth of this thread's time in the sends.
  const { root } = deps.store
  if (root !== undefined && deps.messages.buildFromFiles) {
    const files = { root, motion: motion.storage_key, order: order.storage_key, message: messageKey(filing.id) }
    return deps.messages.buildFromFiles(input, files, policy)
  }
  const built = await deps.messages.build(
    {
      ...input,
      motion: await requireBlob(deps.store, motion.storage_key),
      order: await requireBlob(deps.store, order.storage_key)
    },
    policy
  )
  await deps.store.put(messageKey(filing.id), Buffer.from(built.xml, 'utf8'))
  return built
}
