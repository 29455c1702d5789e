import type { TLSSocket } from 'node:tls'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { recordAudit } from '../../db/audit-repository.js'
import { asBulkWork } from '../../db/work-priority.js'
import { CALLBACK_SECRET_HEADER, callbackAuthenticator } from '../../ecf/callback-auth.js'
import { buildMessageReceipt, COURT_FILING_ID, OUR_FILING_ID } from '../../ecf/messages.js'
import { parseReviewFilingCallback } from '../../ecf/parse.js'
import { callbackDigest, recordNamedCallback } from '../../filing/court-callbacks.js'
import { soapEnvelope, soapFaultEnvelope } from '../../ecf/soap.js'
import { isClearfileError } from '../../errors.js'
import type { Services } from '../../services.js'
import type { CourtEntry } from '../../../schemas/courts.js'

/** The largest callback read: a NotifyFilingReviewComplete with its reviewed documents inline. */
const CALLBACK_BODY_LIMIT = 16 * 1024 * 1024

/**
 * Our FilingAssemblyMDE: the court's NotifyFilingReviewComplete. The court is
 * authenticated by its client certificate (mutual TLS) or (legacy) shared
 * secret from the request's headers, before a byte of the body is read, or by
 * the HMAC signature it sends over the body, or by the WS-Security signature
 * inside it (then only the signed Body is read); a call with none of them is
 * refused, unread when no court signs: an unauthenticated call changes nothing
 * and is audited. A credential several courts share (one e-filing manager for
 * them all) speaks for each of them: the filing the callback names, among
 * theirs, tells which court it is about. The callback is a
 * hint: it brings the filing's next status poll forward, and GetFilingStatus
 * decides.
 */
export const ecfCallbackRoutes: FastifyPluginAsync<Services> = async (app, deps) => {
  const { db, clock, pipeline } = deps
  const courtOf = callbackAuthenticator(deps.courts, process.env, deps.callbackCertificates)
  const callers = new WeakMap<object, CourtEntry[]>()
  app.addContentTypeParser(
    ['text/xml', 'application/soap+xml', 'application/xml'],
    { parseAs: 'string', bodyLimit: CALLBACK_BODY_LIMIT },
    (_req, body, done) => done(null, body)
  )

  const system = (requestId: string) => ({
    principal: { clientId: 'court-callback', role: 'admin' as const, county: null },
    requestId,
    now: clock.now()
  })

  async function refuse(request: FastifyRequest, reply: FastifyReply, reason: string, unread: boolean) {
    await recordAudit(db, system(request.id), [
      { action: 'callback.refused', recordType: 'ecf_callback', recordId: request.id, county: null, detail: { reason } }
    ])
    if (unread) reply.header('connection', 'close')
    reply.header('content-type', 'text/xml; charset=utf-8')
    return reply.status(401).send(soapFaultEnvelope('soap:Client', 'The court is not authenticated'))
  }

  app.post(
    '/ecf/v4/FilingAssemblyMDE',
    {
      // Out of the API document, and keyless: the court authenticates its own way.
      schema: { hide: true, security: [] },
      bodyLimit: CALLBACK_BODY_LIMIT,
      // onRequest runs before the body is read.
      onRequest: async (request, reply) => {
        const given = request.headers[CALLBACK_SECRET_HEADER]
        const socket = request.raw.socket as Partial<TLSSocket>
        const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : null
        const courts = courtOf.byHeaders(
          given,
          cert ? { authorized: socket.authorized === true, fingerprint256: cert.fingerprint256 ?? null } : null
        )
        if (courts.length > 0) {
          callers.set(request, courts)
          return
        }
        // A signed callback is told by its body: read it (within the limit), then check.
        if (courtOf.signed(request.headers)) return
        const reason = cert?.fingerprint256 ? 'unknown client certificate' : given ? 'wrong secret' : 'no secret'
        // The body is never read: close the connection rather than drain it.
        return asBulkWork(() => refuse(request, reply, reason, true))
      }
    },
    // A court's callbacks come by the hundred a second while a county is filed: a person's request goes first.
    (request, reply) => asBulkWork(() => receive(request, reply))
  )

  async function receive(request: FastifyRequest, reply: FastifyReply) {
    const now = clock.now()
    let courts = callers.get(request)
    // What is read: the body as sent, or for a WS-Security signed callback only the Body the signature covers.
    let message = String(request.body ?? '')
    if (!courts) {
      const signed = courtOf.bySignature(request.headers, message, now)
      if ('refused' in signed) return refuse(request, reply, signed.refused, false)
      courts = signed.courts
      message = signed.body
    }
    // The court answered: the one whose filing the callback names, once found; until then the first it may be.
    let court = courts[0]!
    const ctx = system(request.id)
    reply.header('content-type', 'text/xml; charset=utf-8')
    const answer = (
      errors: Array<{ code: string; text: string }>,
      filing: { courtFilingId: string; filingId: string | null } | null = null
    ) =>
      soapEnvelope(
        buildMessageReceipt({
          sender: pipeline.callbackUrl,
          court: { id: court.id, name: court.name },
          filing,
          errors
        })
      )
    let callback: ReturnType<typeof parseReviewFilingCallback>
    try {
      callback = parseReviewFilingCallback(message)
    } catch (err) {
      return reply
        .status(200)
        .send(answer([{ code: '-1', text: isClearfileError(err) ? err.message : 'unreadable callback' }]))
    }
    const ours = callback.identifications.find((i) => i.category === OUR_FILING_ID)?.id
    const courtIds = callback.identifications.filter((i) => i.category !== OUR_FILING_ID).map((i) => i.id)
    const documentHashes = callback.documents.flatMap((d) => (d.hash ? [d.hash] : []))
    const courtFilingId = callback.identifications.find((i) => i.category === COURT_FILING_ID)?.id ?? courtIds[0]
    const found = await recordNamedCallback(db, {
      courtIds: courts.map((c) => c.id),
      ids: { ours, courtIds, documentHashes },
      courtFilingId,
      hint: { status: callback.status, documents: callback.documents.length, digest: callbackDigest(callback) },
      audit: ctx,
      now
    })
    if (!found) {
      // Courts of one county are audited under it; an unknown filing from courts of several, under none.
      const counties = new Set(courts.map((c) => c.county))
      const county = counties.size === 1 ? court.county : null
      await recordAudit(db, { ...ctx, principal: { ...ctx.principal, county } }, [
        {
          action: 'callback.unknown_filing',
          recordType: 'ecf_callback',
          recordId: request.id,
          county,
          detail: { court: courts.map((c) => c.id).join(' '), ids: courtIds }
        }
      ])
      return reply.status(200).send(answer([{ code: '-1', text: 'No filing with this id was sent by this filer' }]))
    }
    const { filing } = found
    court = courts.find((c) => c.id === filing.court_id) ?? court
    return reply
      .status(200)
      .send(answer([], { courtFilingId: filing.court_filing_id ?? courtIds[0] ?? filing.id, filingId: filing.id }))
  }
}
