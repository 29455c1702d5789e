import type { Insertable, Kysely } from 'kysely'
import { insertRows } from './insert-rows.js'
import type { Principal } from './api-client-repository.js'
import type { AuditEventsTable, Database } from './schema.js'

export interface AuditEntry {
  action: string
  recordType: string
  recordId: string
  county: string | null
  detail?: Record<string, unknown>
}

export interface AuditContext {
  principal: Principal
  requestId: string | null
  now: Date
}

/**
 * Appends audit events (who, what, when). Call it with the transaction that
 * reads or changes the record, so the audit row commits with the change.
 * Details must not carry names, DOBs or CII numbers: ids say which record.
 */
export async function recordAudit(db: Kysely<Database>, ctx: AuditContext, entries: AuditEntry[]): Promise<void> {
  await insertRows(db, [{ table: 'audit_events', rows: auditRows(ctx, entries) }])
}

/** Audit entries as rows to insert (for `insertRows`, with the change they record). */
export function auditRows(ctx: AuditContext, entries: readonly AuditEntry[]): Insertable<AuditEventsTable>[] {
  const at = ctx.now.toISOString()
  return entries.map((e) => ({
    at,
    actor_id: ctx.principal.clientId,
    actor_role: ctx.principal.role,
    county: e.county,
    action: e.action,
    record_type: e.recordType,
    record_id: e.recordId,
    request_id: ctx.requestId,
    detail: e.detail ? JSON.stringify(e.detail) : null
  }))
}
