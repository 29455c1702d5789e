// The clearfile dashboard: plain modules, no build step. Every figure comes
// from the API with the user's key; nothing is written into the page as HTML.
const KEY = 'clearfile.apiKey'
const $ = (id) => document.getElementById(id)
const el = (tag, { dataset, ...props } = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props)
  Object.assign(node.dataset, dataset ?? {})
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')))
  return node
}
const SVG = 'http://www.w3.org/2000/svg'
const svgEl = (tag, attrs = {}, text) => {
  const node = document.createElementNS(SVG, tag)
  for (const [a, v] of Object.entries(attrs)) node.setAttribute(a, String(v))
  if (text !== undefined) node.textContent = text
  return node
}

/** Who signed in: role, county, time zone, what the key may do, the county's courts (GET /v1/session). */
let session = null

async function api(path, options = {}) {
  const res = await fetch(path, {
    ...options,
    headers: { authorization: `Bearer ${sessionStorage.getItem(KEY)}`, ...(options.headers ?? {}) }
  })
  if (res.status === 401) {
    signOut()
    throw new Error('Your key was not accepted')
  }
  if (!res.ok) {
    const body = await res.json().catch(() => ({}))
    throw new Error(body.message ?? `HTTP ${res.status}`)
  }
  return res
}
const json = async (path, options) => (await api(path, options)).json()

// Figures as people read them: thousands separated, times in the county's zone (the exact value in a tooltip),
// dates written out, states and outcomes in words.
const number = new Intl.NumberFormat('en-US')
const fmt = (n) => number.format(n ?? 0)
function when(iso) {
  const text = new Intl.DateTimeFormat('en-US', {
    timeZone: session?.timeZone ?? 'America/Los_Angeles',
    dateStyle: 'medium',
    timeStyle: 'short'
  }).format(new Date(iso))
  return el('time', { dateTime: iso, title: iso }, text)
}
/** A calendar date (YYYY-MM-DD) written out; no time zone moves it. */
function day(date) {
  if (!date) return '—'
  const [y, m, d] = date.split('-').map(Number)
  return new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', dateStyle: 'medium' }).format(Date.UTC(y, m - 1, d))
}
const STATES = {
  draft: 'Draft',
  queued: 'Queued to file',
  submitting: 'Being submitted',
  submitted: 'Submitted',
  unknown: 'Unknown at the court',
  accepted: 'Accepted, awaiting ruling',
  partially_accepted: 'Partly accepted',
  rejected: 'Rejected by the clerk',
  granted: 'Granted',
  denied: 'Denied',
  partially_granted: 'Partially granted',
  failed: 'Failed',
  cancelled: 'Cancelled'
}
const OUTCOMES = [
  ['dismiss_and_seal', 'Dismiss and seal'],
  ['reduce_to_misdemeanor', 'Reduce to misdemeanor'],
  ['reduce_to_infraction', 'Reduce to infraction'],
  ['not_eligible', 'Not eligible']
]
const courtName = (id) => session?.courts.find((c) => c.id === id)?.name ?? id
/** A DOJ count order (cycle, step, count, 000) names the count by its third group; anything else is shown as sent. */
function countLabel(countOrder) {
  const m = /^\d{6}(\d{3})\d{3}$/.exec(countOrder)
  return m ? `count ${Number(m[1])}` : `count ${countOrder}`
}
/** The county's name written as people write it: SAN FRANCISCO → San Francisco. */
const titleCase = (text) => text.toLowerCase().replace(/\b\p{L}/gu, (c) => c.toUpperCase())

const LABELS = {
  eligible: 'Eligible convictions',
  needsReview: 'Need review',
  notEligible: 'Not eligible',
  motionsPrepared: 'Motions prepared',
  submitted: 'Submitted',
  accepted: 'Accepted',
  rejected: 'Rejected',
  granted: 'Granted',
  partiallyGranted: 'Partially granted',
  denied: 'Denied',
  failed: 'Failed',
  open: 'Awaiting ruling'
}
const FIGURES = [
  'eligible',
  'needsReview',
  'motionsPrepared',
  'submitted',
  'accepted',
  'rejected',
  'granted',
  'partiallyGranted',
  'denied',
  'open'
]

function figureList(target, figures, keys) {
  target.replaceChildren(
    ...keys.map((k) =>
      el(
        'div',
        {},
        el('dt', {}, LABELS[k] ?? k),
        el('dd', { dataset: { figure: k, value: figures[k] ?? 0 } }, fmt(figures[k]))
      )
    )
  )
}

/** A round number at or above `n` for the top of an axis (1, 2 or 5 times a power of ten). */
function niceTop(n) {
  const power = 10 ** Math.floor(Math.log10(Math.max(1, n)))
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= n)
}

const SERIES = ['prepared', 'submitted', 'granted']

function weeklyChart(weeks) {
  const box = $('weekly-chart')
  if (weeks.length === 0) {
    box.replaceChildren(el('p', { className: 'hint' }, 'Nothing prepared or filed yet.'))
    return
  }
  const top = niceTop(Math.max(1, ...weeks.flatMap((w) => SERIES.map((k) => w[k]))))
  const left = 56
  const band = 96
  const plot = 160
  const width = left + weeks.length * band + 8
  const y = (v) => 20 + plot - (v / top) * plot
  const svg = svgEl('svg', {
    viewBox: `0 0 ${width} 230`,
    width,
    height: 230,
    class: 'chart',
    role: 'img',
    'aria-labelledby': 'weekly-title'
  })
  svg.append(
    svgEl(
      'title',
      { id: 'weekly-title' },
      `Motions prepared, submitted and granted per week: ${weeks.map((w) => `week of ${day(w.week)}: ${w.prepared} prepared, ${w.submitted} submitted, ${w.granted} granted`).join('; ')}`
    )
  )
  // The value axis: four or five whole steps up to the top value, each labelled.
  const steps = top <= 5 ? top : top % 4 === 0 ? 4 : 5
  for (let i = 0; i <= steps; i++) {
    const v = (top * i) / steps
    svg.append(svgEl('line', { x1: left - 4, x2: width - 8, y1: y(v), y2: y(v), class: 'grid' }))
    svg.append(svgEl('text', { x: left - 8, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, fmt(v)))
  }
  svg.append(svgEl('text', { x: 4, y: 12, class: 'axis' }, 'Motions'))
  weeks.forEach((w, i) => {
    const x0 = left + i * band + 10
    SERIES.forEach((k, j) => {
      const x = x0 + j * 26
      svg.append(svgEl('rect', { x, y: y(w[k]), width: 22, height: y(0) - y(w[k]), class: k }))
      svg.append(svgEl('text', { x: x + 11, y: y(w[k]) - 4, 'text-anchor': 'middle', class: 'value' }, fmt(w[k])))
    })
    svg.append(svgEl('text', { x: x0, y: 200, class: 'axis' }, `week of`))
    svg.append(svgEl('text', { x: x0, y: 216, class: 'axis' }, day(w.week)))
  })
  const legend = el('p', { className: 'legend' }, ...SERIES.map((k) => el('span', {}, el('i', { className: k }), k)))
  box.replaceChildren(el('div', { className: 'chart-wrap' }, svg), legend)
}

let pipelineFigures = null

async function showPipeline() {
  $('pipeline-status').textContent = 'Loading the figures…'
  $('pipeline').setAttribute('aria-busy', 'true')
  const p = await json('/v1/metrics/pipeline')
  pipelineFigures = p
  $('pipeline').removeAttribute('aria-busy')
  $('pipeline-status').textContent =
    `As of ${new Intl.DateTimeFormat('en-US', { timeZone: session?.timeZone, dateStyle: 'long', timeStyle: 'short' }).format(new Date())}.`
  $('pipeline-county').textContent = p.county ? `— ${titleCase(p.county)} County` : '— all counties'
  figureList($('figures'), p.overall, FIGURES)
  weeklyChart(p.weekly)
  $('courts-table').tHead.replaceChildren(
    el('tr', {}, el('th', { scope: 'col' }, 'Court'), ...FIGURES.map((c) => el('th', { scope: 'col' }, LABELS[c])))
  )
  $('courts-table').tBodies[0].replaceChildren(
    ...p.courts.map((c) =>
      el(
        'tr',
        {},
        el('th', { scope: 'row' }, courtName(c.court)),
        ...FIGURES.map((k) => el('td', { className: 'num', dataset: { label: LABELS[k] } }, fmt(c[k])))
      )
    )
  )
}

/** The pipeline as a CSV a DA can send on: overall, by court (by name), by week. */
function pipelineCsv(p) {
  const cell = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v))
  const rows = [
    ['section', 'name', ...FIGURES.map((k) => LABELS[k])],
    ['overall', p.county ?? 'all counties', ...FIGURES.map((k) => p.overall[k] ?? 0)],
    ...p.courts.map((c) => ['court', courtName(c.court), ...FIGURES.map((k) => c[k] ?? 0)]),
    [],
    ['week of', 'prepared', 'submitted', 'granted'],
    ...p.weekly.map((w) => [w.week, w.prepared, w.submitted, w.granted])
  ]
  return `${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`
}

function download(blob, name) {
  const url = URL.createObjectURL(blob)
  const a = el('a', { href: url, download: name })
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/**
 * A paged listing: its filters, the cursor of the page shown and where that page sits ("101–200 of 5,000"), which
 * a keyset cursor does not say by itself, so it is counted as the user pages.
 */
function pager(label, load, { empty, noun }) {
  const status = $(`${label}-status`)
  const state = { query: {}, at: {}, seen: 0, lastCount: 0 }
  const go = async (at) => {
    state.at = at
    await load(state)
  }
  const button = (text, at, disabled) => {
    const b = el('button', { type: 'button', disabled }, text)
    b.addEventListener('click', () => go(at).catch((err) => (status.textContent = err.message)))
    return b
  }
  /** Reads the page `state.at` names of `path` with `params` and the filters, and shows where it is. */
  const read = async (path, params) => {
    const at = state.at
    status.textContent = 'Loading…'
    const page = await json(`${path}?${query({ ...params, ...state.query, ...at })}`)
    // Read again in place (after a decision): the page starts where it did.
    if (state.again) state.again = false
    else if (at.after) state.seen += state.lastCount
    else if (at.before) state.seen = Math.max(0, state.seen - page.items.length)
    else state.seen = at.last ? page.total - page.items.length : 0
    state.lastCount = page.items.length
    const filtered = Object.entries(state.query).some(([k, v]) => k !== 'sort' && v)
    const shown =
      page.items.length === 0
        ? filtered
          ? 'None match.'
          : empty
        : `${fmt(state.seen + 1)}–${fmt(state.seen + page.items.length)} of ${fmt(page.total)} ${noun}`
    status.textContent = page.items.length === 0 ? shown : `${shown}.`
    $(`${label}-pager`).replaceChildren(
      button('« First', {}, !page.prev),
      button('‹ Previous', { before: page.prev }, !page.prev),
      el('span', {}, shown),
      button('Next ›', { after: page.next }, !page.next),
      button('Last »', { last: true }, !page.next)
    )
    return page
  }
  /** The page shown, read again. */
  const reload = async () => {
    state.again = true
    await load(state)
  }
  return { state, go, read, reload }
}

const query = (params) =>
  new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== '' && v !== false)).toString()

// ---- Review queue -------------------------------------------------------------------------------------------

const queue = pager('queue', loadQueue, { empty: 'Nothing waits for a decision.', noun: 'waiting' })

async function loadQueue() {
  const page = await queue.read('/v1/determinations', { outcome: 'needs_review', undecided: true, limit: 100 })
  const decide = session.may.decide
  $('queue-bulk').hidden = !decide || page.items.length === 0
  $('queue-all').closest('th').hidden = !decide
  $('queue-all').checked = false
  $('queue-table').tBodies[0].replaceChildren(...page.items.map((d) => queueRow(d, decide)))
}

function outcomeSelect(id) {
  return el(
    'select',
    { id },
    el('option', { value: '' }, 'Choose…'),
    ...OUTCOMES.map(([v, t]) => el('option', { value: v }, t))
  )
}

function queueRow(d, decide) {
  const caseText = `${d.case.caseNumber}, ${countLabel(d.case.countOrder)}`
  const cells = [
    el('td', { dataset: { label: 'Person' } }, d.person.name, el('br'), el('small', {}, `born ${day(d.person.dob)}`)),
    el(
      'td',
      { dataset: { label: 'Case / count' } },
      `${countLabel(d.case.countOrder)} of case ${d.case.caseNumber}`,
      el('br'),
      el('small', {}, courtName(d.case.court))
    ),
    el('td', { dataset: { label: 'Section' } }, d.section ?? d.sectionAsRecorded),
    el('td', { dataset: { label: 'Convicted' } }, day(d.convictionDate)),
    el('td', { dataset: { label: 'Why' } }, d.reason ?? '')
  ]
  const row = el('tr', { dataset: { determination: d.id } })
  if (!decide) {
    row.append(
      el('td', { hidden: true }),
      ...cells,
      el('td', { dataset: { label: 'Decision' } }, 'A deputy DA decides')
    )
    return row
  }
  const pick = el('input', { type: 'checkbox', id: `pick-${d.id}`, value: d.id, className: 'pick' })
  const select = outcomeSelect(`outcome-${d.id}`)
  const reason = el('input', { type: 'text', id: `reason-${d.id}`, placeholder: 'Reason', minLength: 3 })
  const button = el('button', { type: 'button' }, 'Decide')
  const message = el('p', { role: 'alert', className: 'row-message' })
  button.addEventListener('click', async () => {
    if (!select.value || reason.value.trim().length < 3) {
      message.textContent = 'Choose an outcome and give a reason (three letters at least).'
      ;(select.value ? reason : select).focus()
      return
    }
    try {
      await api(`/v1/determinations/${d.id}/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ outcome: select.value, reason: reason.value.trim() })
      })
      const decided = el(
        'p',
        { role: 'status', className: 'row-message done' },
        `Decided: ${select.selectedOptions[0].textContent} for ${caseText}.`
      )
      decisionCell.replaceChildren(decided)
      pick.remove()
      row.dataset.decided = 'true'
    } catch (err) {
      message.textContent = err.message
    }
  })
  const labelled = (node, text) => el('span', {}, el('label', { htmlFor: node.id, className: 'sr' }, text), node)
  const decisionCell = el(
    'td',
    { dataset: { label: 'Decision' } },
    labelled(select, `Outcome for ${caseText}`),
    ' ',
    labelled(reason, `Reason for ${caseText}`),
    ' ',
    button,
    message
  )
  row.append(
    el('td', { className: 'pick' }, el('label', { htmlFor: pick.id, className: 'sr' }, `Select ${caseText}`), pick),
    ...cells,
    decisionCell
  )
  return row
}

async function bulkDecide(event) {
  event.preventDefault()
  const ids = [...document.querySelectorAll('#queue-table tbody input.pick:checked')].map((c) => c.value)
  const outcome = $('bulk-outcome').value
  const reason = $('bulk-reason').value.trim()
  if (ids.length === 0 || !outcome || reason.length < 3) {
    $('queue-status').textContent = 'Select convictions, choose an outcome and give one reason for all of them.'
    return
  }
  try {
    const r = await json('/v1/determinations/decisions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids, outcome, reason })
    })
    $('bulk-reason').value = ''
    await queue.reload()
    $('queue-status').textContent =
      `Decided ${fmt(r.decided)}: ${$('bulk-outcome').selectedOptions[0].textContent}. ${$('queue-status').textContent}`
  } catch (err) {
    $('queue-status').textContent = `Nothing was decided: ${err.message}`
  }
}

async function showQueue() {
  await queue.go({})
}

// ---- Filings --------------------------------------------------------------------------------------------------

const filings = pager('filings', loadFilings, { empty: 'No filings yet.', noun: 'filings' })

async function loadFilings() {
  const [sort, direction] = ($('filings-sort').value || 'updated:desc').split(':')
  const page = await filings.read('/v1/filings', { limit: 100, sort, direction })
  $('filings-table').tBodies[0].replaceChildren(
    ...page.items.map((f) => {
      const open = el('button', { type: 'button' }, 'Timeline')
      open.setAttribute('aria-label', `Timeline of ${f.caseNumbers.join(', ') || f.id}`)
      open.addEventListener('click', () => showTimeline(f.id, f))
      return el(
        'tr',
        { dataset: { filing: f.id } },
        el('td', { dataset: { label: 'Case' } }, f.caseNumbers.join(', ') || '—'),
        el('td', { dataset: { label: 'Defendant' } }, f.defendant?.name ?? '—'),
        el('td', { dataset: { label: 'Court' } }, courtName(f.court)),
        el('td', { className: 'state', dataset: { label: 'State', state: f.state } }, STATES[f.state] ?? f.state),
        el('td', { dataset: { label: 'Last moved' } }, when(f.updatedAt)),
        el('td', {}, open)
      )
    })
  )
}

async function showFilings() {
  await filings.go({})
}

/** The ECF message indented, elements, attributes and text each in their own colour (text nodes only). */
function prettyXml(text) {
  const doc = new DOMParser().parseFromString(text, 'application/xml')
  if (doc.querySelector('parsererror')) return [document.createTextNode(text)]
  const out = []
  const span = (cls, t) => el('span', { className: cls }, t)
  const walk = (node, depth) => {
    const pad = '  '.repeat(depth)
    if (node.nodeType === Node.TEXT_NODE) {
      const t = node.nodeValue.trim()
      if (t) out.push(pad, span('x-text', t), '\n')
      return
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return
    out.push(pad, span('x-tag', `<${node.nodeName}`))
    for (const a of node.attributes) out.push(' ', span('x-attr', a.name), '="', span('x-value', a.value), '"')
    const kids = [...node.childNodes].filter((c) => c.nodeType === Node.ELEMENT_NODE || c.nodeValue?.trim())
    if (kids.length === 0) {
      out.push(span('x-tag', '/>'), '\n')
      return
    }
    if (kids.length === 1 && kids[0].nodeType === Node.TEXT_NODE) {
      out.push(span('x-tag', '>'), span('x-text', kids[0].nodeValue.trim()), span('x-tag', `</${node.nodeName}>`), '\n')
      return
    }
    out.push(span('x-tag', '>'), '\n')
    for (const k of kids) walk(k, depth + 1)
    out.push(pad, span('x-tag', `</${node.nodeName}>`), '\n')
  }
  walk(doc.documentElement, 0)
  return out.map((n) => (n instanceof Node ? n : document.createTextNode(n)))
}

async function showTimeline(id, listed) {
  const f = await json(`/v1/filings/${id}`)
  const name = listed?.caseNumbers?.[0] ?? f.id
  $('timeline').hidden = false
  $('timeline-xml').hidden = true
  $('timeline-title').textContent =
    `Timeline of ${listed?.caseNumbers?.join(', ') || `filing ${f.id}`} (${STATES[f.state] ?? f.state})`
  $('timeline-events').replaceChildren(
    ...f.events.map((e) =>
      el(
        'li',
        {},
        when(e.at),
        ` — ${e.from ? (STATES[e.from] ?? e.from) : 'new'} → ${STATES[e.to] ?? e.to} (${e.source})`
      )
    )
  )
  const links = f.documentIds.map((docId, i) => {
    const kind = i === 0 ? 'motion' : 'proposed-order'
    const b = el('button', { type: 'button' }, i === 0 ? 'Motion (PDF)' : 'Proposed order (PDF)')
    b.addEventListener('click', async () =>
      download(await (await api(`/v1/documents/${docId}`)).blob(), `${name}-${kind}.pdf`)
    )
    return b
  })
  const show = el('button', { type: 'button' }, 'ECF filing (XML)')
  show.addEventListener('click', async () => {
    const text = await (await api(`/v1/filings/${f.id}/message.xml`)).text()
    $('timeline-xml').replaceChildren(...prettyXml(text))
    $('timeline-xml').hidden = false
  })
  const save = el('button', { type: 'button' }, 'Download the XML')
  save.addEventListener('click', async () =>
    download(await (await api(`/v1/filings/${f.id}/message.xml`)).blob(), `${name}-ecf-filing.xml`)
  )
  $('timeline-links').replaceChildren(...[...links, show, save].flatMap((b) => [b, ' ']))
  $('timeline-title').setAttribute('tabindex', '-1')
  $('timeline-title').focus()
}

// ---- Outcome reports -----------------------------------------------------------------------------------------

async function uploadReport(event) {
  event.preventDefault()
  const form = new FormData()
  if ($('report-court').value) form.append('court', $('report-court').value)
  form.append('file', $('report-file').files[0])
  $('report-status').textContent = 'Reconciling…'
  try {
    const r = await json('/v1/outcome-reports', { method: 'POST', body: form })
    if (r.state && r.state !== 'done') {
      $('report-status').textContent =
        `Report ${r.id} (${fmt(r.lines)} lines) is being reconciled; its figures follow when done.`
      return
    }
    $('report-status').textContent = `Report ${r.id}: ${fmt(r.lines)} lines reconciled.`
    $('report-result').hidden = false
    const names = {
      matched: 'Matched',
      alreadyRecorded: 'Already recorded',
      conflicts: 'Conflicts',
      unmatched: 'Unmatched lines',
      omitted: 'Omitted filings',
      malformed: 'Malformed lines'
    }
    $('report-summary').replaceChildren(
      ...Object.entries(names).map(([k, t]) =>
        el('div', {}, el('dt', {}, t), el('dd', { dataset: { summary: k } }, r.summary[k]))
      )
    )
    const list = (title, items, text) =>
      items.length === 0 ? [] : [el('h3', {}, title), el('ul', {}, ...items.map((x) => el('li', {}, text(x))))]
    $('report-lists').replaceChildren(
      ...list(
        'Conflicts (not written over)',
        r.conflicts,
        (c) =>
          `line ${c.line}: ${countLabel(c.countOrder)} of case ${c.caseNumber} reported ${c.ruling}, recorded ${c.recorded.ruling} (${c.recorded.source})`
      ),
      ...list('Lines that match nothing', r.unmatched, (u) => `line ${u.line}: ${u.reason}`),
      ...list('Malformed lines', r.malformed, (u) => `line ${u.line}: ${u.reason}`),
      ...list(
        'Filings the report omits',
        r.omitted,
        (o) => `${o.caseNumbers.join(', ')} (${STATES[o.state] ?? o.state})`
      )
    )
    $('report-csv').onclick = async (e) => {
      e.preventDefault()
      download(await (await api(`/v1/outcome-reports/${r.id}/reconciliation.csv`)).blob(), `reconciliation-${r.id}.csv`)
    }
  } catch (err) {
    $('report-status').textContent = `The report was not taken: ${err.message}`
  }
}

// ---- Navigation and sign-in ------------------------------------------------------------------------------------

const VIEWS = { pipeline: showPipeline, queue: showQueue, filings: showFilings, reports: async () => {} }

async function show(view) {
  for (const name of Object.keys(VIEWS)) $(name).hidden = name !== view
  for (const b of document.querySelectorAll('nav button[data-view]'))
    b.toggleAttribute('aria-current', b.dataset.view === view)
  document.querySelector(`nav button[data-view="${view}"]`)?.setAttribute('aria-current', 'page')
  await VIEWS[view]()
  $(`${view}-title`).setAttribute('tabindex', '-1')
}

function signOut() {
  sessionStorage.removeItem(KEY)
  session = null
  $('nav').hidden = true
  for (const name of Object.keys(VIEWS)) $(name).hidden = true
  $('login').hidden = false
}

/** Fills what depends on the key: court choices by name, state choices, the controls its role may use. */
function applySession() {
  const courts = session.courts.map((c) => el('option', { value: c.id }, c.name))
  for (const id of ['queue-court', 'filings-court'])
    $(id).replaceChildren(el('option', { value: '' }, 'All courts'), ...courts.map((o) => o.cloneNode(true)))
  $('report-court').replaceChildren(
    el('option', { value: '' }, session.courts.length === 1 ? session.courts[0].name : 'Choose the court…'),
    ...(session.courts.length === 1 ? [] : courts.map((o) => o.cloneNode(true)))
  )
  $('filings-state').replaceChildren(
    el('option', { value: '' }, 'Any state'),
    ...Object.entries(STATES).map(([v, t]) => el('option', { value: v }, t))
  )
  $('bulk-outcome').replaceChildren(
    el('option', { value: '' }, 'Choose…'),
    ...OUTCOMES.map(([v, t]) => el('option', { value: v }, t))
  )
  $('bulk-outcome').value = ''
  for (const b of document.querySelectorAll('nav button[data-view="reports"]'))
    b.hidden = !session.may.uploadOutcomeReports
}

async function startSession() {
  session = await json('/v1/session')
  applySession()
  $('login').hidden = true
  $('nav').hidden = false
  await show('pipeline')
}

async function signIn(event) {
  event.preventDefault()
  sessionStorage.setItem(KEY, $('api-key').value.trim())
  try {
    await startSession()
    $('api-key').value = ''
    $('login-error').textContent = ''
  } catch (err) {
    sessionStorage.removeItem(KEY)
    $('login-error').textContent = err.message
  }
}

function filtersOf(prefix, fields) {
  return Object.fromEntries(fields.map(([param, id]) => [param, $(`${prefix}-${id}`).value.trim()]))
}

$('login-form').addEventListener('submit', signIn)
$('report-form').addEventListener('submit', uploadReport)
$('sign-out').addEventListener('click', signOut)
$('queue-bulk').addEventListener('submit', bulkDecide)
$('queue-all').addEventListener('change', (e) => {
  for (const c of document.querySelectorAll('#queue-table tbody input.pick')) c.checked = e.target.checked
})
$('queue-filters').addEventListener('submit', (e) => {
  e.preventDefault()
  queue.state.query = {
    ...filtersOf('queue', [
      ['q', 'q'],
      ['court', 'court'],
      ['reason', 'reason'],
      ['convictedFrom', 'from'],
      ['convictedTo', 'to'],
      ['sort', 'sort']
    ])
  }
  queue.go({}).catch((err) => ($('queue-status').textContent = err.message))
})
$('filings-filters').addEventListener('submit', (e) => {
  e.preventDefault()
  filings.state.query = filtersOf('filings', [
    ['q', 'q'],
    ['court', 'court'],
    ['state', 'state'],
    ['createdFrom', 'from'],
    ['createdTo', 'to']
  ])
  filings.go({}).catch((err) => ($('filings-status').textContent = err.message))
})
$('pipeline-csv').addEventListener('click', () => {
  if (pipelineFigures)
    download(
      new Blob([pipelineCsv(pipelineFigures)], { type: 'text/csv' }),
      `clearfile-pipeline-${new Date().toISOString().slice(0, 10)}.csv`
    )
})
$('pipeline-print').addEventListener('click', () => window.print())
for (const b of document.querySelectorAll('nav button[data-view]'))
  b.addEventListener('click', () =>
    show(b.dataset.view).catch((err) => {
      const status = $(`${b.dataset.view}-status`)
      if (status) status.textContent = err.message
    })
  )
if (sessionStorage.getItem(KEY)) startSession().catch(() => signOut())
