import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Agent, Pool, errors as undiciErrors, type Dispatcher } from 'undici'
import {
  buildCourtPolicyQuery,
  buildFeesCalculationQuery,
  buildFilingListQuery,
  buildFilingStatusQuery,
  COURT_FILING_ID,
  DEFAULT_FILER_ID
} from '../../src/ecf/messages.js'
import {
  parseCourtPolicyResponse,
  parseFeesCalculationResponse,
  parseFilingListResponse,
  parseGenericode,
  parseFilingStatusResponse,
  parseMessageReceipt,
  soapFault,
  type FilingStatusCode
} from '../../src/ecf/parse.js'
import { toMtom } from '../../src/ecf/mtom.js'
import { SOAP_ACTIONS, soapEnvelope, type SoapOperation } from '../../src/ecf/soap.js'
import { wsSecuritySigning } from '../../src/ecf/ws-security.js'
import {
  CourtError,
  type CourtAdapter,
  type CourtAdapterFactory,
  type CourtConfig,
  type CourtCredentials,
  type CourtRuling,
  type CourtStatus,
  type ListedCourtFiling
} from '../types.js'
import { rulingOfText } from '../../src/ecf/ruling-text.js'
import { ECF_DIR } from '../../src/ecf/validator.js'

/** The canonical URI prefix of the OASIS ECF 4.01 code lists, which ship with clearfile (schemas/ecf-4.01/gc). */
const OASIS_CODELIST = 'urn:oasis:names:tc:legalxml-courtfiling:codelist:gc:'
/** A code list larger than this is not a code list. */
const MAX_CODELIST_BYTES = 32 * 1024 * 1024

/** Errors undici raises before any byte of the request left: safe to resend. */
const BEFORE_SEND = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'])

/**
 * A ruling reported through the status description, as EFMs do for proposed orders ("granted", "ruling:
 * granted", "ORDER GRANTED", "granted in part"); a withdrawal is no ruling on the motion.
 */
export function rulingOf(text: string | null): CourtRuling | null {
  const word = rulingOfText(text)
  return word === 'withdrawn' ? null : word
}

/** A small token bucket: at most `perSecond` requests a second to one court. */
function rateLimiter(perSecond: number | undefined) {
  if (!perSecond) return async () => undefined
  let tokens = perSecond
  let last = Date.now()
  return async function take(): Promise<void> {
    for (;;) {
      const now = Date.now()
      tokens = Math.min(perSecond, tokens + ((now - last) / 1000) * perSecond)
      last = now
      if (tokens >= 1) {
        tokens -= 1
        return
      }
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(((1 - tokens) / perSecond) * 1000)))
    }
  }
}

/**
 * OASIS ECF 4.01 Web Services SIP over SOAP 1.1, with undici: ReviewFiling,
 * GetFilingStatus, GetFilingList. Per court: a connection pool sized by
 * `limits.concurrency`, a timeout, a rate limit; `mtom` sends a filing's PDFs as
 * MTOM/XOP binary parts instead of base64 text. Failures are typed: a SOAP
 * client fault or an ecf:Error other than 0 is permanent; network errors, 5xx
 * and timeouts are retryable, and ambiguous when the request may have arrived.
 */
export const ecf4SoapAdapter: CourtAdapterFactory = (
  config: CourtConfig,
  credentials: CourtCredentials = {}
): CourtAdapter => {
  if (!config.endpoint) throw new Error(`court ${config.id}: the ecf4-soap adapter needs an endpoint`)
  const url = new URL(config.endpoint)
  const timeoutMs = config.limits?.timeoutMs ?? 30_000
  const pool = new Pool(url.origin, {
    connections: config.limits?.concurrency ?? 4,
    connectTimeout: Math.min(timeoutMs, 10_000),
    // Mutual TLS: the DA office's certificate on every connection to this court.
    ...(credentials.tls ? { connect: { ...credentials.tls } } : {})
  })
  const authorization = credentials.authorization ? { authorization: credentials.authorization } : {}
  const take = rateLimiter(config.limits?.requestsPerSecond)
  const court = { id: config.id, name: config.name }
  const sender = config.filerId ?? DEFAULT_FILER_ID
  // Signing takes ~10 ms a message: done on worker threads (the courts file's signingThreads; 0 = this thread).
  const signing = credentials.wsSecurity
    ? wsSecuritySigning(credentials.wsSecurity, { threads: config.wsSecurity?.signingThreads ?? 1 })
    : undefined

  async function call(operation: SoapOperation, message: string): Promise<string> {
    await take()
    // With MTOM the PDFs of a filing travel as binary MIME parts; queries are small and stay plain SOAP.
    let envelope: string
    try {
      envelope = signing ? await signing.sign(message, new Date()) : soapEnvelope(message)
    } catch (err) {
      // Nothing left this process: tried again later, never taken for a send that may have arrived.
      throw new CourtError(
        'CLEARFILE_ERR_COURT_UNAVAILABLE',
        `${config.id} ${operation}: the message could not be signed: ${(err as Error).message}`,
        { retryable: true, cause: err }
      )
    }
    const { body, contentType } =
      config.mtom && operation === 'ReviewFiling'
        ? toMtom(envelope)
        : { body: envelope, contentType: 'text/xml; charset=utf-8' }
    let status: number
    let text: string
    try {
      const res = await pool.request({
        path: url.pathname + url.search,
        method: 'POST',
        headers: { 'content-type': contentType, soapaction: `"${SOAP_ACTIONS[operation]}"`, ...authorization },
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs
      })
      status = res.statusCode
      text = await res.body.text()
    } catch (err) {
      const code = (err as { code?: string }).code ?? ''
      const sent = !BEFORE_SEND.has(code)
      const timedOut = err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError
      throw new CourtError(
        timedOut ? 'CLEARFILE_ERR_COURT_TIMEOUT' : 'CLEARFILE_ERR_COURT_UNAVAILABLE',
        `${config.id} ${operation}: ${timedOut ? 'no answer in time' : code || (err as Error).message}`,
        { retryable: true, ambiguous: sent, cause: err }
      )
    }
    // Our credentials refused: nothing was filed, and the filing waits (retried) until they are put right.
    if (status === 401 || status === 403)
      throw new CourtError(
        'CLEARFILE_ERR_COURT_UNAVAILABLE',
        `${config.id} ${operation}: HTTP ${status}: the court did not accept our credentials`,
        { retryable: true, ambiguous: false }
      )
    const fault = soapFault(text)
    // WS-Security faults (wsse:InvalidSecurity, FailedAuthentication, FailedCheck…): our signature was refused,
    // as a 401 is; nothing was filed.
    if (
      fault &&
      /^(\w+:)?(InvalidSecurity|InvalidSecurityToken|FailedAuthentication|FailedCheck|SecurityTokenUnavailable|MessageExpired)$/.test(
        fault.code
      )
    )
      throw new CourtError(
        'CLEARFILE_ERR_COURT_UNAVAILABLE',
        `${config.id} ${operation}: the court refused our WS-Security: ${fault.code}: ${fault.text}`,
        { retryable: true, ambiguous: false, courtCode: fault.code }
      )
    if (fault) {
      // soap:Server means the court failed, and may succeed later; anything else is our message's fault.
      const serverSide = /Server$/.test(fault.code)
      throw new CourtError(
        serverSide ? 'CLEARFILE_ERR_COURT_UNAVAILABLE' : 'CLEARFILE_ERR_COURT_REJECTED',
        `${config.id} ${operation}: SOAP fault ${fault.code}: ${fault.text}`,
        { retryable: serverSide, ambiguous: serverSide, courtCode: fault.code }
      )
    }
    if (status >= 500)
      throw new CourtError('CLEARFILE_ERR_COURT_UNAVAILABLE', `${config.id} ${operation}: HTTP ${status}`, {
        retryable: true,
        ambiguous: true
      })
    if (status >= 400)
      throw new CourtError('CLEARFILE_ERR_COURT_REJECTED', `${config.id} ${operation}: HTTP ${status}`, {
        retryable: false
      })
    return text
  }

  /** A malformed answer to a send may hide a receipt: retryable, and ambiguous. */
  function unreadable(operation: SoapOperation, err: unknown): never {
    if (err instanceof CourtError) throw err
    throw new CourtError(
      'CLEARFILE_ERR_COURT_UNAVAILABLE',
      `${config.id} ${operation}: unreadable answer: ${(err as Error).message}`,
      { retryable: true, ambiguous: true, cause: err }
    )
  }

  const toStatus = (
    courtFilingId: string,
    filingId: string | null,
    status: FilingStatusCode | null,
    statusText: string | null
  ): CourtStatus => {
    if (!status)
      throw new CourtError('CLEARFILE_ERR_COURT_UNAVAILABLE', `${config.id}: a status without a FilingStatusCode`, {
        retryable: true
      })
    return { courtFilingId, filingId, status, ruling: rulingOf(statusText), statusText }
  }

  /**
   * GetFilingList of the days since `since` (a day either side for the court's time zone), of one case when given.
   * A listed filing without a status code fails the list (reconciliation must see every filing), unless `skipUnread`
   * (a status list: that filing is then asked about alone).
   */
  async function list(since: Date, caseTrackingId?: string, skipUnread = false): Promise<ListedCourtFiling[]> {
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
    const text = await call(
      'GetFilingList',
      buildFilingListQuery({
        sender,
        submitter: sender,
        court,
        ...(caseTrackingId ? { caseTrackingId } : {}),
        from: day(since.getTime() - 86_400_000),
        to: day(Date.now() + 86_400_000)
      })
    )
    let parsed: ReturnType<typeof parseFilingListResponse>
    try {
      parsed = parseFilingListResponse(text)
    } catch (err) {
      unreadable('GetFilingList', err)
    }
    return parsed.filings.flatMap((f) =>
      f.courtFilingId && (f.status || !skipUnread)
        ? [
            {
              ...toStatus(f.courtFilingId, f.filingId, f.status, f.statusText),
              caseTrackingId: f.caseTrackingId,
              receivedAt: f.receivedAt,
              submitterId: f.submitterId
            }
          ]
        : []
    )
  }

  /** A court-wide answer (policy, fees) with an ecf:Error other than 0: the court refused the query. */
  function refused(operation: SoapOperation, errors: ReadonlyArray<{ code: string; text: string }>): void {
    const e = errors.find((x) => x.code !== '0')
    if (e)
      throw new CourtError('CLEARFILE_ERR_COURT_REJECTED', `${config.id} ${operation}: ${e.code} ${e.text}`, {
        retryable: false,
        courtCode: e.code
      })
  }

  let codeListAgent: Agent | undefined
  /**
   * A code list the policy names: an OASIS list by its canonical URI from the copy clearfile ships, anything else
   * by HTTP(S) GET — with our credentials at the court's own origin (its lists are usually on its EFM), without them
   * anywhere else. A list that cannot be had
   * fails the policy, and the filings wait for it: they are not sent unchecked.
   */
  async function codeList(uri: string): Promise<string[]> {
    const unavailable = (why: string, cause?: unknown) =>
      new CourtError('CLEARFILE_ERR_COURT_UNAVAILABLE', `${config.id} code list ${uri}: ${why}`, {
        retryable: true,
        cause
      })
    let xml: Buffer
    if (uri.startsWith(OASIS_CODELIST)) {
      const name = uri.slice(OASIS_CODELIST.length).replace(/-4\.0$/, '')
      if (!/^[A-Za-z]+$/.test(name)) throw unavailable('not an OASIS ECF 4.01 code list')
      try {
        xml = await readFile(join(ECF_DIR(), 'gc', `ECF-4.0-${name}.gc`))
      } catch (err) {
        throw unavailable('not an OASIS ECF 4.01 code list', err)
      }
    } else {
      let target: URL
      try {
        target = new URL(uri)
      } catch (err) {
        throw unavailable('not a URL', err)
      }
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw unavailable('not an HTTP(S) URL')
      const sameOrigin = target.origin === url.origin
      // Another origin gets neither the court's login nor our client certificate, and is trusted as the public web is.
      codeListAgent ??= new Agent()
      const dispatcher: Dispatcher = sameOrigin ? pool : codeListAgent
      await take()
      try {
        const res = await dispatcher.request({
          origin: target.origin,
          path: target.pathname + target.search,
          method: 'GET',
          headers: sameOrigin ? { ...authorization } : {},
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs
        })
        const chunks: Buffer[] = []
        let size = 0
        for await (const chunk of res.body) {
          size += (chunk as Buffer).length
          if (size > MAX_CODELIST_BYTES) {
            res.body.destroy()
            throw unavailable(`larger than ${MAX_CODELIST_BYTES} bytes`)
          }
          chunks.push(chunk as Buffer)
        }
        if (res.statusCode !== 200) throw unavailable(`HTTP ${res.statusCode}`)
        xml = Buffer.concat(chunks)
      } catch (err) {
        if (err instanceof CourtError) throw err
        throw unavailable((err as { code?: string }).code ?? (err as Error).message, err)
      }
    }
    try {
      return parseGenericode(xml).codes
    } catch (err) {
      throw unavailable(`not a genericode list: ${(err as Error).message}`, err)
    }
  }

  return {
    name: 'ecf4-soap',
    async policy() {
      const text = await call('GetPolicy', buildCourtPolicyQuery({ sender, submitter: sender, court }))
      let parsed: ReturnType<typeof parseCourtPolicyResponse>
      try {
        parsed = parseCourtPolicyResponse(text)
      } catch (err) {
        unreadable('GetPolicy', err)
      }
      refused('GetPolicy', parsed.errors)
      const codeLists = []
      for (const list of parsed.codeLists) codeLists.push({ ...list, codes: await codeList(list.uri) })
      return { ...parsed, codeLists }
    },
    async feesCalculation(pkg) {
      const text = await call(
        'GetFeesCalculation',
        buildFeesCalculationQuery({ sender, submitter: sender, court, reviewFilingXml: pkg.xml })
      )
      let parsed: ReturnType<typeof parseFeesCalculationResponse>
      try {
        parsed = parseFeesCalculationResponse(text)
      } catch (err) {
        unreadable('GetFeesCalculation', err)
      }
      refused('GetFeesCalculation', parsed.errors)
      if (!parsed.amount || !/^\d+(\.\d+)?$/.test(parsed.amount))
        unreadable('GetFeesCalculation', new Error(`an amount that is not one: ${parsed.amount ?? 'none'}`))
      return { amount: parsed.amount, currency: parsed.currency ?? 'USD' }
    },
    async submit(pkg) {
      const text = await call('ReviewFiling', pkg.xml)
      let receipt: ReturnType<typeof parseMessageReceipt>
      try {
        receipt = parseMessageReceipt(text)
      } catch (err) {
        unreadable('ReviewFiling', err)
      }
      if (!receipt.ok) {
        const e = receipt.errors.find((x) => x.code !== '0')!
        throw new CourtError(
          'CLEARFILE_ERR_COURT_REJECTED',
          `${config.id} refused filing ${pkg.filingId}: ${e.code} ${e.text}`,
          { retryable: false, courtCode: e.code }
        )
      }
      const id = receipt.identifications.find((i) => i.category === COURT_FILING_ID) ?? receipt.identifications[0]
      if (!id?.id) unreadable('ReviewFiling', new Error('a receipt without a filing id'))
      return { courtFilingId: id.id }
    },
    async status(courtFilingId) {
      const text = await call(
        'GetFilingStatus',
        buildFilingStatusQuery({ sender, submitter: sender, court, courtFilingId })
      )
      let parsed: ReturnType<typeof parseFilingStatusResponse>
      try {
        parsed = parseFilingStatusResponse(text)
      } catch (err) {
        unreadable('GetFilingStatus', err)
      }
      const e = parsed.errors.find((x) => x.code !== '0')
      if (e)
        throw new CourtError(
          'CLEARFILE_ERR_COURT_REJECTED',
          `${config.id} status of ${courtFilingId}: ${e.code} ${e.text}`,
          { retryable: false, courtCode: e.code }
        )
      return toStatus(courtFilingId, null, parsed.status, parsed.statusText)
    },
    async listSubmissions(lookup) {
      // Narrowed to the filing's case (when it is in one: by the court's own id for it where we have that, else its
      // number) and the days since it was made: a court lists a case's few filings, not ninety days of everything.
      const trackingIds = lookup.courtCaseIds?.length ? lookup.courtCaseIds : lookup.caseNumbers
      const filings = await list(lookup.since, trackingIds.length === 1 ? trackingIds[0] : undefined)
      // A list in which no filing carries a filer id cannot show ours is absent, whatever the courts file says.
      const echoesFilerIds =
        config.echoesFilerIds !== false && (filings.length === 0 || filings.some((f) => f.filingId))
      return { echoesFilerIds, filerId: sender, filings }
    },
    ...(config.statusPolling === 'each' ? {} : { listStatuses: (since: Date) => list(since, undefined, true) }),
    close: async () => {
      await pool.close()
      await codeListAgent?.close()
      await signing?.close()
    }
  }
}
