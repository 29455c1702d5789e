import { recordAudit, type AuditContext } from '../db/audit-repository.js'
import type { Db } from '../db/database.js'
import {
  findDeterminations,
  recordDecision,
  toDeterminationView,
  type DeterminationRow
} from '../db/determination-repository.js'
import type { OutcomeValue } from '../db/schema.js'
import { ClearfileError } from '../errors.js'
import { appendEvents } from '../webhooks/events.js'

/** What a deputy DA decided, and why (one reason for every determination decided together). */
export interface Decision {
  outcome: OutcomeValue
  reason: string
}

/**
 * Records a deputy DA's decision on each of `ids`, in the caller's transaction: all or none. Each determination
 * gets its own event (`determination.made`) and its own audit row naming the engine's outcome and the decision
 * it replaces, whether one was decided or five hundred. An id not in the key's county is not found.
 */
export async function decideDeterminations(trx: Db, ctx: AuditContext, ids: readonly string[], decision: Decision) {
  const unique = [...new Set(ids)]
  const found = await findDeterminations(trx, unique, ctx.principal.county)
  if (found.length !== unique.length) {
    const known = new Set(found.map((d) => d.id))
    const missing = unique.filter((id) => !known.has(id))
    throw new ClearfileError('CLEARFILE_ERR_NOT_FOUND', `No such determination: ${missing.slice(0, 5).join(', ')}`)
  }
  const at = ctx.now.toISOString()
  await recordDecision(trx, unique, { ...decision, by: ctx.principal.clientId, at })
  await appendEvents(
    trx,
    found.map((d) => ({
      county: d.county,
      type: 'determination.made' as const,
      recordType: 'determination',
      recordId: d.id,
      at,
      payload: {
        determinationId: d.id,
        convictionId: d.conviction_id,
        outcome: decision.outcome,
        remedy: d.remedy,
        // The reason is free text a deputy wrote (it may name people): events and webhooks say one was
        // given; the text is read from the determination, where every read is audited.
        reasonGiven: true,
        by: 'deputy_da'
      }
    }))
  )
  await recordAudit(
    trx,
    ctx,
    found.map((d) => ({
      action: 'determination.decide',
      recordType: 'determination',
      recordId: d.id,
      county: d.county,
      detail: { engineOutcome: d.outcome, previousDecision: d.decided_outcome, decision: decision.outcome }
    }))
  )
  const byId = new Map(found.map((d): [string, DeterminationRow] => [d.id, d]))
  return unique.map((id) =>
    toDeterminationView({
      ...byId.get(id)!,
      decided_outcome: decision.outcome,
      decision_reason: decision.reason,
      decided_by: ctx.principal.clientId,
      decided_at: at
    })
  )
}
