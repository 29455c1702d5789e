import type { TLSSocket } from 'node:tls'
import type { FastifyPluginAsync } from 'fastify'
import { recordAudit } from '../../db/audit-repository.js'
import { enqueueJob } from '../../db/job-repository.js'
import { CALLBACK_SECRET_HEADER, callbackAuthenticator } from '../../filing/callback-auth.js'
import { buildMessageReceipt, OUR_FILING_ID } from '../../filing/ecf-messages.js'
import { parseReviewFilingCallback } from '../../filing/ecf-parse.js'
import { POLL_JOB } from '../../filing/pipeline.js'
import { soapEnvelope, soapFaultEnvelope } from '../../filing/soap.js'
import { isClearfileError } from '../../errors.js'
import { pipelineDeps } from '../../workers/job-handlers.js'
import type { AppDeps } from '../../app.js'

/**
 * Our FilingAssemblyMDE: the court's NotifyFilingReviewComplete. The court is
 * authenticated by its client certificate (mutual TLS) or shared secret before
 * anything is parsed; an
 * unauthenticated call changes nothing and is audited. The callback is a hint:
 * it brings the filing's next status poll forward, and GetFilingStatus decides.
 */
export const ecfCallbackRoutes: FastifyPluginAsync<AppDeps> = async (app, deps) => {
  const { db, clock } = deps
  const pipeline = pipelineDeps(deps)
  const courtOf = callbackAuthenticator(pipeline.courts)
  app.addContentTypeParser(['text/xml', 'application/soap+xml', 'application/xml'], { parseAs: 'string', bodyLimit: 64 * 1024 * 1024 }, (_req, body, done) => done(null, body))

  app.post('/ecf/v4/FilingAssemblyMDE', { schema: { hide: true } }, async (request, reply) => {
    const now = clock.now()
    const system = { principal: { clientId: 'court-callback', role: 'admin' as const, county: null }, requestId: request.id, now }
    const given = request.headers[CALLBACK_SECRET_HEADER]
    const socket = request.raw.socket as Partial<TLSSocket>
    const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : null
    const court = courtOf(given, cert ? { authorized: socket.authorized === true, fingerprint256: cert.fingerprint256 ?? null } : null)
    reply.header('content-type', 'text/xml; charset=utf-8')
    if (!court) {
      const reason = cert?.fingerprint256 ? 'unknown client certificate' : given ? 'wrong secret' : 'no secret'
      await recordAudit(db, system, [{ action: 'callback.refused', recordType: 'ecf_callback', recordId: request.id, county: null, detail: { reason } }])
      return reply.status(401).send(soapFaultEnvelope('soap:Client', 'The court is not authenticated'))
    }
    const answer = (errors: Array<{ code: string, text: string }>, filing: { courtFilingId: string, filingId: string | null } | null = null) =>
      soapEnvelope(buildMessageReceipt({ sender: pipeline.callbackUrl, court: { id: court.id, name: court.name }, filing, errors }))
    let callback
    try {
      callback = parseReviewFilingCallback(String(request.body ?? ''))
    } catch (err) {
      return reply.status(200).send(answer([{ code: '-1', text: isClearfileError(err) ? err.message : 'unreadable callback' }]))
    }
    const ours = callback.identifications.find((i) => i.category === OUR_FILING_ID)?.id
    const courtIds = callback.identifications.map((i) => i.id)
    let q = db.selectFrom('filings').select(['id', 'state', 'county', 'court_filing_id']).where('court_id', '=', court.id)
    q = ours ? q.where('id', '=', ours) : q.where('court_filing_id', 'in', courtIds.length > 0 ? courtIds : [''])
    const filing = await q.executeTakeFirst()
    if (!filing) {
      await recordAudit(db, { ...system, principal: { ...system.principal, county: court.county } }, [{ action: 'callback.unknown_filing', recordType: 'ecf_callback', recordId: request.id, county: court.county, detail: { court: court.id, ids: courtIds } }])
      return reply.status(200).send(answer([{ code: '-1', text: 'No filing with this id was sent by this filer' }]))
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('filing_events').values({
        filing_id: filing.id, from_state: filing.state, to_state: filing.state, at: now.toISOString(), source: 'callback',
        detail: JSON.stringify({ hint: callback.status, documents: callback.documents.length })
      }).execute()
      // Bring the next poll forward: the court's own status, not the callback, moves the filing.
      const moved = await trx.updateTable('jobs').set({ run_at: now.toISOString() })
        .where('dedupe_key', '=', `${POLL_JOB}:${filing.id}`).where('done_at', 'is', null).executeTakeFirst()
      if (Number(moved.numUpdatedRows) === 0 && filing.court_filing_id) {
        await enqueueJob(trx, { kind: POLL_JOB, payload: { filingId: filing.id }, dedupeKey: `${POLL_JOB}:${filing.id}`, runAt: now, maxAttempts: 20 }, now)
      }
      await recordAudit(trx, { ...system, principal: { ...system.principal, county: filing.county } }, [{ action: 'filing.callback', recordType: 'filing', recordId: filing.id, county: filing.county, detail: { status: callback.status } }])
    })
    return reply.status(200).send(answer([], { courtFilingId: filing.court_filing_id ?? courtIds[0] ?? filing.id, filingId: filing.id }))
  })
}
