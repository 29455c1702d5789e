import { createHash, createHmac, X509Certificate } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { Agent, request } from 'undici'
import {
  buildCourtPolicyResponse,
  buildFeesCalculationResponse,
  buildFilingListResponse,
  buildGenericode,
  buildFilingStatusResponse,
  buildMessageReceipt,
  buildReviewCompleteNotification,
  type CourtRef
} from '../../src/ecf/messages.js'
import {
  parseCourtXml,
  parseMessageReceipt,
  type ReceivedFiling,
  refuseDocumentType,
  reviewFilingRequestOf
} from '../../src/ecf/parse.js'
import { ecfProblems } from '../../src/ecf/validator.js'
import { fromMtom } from '../../src/ecf/mtom.js'
import { operationOf, SOAP_ACTIONS, soapEnvelope, soapFaultEnvelope } from '../../src/ecf/soap.js'
import { CALLBACK_SECRET_HEADER } from '../../src/ecf/callback-auth.js'
import { signedSoapEnvelope, verifySignedSoap, type WsSecuritySigner } from '../../src/ecf/ws-security.js'
import type { CourtFilingStatus, CourtRuling } from '../types.js'

/** Shares of requests that go wrong, on purpose (each 0-1). */
export interface CourtFaults {
  /** Answer HTTP 503 without doing anything. */
  serverError?: number
  /** Never answer (the client times out); the request is not processed. */
  timeout?: number
  /** Process the filing, then drop the connection before the receipt: the ambiguous send. */
  dropAfterReceipt?: number
  /** Answer with XML that is not well-formed. */
  malformed?: number
  /** Review a filing but never call the filer back (the poll must find it). */
  lostCallback?: number
  /** Call the filer back twice for the same review. */
  duplicateCallback?: number
}

export interface SimulatedCourtOptions {
  host?: string
  port?: number
  court?: CourtRef
  /** How long the clerk takes to review a filing (received → accepted/rejected). */
  reviewDelayMs?: number
  /** How long after acceptance the judge rules. */
  rulingDelayMs?: number
  /** Share of filings the clerk accepts. */
  acceptRate?: number
  /** Shares of rulings on accepted filings: granted, denied, partially granted (normalized). */
  rulings?: { granted: number; denied: number; partially_granted: number }
  faults?: CourtFaults
  /** The shared secret sent with each callback (header x-ecf-callback-secret); no callbacks without it or a client certificate. */
  callbackSecret?: string
  /**
   * Sign each callback with an HMAC instead of sending a secret, the way this court does it: over the body, or over
   * `<unix seconds>.<body>` with the time in `timestampHeader`; `sha256=<hex>` (the default), bare hex or base64 in
   * `header` (default X-Court-Signature). `clockSkewSeconds` sets the court's clock off ours (a stale signature).
   */
  callbackSignature?: {
    key: string
    header?: string
    algorithm?: 'sha256' | 'sha512'
    encoding?: 'prefixed-hex' | 'hex' | 'base64'
    timestampHeader?: string
    clockSkewSeconds?: number
  }
  /**
   * Serve HTTPS with this certificate and key and require every filer to present a client certificate that chains
   * to `ca` (mutual TLS, as courts without WS-Security do it); a filer without one is refused in the handshake.
   */
  tls?: { cert: string | Buffer; key: string | Buffer; ca: string | Buffer }
  /**
   * WS-Security the court requires: every message signed (X.509, BSP 1.0) over its Body and Timestamp by this
   * certificate (PEM), and not expired; anything else gets a `wsse:FailedAuthentication` or `wsse:InvalidSecurity`
   * SOAP fault and is not filed.
   */
  requireSignedBy?: string | Buffer
  /** The `Authorization` header every request must carry (a vendor login or token); anything else gets HTTP 401. */
  requireAuthorization?: string
  /**
   * Sign each callback with WS-Security (BSP 1.0: the court's certificate as a BinarySecurityToken, an X.509
   * signature over Timestamp and Body), as a court's FilingReviewMDE may; a signer from `wsSecuritySigner`.
   */
  callbackWsSecurity?: WsSecuritySigner
  /** Mutual TLS for callbacks: the court's client certificate and key, and the CA the filer's server certificate chains to (PEM). */
  callbackTls?: { cert: string | Buffer; key: string | Buffer; ca: string | Buffer }
  /**
   * How the judge's ruling is worded in the status description: `ruling-prefix` ("ruling: granted", the
   * default) or `plain`, as other EFMs do it ("granted", "Denied", "GRANTED IN PART"): ECF 4.01 leaves it open.
   * `unreadable` words every ruling as a court might that no reader can know ("Order signed; see minute order").
   */
  rulingWording?: 'ruling-prefix' | 'plain' | 'unreadable'
  /**
   * Whether the court keeps the filer's own filing ids (default true): a court that does not (ECF 4.01 does not
   * require it) returns none in GetFilingList or its callbacks, and files a message sent twice twice — only its
   * case, time of receipt and the documents' hashes can tell the filer which filing is which.
   */
  echoFilerIds?: boolean
  /**
   * The policy the court publishes (GetPolicy) and holds filings to: its code lists by the element they govern —
   * the codes themselves (served as genericode at /codelists/…) or the URI of a list published elsewhere (an OASIS
   * list by its canonical URI) — its operations, case types and sizes. A ReviewFiling whose register actions are not
   * on the court's list is refused in its receipt. `false`: the court answers no GetPolicy (a SOAP fault).
   * Default: SIMULATED_COURT_POLICY.
   */
  policy?: false | SimulatedPolicy
  /**
   * GetFeesCalculation, offered in the policy when set: each filing costs `amount` (USD), nothing for a submitter
   * whose filer id the court has on its list of fee-exempt accounts (public agencies, Gov. Code § 6103).
   */
  fees?: { amount: string; exemptFilers?: readonly string[] }
  /** The court's dice: a seeded generator for a repeatable run (src/seeded-random.ts); Math.random when absent. */
  random?: () => number
}

export interface SimulatedPolicy {
  version?: string
  codeLists?: Readonly<Record<string, readonly string[] | string>>
  operations?: readonly string[]
  caseTypes?: readonly string[]
  acceptsConfidential?: boolean
  maxAttachmentBytes?: number
  maxMessageBytes?: number
}

/** The register actions of the simulated Superior Court's docket: a court's own list, not ECF's. */
export const SIMULATED_REGISTER_ACTIONS = [
  'Motion',
  'Proposed Order',
  'Order',
  'Petition',
  'Notice of Motion',
  'Declaration',
  'Minute Order',
  'Abstract of Judgment'
] as const

/** What the simulated court publishes when a test does not say: its own lists, and OASIS's for participant roles. */
export const SIMULATED_COURT_POLICY: SimulatedPolicy = {
  version: '2026.11',
  codeLists: {
    'j:RegisterActionDescriptionText': SIMULATED_REGISTER_ACTIONS,
    'nc:CaseCategoryText': ['criminal', 'civil', 'family', 'juvenile', 'probate', 'traffic'],
    'ecf:CaseParticipantRoleCode': 'urn:oasis:names:tc:legalxml-courtfiling:codelist:gc:CaseParticipantRoleCode'
  },
  caseTypes: ['Criminal', 'Civil', 'Domestic', 'Juvenile', 'Citation'],
  acceptsConfidential: true,
  maxAttachmentBytes: 25_000_000,
  maxMessageBytes: 100_000_000
}

interface SimFiling {
  courtFilingId: string
  filingId: string | null
  receivedAt: number
  /** The day of receipt (UTC), as GetFilingList's date range compares it. */
  receivedDay: string
  accepted: boolean
  ruling: CourtRuling
  received: KeptFiling
}

/** What the court keeps of a filing: everything it received but the PDFs, which it keeps by their SHA-256. */
type KeptFiling = Omit<ReceivedFiling, 'documents'> & {
  documents: Array<Omit<ReceivedFiling['documents'][number], 'pdf'> & { sha256: string }>
}

/**
 * The court's record of a filing. Holding each filing's PDFs (tens of kilobytes) would hold a county's papers in
 * memory — gigabytes at 100,000 filings — so the court keeps their hashes, all it answers with afterwards.
 */
function kept(received: ReceivedFiling): KeptFiling {
  return {
    ...received,
    documents: received.documents.map(({ pdf, ...d }) => ({
      ...d,
      sha256: createHash('sha256').update(pdf).digest('hex')
    }))
  }
}

export interface CallbackCounts {
  /** Answered 200: with a receipt that took it, or with something that is no receipt. */
  sent: number
  lost: number
  failed: number
  /** Answered with a receipt whose errors say the filer did not take it (it knows no such filing). */
  unknown: number
  /** Answered 401 or 403: the filer did not accept the court's authentication. */
  refused: number
}

export interface SimulatedCourt {
  url: string
  /** How many times each of our filing ids was submitted (a duplicate is a count above 1). */
  submissions: () => Map<string, number>
  /** How many filings came as MTOM packages. */
  mtomFilings: () => number
  filings: () => number
  /** What the court decided on each filing it holds, by its court filing id: rejected by the clerk, or the ruling. */
  outcomes: () => Map<string, 'rejected' | CourtRuling>
  callbacks: () => CallbackCounts
  /** How many requests of each operation (ReviewFiling, GetFilingStatus, GetFilingList) the court was sent. */
  operations: () => Record<string, number>
  close: () => Promise<void>
}

/**
 * A Superior Court on loopback speaking OASIS ECF 4.01 over SOAP 1.1: it
 * validates each ReviewFiling against the schemas, receipts it with a court
 * filing id (the same id again for a filing id it already has), "reviews" it
 * after a delay, rules later in the configured proportions (reported through
 * GetFilingStatus as "ruling: granted"), answers GetFilingList, calls the
 * filer's FilingAssemblyMDE (its ecf:SendingMDELocationID) with
 * NotifyFilingReviewComplete when the review is done, and injects the faults it
 * is told to. `GET /simulator/submissions` tells a test in another process how
 * many times each filing id was submitted, and `GET /simulator/outcome-report?court=<id>` gives the clerk's CSV
 * outcome report of what the judge has ruled. Filings may come as plain SOAP or as MTOM/XOP.
 */
export async function startSimulatedCourt(options: SimulatedCourtOptions = {}): Promise<SimulatedCourt> {
  const court = options.court ?? { id: 'CA-SIM', name: 'Superior Court of California (simulated)' }
  const roll = options.random ?? Math.random
  const faults = options.faults ?? {}
  const reviewDelay = options.reviewDelayMs ?? 200
  const rulingDelay = options.rulingDelayMs ?? 400
  const rulings = options.rulings ?? { granted: 0.85, denied: 0.1, partially_granted: 0.05 }
  const byCourtId = new Map<string, SimFiling>()
  const byFilingId = new Map<string, SimFiling>()
  // Filings by the court they were filed with, in order of receipt: a list names one court, and answering each of
  // 165 lists by looking at all 100,000 filings was a share of the court's time at statewide scale.
  const byCourt = new Map<string, SimFiling[]>()
  const submissions = new Map<string, number>()
  const callbackCounts: CallbackCounts = { sent: 0, lost: 0, failed: 0, unknown: 0, refused: 0 }
  const keepsFilerIds = options.echoFilerIds !== false
  const timers = new Set<NodeJS.Timeout>()
  let next = 1
  let mtomCount = 0
  const tlsAgent = options.callbackTls ? new Agent({ connect: { ...options.callbackTls } }) : undefined
  const sender = `http://${options.host ?? '127.0.0.1'}`
  const policy = options.policy === false ? null : (options.policy ?? SIMULATED_COURT_POLICY)
  let origin = ''

  const statusOf = (f: SimFiling, now: number): { status: CourtFilingStatus; description: string | null } => {
    if (now - f.receivedAt < reviewDelay) return { status: 'received', description: null }
    if (!f.accepted) return { status: 'rejected', description: 'rejected by the clerk' }
    if (now - f.receivedAt < reviewDelay + rulingDelay) return { status: 'accepted', description: null }
    return { status: 'accepted', description: rulingWords(f.ruling) }
  }
  const rulingWords = (ruling: CourtRuling) =>
    options.rulingWording === 'plain'
      ? { granted: 'granted', denied: 'Denied', partially_granted: 'GRANTED IN PART' }[ruling]
      : options.rulingWording === 'unreadable'
        ? 'Order signed; see minute order'
        : `ruling: ${ruling.replace('_', ' ')}`

  const pickRuling = (): CourtRuling => {
    const total = rulings.granted + rulings.denied + rulings.partially_granted
    const r = roll() * total
    return r < rulings.granted ? 'granted' : r < rulings.granted + rulings.denied ? 'denied' : 'partially_granted'
  }

  async function notify(f: SimFiling): Promise<void> {
    const url = f.received.callbackUrl
    if (
      !url ||
      (!options.callbackSecret && !options.callbackTls && !options.callbackSignature && !options.callbackWsSecurity)
    )
      return
    if (roll() < (faults.lostCallback ?? 0)) {
      callbackCounts.lost++
      return
    }
    const { status, description } = statusOf(f, f.receivedAt + reviewDelay)
    const sign = (message: string) =>
      options.callbackWsSecurity
        ? signedSoapEnvelope(message, options.callbackWsSecurity, new Date())
        : soapEnvelope(message)
    const xml = sign(
      buildReviewCompleteNotification({
        sender,
        filing: { courtFilingId: f.courtFilingId, filingId: keepsFilerIds ? f.filingId : null },
        case: f.received,
        status,
        description: description ?? (f.accepted ? 'Accepted for filing' : null),
        reviewedAt: new Date().toISOString(),
        payer: f.received.payer || 'unknown',
        documents: f.received.documents.map((d, i) => ({
          role: d.role,
          description: d.description,
          registerAction: d.registerAction,
          attorneyId: d.attorneyId,
          hash: d.sha256,
          docketId: f.accepted ? `${f.courtFilingId}-${i + 1}` : null,
          sealed: f.received.confidential
        }))
      })
    )
    const times = roll() < (faults.duplicateCallback ?? 0) ? 2 : 1
    for (let i = 0; i < times; i++) {
      try {
        const headers: Record<string, string> = {
          'content-type': 'text/xml; charset=utf-8',
          soapaction: SOAP_ACTIONS.NotifyFilingReviewComplete
        }
        if (options.callbackSignature) Object.assign(headers, signatureHeaders(options.callbackSignature, xml))
        else if (options.callbackSecret) headers[CALLBACK_SECRET_HEADER] = options.callbackSecret
        const res = await request(url, {
          method: 'POST',
          body: xml,
          headers,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
          ...(tlsAgent ? { dispatcher: tlsAgent } : {})
        })
        const answer = await res.body.text()
        // A court reads the filer's receipt: one with errors did not take the callback.
        if (res.statusCode === 200) {
          const receipt = (() => {
            try {
              return parseMessageReceipt(answer)
            } catch {
              return null
            }
          })()
          if (receipt && !receipt.ok) callbackCounts.unknown++
          else callbackCounts.sent++
        } else if (res.statusCode === 401 || res.statusCode === 403) callbackCounts.refused++
        else callbackCounts.failed++
      } catch {
        callbackCounts.failed++
      }
    }
  }

  function reviewFiling(body: string): { xml: string; drop: boolean } {
    // Read on the parse that validated it, a message with a document type declaration refused as any reading does.
    const read: { filing?: ReceivedFiling } = {}
    const problems = ecfProblems(body, (doc) => {
      refuseDocumentType(body)
      read.filing = reviewFilingRequestOf(doc)
    })
    if (problems.length > 0 || !read.filing) {
      return {
        xml: buildMessageReceipt({
          sender,
          court,
          filing: null,
          errors: [{ code: '-1', text: `Invalid message: ${problems[0]?.message ?? 'unreadable'}`.slice(0, 500) }]
        }),
        drop: false
      }
    }
    const received = read.filing
    // The court holds filings to its own docket's register actions, read its own way.
    const actions = policy?.codeLists?.['j:RegisterActionDescriptionText']
    const offList = Array.isArray(actions) ? received.documents.find((d) => !actions.includes(d.registerAction)) : null
    if (offList)
      return {
        xml: buildMessageReceipt({
          sender,
          court,
          filing: null,
          errors: [{ code: '-2', text: `Register action "${offList.registerAction}" is not used by this court` }]
        }),
        drop: false
      }
    const filingId = received.filingId
    if (filingId) submissions.set(filingId, (submissions.get(filingId) ?? 0) + 1)
    // A court that keeps no filer ids cannot know a message sent twice: it files it twice.
    let filing = filingId && keepsFilerIds ? byFilingId.get(filingId) : undefined
    if (!filing) {
      const receivedAt = Date.now()
      const made: SimFiling = {
        courtFilingId: `SIM-${String(next++).padStart(7, '0')}`,
        filingId,
        receivedAt,
        receivedDay: new Date(receivedAt).toISOString().slice(0, 10),
        accepted: roll() < (options.acceptRate ?? 0.95),
        ruling: pickRuling(),
        received: kept(received)
      }
      byCourtId.set(made.courtFilingId, made)
      if (filingId) byFilingId.set(filingId, made)
      const ofCourt = byCourt.get(made.received.court.id)
      if (ofCourt) ofCourt.push(made)
      else byCourt.set(made.received.court.id, [made])
      const timer = setTimeout(() => {
        timers.delete(timer)
        void notify(made)
      }, reviewDelay)
      timers.add(timer)
      filing = made
    }
    return {
      xml: buildMessageReceipt({ sender, court, filing, errors: [] }),
      drop: roll() < (faults.dropAfterReceipt ?? 0)
    }
  }

  function filingStatus(body: string): string {
    const id = parseCourtXml(
      body,
      (doc) =>
        doc.root
          .get('.//*[local-name()="DocumentIdentification"]/*[local-name()="IdentificationID"]')
          ?.content.trim() ?? ''
    )
    const f = byCourtId.get(id)
    if (!f) return soapFaultEnvelope('soap:Client', `no filing ${id}`)
    return soapEnvelope(buildFilingStatusResponse({ sender, court, filing: f, ...statusOf(f, Date.now()) }))
  }

  /**
   * The clerk's outcome report, as a court sends one to the DA: a CSV line per filing the judge has ruled on by
   * `now` (of the court named, or all), with the court's filing id, the case number, the ruling and the order's date.
   */
  function clerkReport(courtId: string | null, now: number): string {
    const lines = ['court_filing_id,case_number,ruling,order_date']
    // RFC 4180 quoting, written here: a court adapter speaks ECF and imports nothing else of clearfile's.
    const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)
    for (const f of byCourtId.values()) {
      const ruledAt = f.receivedAt + reviewDelay + rulingDelay
      if (!f.accepted || ruledAt > now || (courtId && f.received.court.id !== courtId)) continue
      const orderDate = new Date(ruledAt).toISOString().slice(0, 10)
      lines.push([f.courtFilingId, f.received.case.docketId, f.ruling, orderDate].map(cell).join(','))
    }
    return `${lines.join('\n')}\n`
  }

  /** The court's id for a filing's case: the tracking id the filing named, else (a court keyed on numbers) its docket. */
  const caseIdOf = (f: SimFiling) => f.received.case.trackingId ?? f.received.case.docketId

  /**
   * GetFilingList: the filings of the court, in the case and the dates asked for (all of them when the query names
   * none; a server answering for several courts lists the one the query's j:CaseCourt names), each
   * with its case, time of receipt and submitter's filer id — everyone's, as a court that does not scope its list
   * to the asking filer would answer.
   */
  function filingList(body: string): string {
    const query = parseCourtXml(body, (doc) => {
      const text = (path: string) => doc.root.get(path)?.content.trim() || null
      return {
        caseTrackingId: text('//*[local-name()="FilingListQueryMessage"]/*[local-name()="CaseTrackingID"]'),
        courtId: text(
          '//*[local-name()="FilingListQueryMessage"]/*[local-name()="CaseCourt"]/*[local-name()="OrganizationIdentification"]/*[local-name()="IdentificationID"]'
        ),
        from: text('//*[local-name()="DateRange"]/*[local-name()="StartDate"]/*'),
        to: text('//*[local-name()="DateRange"]/*[local-name()="EndDate"]/*')
      }
    })
    const now = Date.now()
    const from = query.from?.slice(0, 10)
    const to = query.to?.slice(0, 10)
    const candidates = query.courtId ? (byCourt.get(query.courtId) ?? []) : byCourtId.values()
    const listed = [...candidates].filter(
      (f) =>
        (!query.caseTrackingId || caseIdOf(f) === query.caseTrackingId) &&
        (!from || f.receivedDay >= from) &&
        (!to || f.receivedDay <= to)
    )
    return soapEnvelope(
      buildFilingListResponse({
        sender,
        court,
        filings: listed.map((f) => ({
          courtFilingId: f.courtFilingId,
          filingId: keepsFilerIds ? f.filingId : null,
          receivedAt: new Date(f.receivedAt).toISOString(),
          submitterId: f.received.submitterId,
          caseTrackingId: caseIdOf(f),
          ...statusOf(f, now)
        }))
      })
    )
  }

  /** GetPolicy: the policy, each code list of our own at /codelists/<n> of this server. */
  function courtPolicy(): string {
    if (!policy) return soapFaultEnvelope('soap:Client', 'GetPolicy is not offered by this court')
    const lists = Object.entries(policy.codeLists ?? {})
    return soapEnvelope(
      buildCourtPolicyResponse({
        sender,
        court,
        policy: {
          versionId: policy.version ?? '1',
          updatedAt: '2026-11-01T08:00:00.0Z',
          effectiveDate: '2026-11-01',
          codeLists: lists.map(([element, codes], i) => ({
            element,
            uri: typeof codes === 'string' ? codes : `${origin}/codelists/${i}`
          })),
          operations: policy.operations ?? [
            'ReviewFiling',
            'GetFilingStatus',
            'GetFilingList',
            'GetPolicy',
            ...(options.fees ? ['GetFeesCalculation'] : [])
          ],
          caseTypes: policy.caseTypes ?? [],
          acceptsConfidential: policy.acceptsConfidential ?? true,
          ...(policy.maxAttachmentBytes ? { maxAttachmentBytes: policy.maxAttachmentBytes } : {}),
          ...(policy.maxMessageBytes ? { maxMessageBytes: policy.maxMessageBytes } : {}),
          feesMayApply: options.fees !== undefined
        }
      })
    )
  }

  /** A code list of the policy's, as genericode. */
  function codeList(index: number): string | null {
    const entry = Object.entries(policy ? (policy.codeLists ?? {}) : {})[index]
    if (!entry || typeof entry[1] === 'string') return null
    return buildGenericode({
      shortName: entry[0].replace(/^\w+:/, ''),
      version: policy ? (policy.version ?? '1') : '1',
      codes: entry[1]
    })
  }

  /** GetFeesCalculation: the fee, or nothing for a fee-exempt account. */
  function feesCalculation(body: string): string {
    const fees = options.fees
    if (!fees) return soapFaultEnvelope('soap:Client', 'GetFeesCalculation is not offered by this court')
    const submitter = parseCourtXml(
      body,
      (doc) =>
        doc.root
          .get(
            '//*[local-name()="CoreFilingMessage"]/*[local-name()="DocumentSubmitter"]//*[local-name()="IdentificationID"]'
          )
          ?.content.trim() ?? null
    )
    const exempt = submitter !== null && (fees.exemptFilers ?? []).includes(submitter)
    return soapEnvelope(
      buildFeesCalculationResponse({ sender, court, amount: exempt ? '0.00' : fees.amount, currency: 'USD' })
    )
  }

  const operationCounts = new Map<string, number>()
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks)
    const contentType = req.headers['content-type'] ?? ''
    let body: string
    try {
      const mtom = /^multipart\/related/i.test(contentType)
      if (mtom) mtomCount++
      body = mtom ? fromMtom(raw, contentType) : raw.toString('utf8')
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/xml; charset=utf-8' })
      res.end(soapFaultEnvelope('soap:Client', (err as Error).message))
      return
    }
    const send = (status: number, xml: string) => {
      res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8' })
      res.end(xml)
    }
    if (req.method === 'GET' && req.url === '/simulator/submissions') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          filings: byCourtId.size,
          callbacks: callbackCounts,
          operations: Object.fromEntries(operationCounts),
          submissions: Object.fromEntries(submissions)
        })
      )
      return
    }
    if (req.method === 'GET' && req.url?.startsWith('/simulator/outcome-report')) {
      const courtId = new URL(req.url, origin).searchParams.get('court')
      res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' })
      res.end(clerkReport(courtId, Date.now()))
      return
    }
    const listed = req.method === 'GET' ? /^\/codelists\/(\d+)$/.exec(req.url ?? '') : null
    if (listed) {
      const gc = codeList(Number(listed[1]))
      res.writeHead(gc ? 200 : 404, { 'content-type': 'application/xml; charset=utf-8' })
      res.end(gc ?? '')
      return
    }
    const operation = operationOf(req.headers.soapaction as string | undefined)
    if (operation) operationCounts.set(operation, (operationCounts.get(operation) ?? 0) + 1)
    if (options.requireAuthorization !== undefined && req.headers.authorization !== options.requireAuthorization) {
      res.writeHead(401, { 'content-type': 'text/xml; charset=utf-8', 'www-authenticate': 'Basic realm="efiling"' })
      res.end(soapFaultEnvelope('soap:Client', 'Not authenticated'))
      return
    }
    if (options.requireSignedBy !== undefined) {
      const check = verifySignedSoap(body, [new X509Certificate(options.requireSignedBy)], new Date())
      if (!check.ok) return send(500, soapFaultEnvelope(check.code as 'soap:Client', check.text))
    }
    if (roll() < (faults.serverError ?? 0)) return send(503, 'Service Unavailable')
    if (roll() < (faults.timeout ?? 0)) return // never answer
    if (roll() < (faults.malformed ?? 0)) return send(200, '<soap:Envelope><unclosed>')
    try {
      switch (operation) {
        case 'ReviewFiling': {
          const { xml, drop } = reviewFiling(body)
          if (drop) {
            req.socket.destroy()
            return
          }
          return send(200, soapEnvelope(xml))
        }
        case 'GetFilingStatus': {
          const xml = filingStatus(body)
          return send(xml.includes('Fault>') ? 500 : 200, xml)
        }
        case 'GetFilingList':
          return send(200, filingList(body))
        case 'GetPolicy': {
          const xml = courtPolicy()
          return send(xml.includes('Fault>') ? 500 : 200, xml)
        }
        case 'GetFeesCalculation': {
          const xml = feesCalculation(body)
          return send(xml.includes('Fault>') ? 500 : 200, xml)
        }
        default:
          return send(500, soapFaultEnvelope('soap:Client', `unknown SOAPAction ${String(req.headers.soapaction)}`))
      }
    } catch (err) {
      return send(500, soapFaultEnvelope('soap:Client', (err as Error).message))
    }
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res)
  }
  const server: Server = options.tls
    ? createHttpsServer({ ...options.tls, requestCert: true, rejectUnauthorized: true }, onRequest)
    : createServer(onRequest)
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  origin = `${options.tls ? 'https' : 'http'}://${options.host ?? '127.0.0.1'}:${port}`
  return {
    url: `${origin}/ecf/v4/FilingReviewMDE`,
    submissions: () => new Map(submissions),
    mtomFilings: () => mtomCount,
    filings: () => byCourtId.size,
    outcomes: () => new Map([...byCourtId.values()].map((f) => [f.courtFilingId, f.accepted ? f.ruling : 'rejected'])),
    callbacks: () => ({ ...callbackCounts }),
    operations: () => Object.fromEntries(operationCounts),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer)
        void tlsAgent?.close()
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** The headers a signing court sends with a callback (see SimulatedCourtOptions.callbackSignature). */
function signatureHeaders(
  signing: NonNullable<SimulatedCourtOptions['callbackSignature']>,
  body: string
): Record<string, string> {
  const algorithm = signing.algorithm ?? 'sha256'
  const stamp = String(Math.floor(Date.now() / 1000) + (signing.clockSkewSeconds ?? 0))
  const mac = createHmac(algorithm, signing.key).update(signing.timestampHeader ? `${stamp}.${body}` : body)
  const encoding = signing.encoding ?? 'prefixed-hex'
  const value =
    encoding === 'base64'
      ? mac.digest('base64')
      : encoding === 'hex'
        ? mac.digest('hex')
        : `${algorithm}=${mac.digest('hex')}`
  return {
    [signing.header ?? 'X-Court-Signature']: value,
    ...(signing.timestampHeader ? { [signing.timestampHeader]: stamp } : {})
  }
}
