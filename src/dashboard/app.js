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

const LABELS = {
  eligible: 'Eligible convictions',
  needsReview: 'Need review',
  motionsPrepared: 'Motions prepared',
  submitted: 'Submitted',
  accepted: 'Accepted',
  rejected: 'Rejected',
  granted: 'Granted',
  partiallyGranted: 'Partially granted',
  denied: 'Denied',
  open: 'Awaiting ruling'
}

function figureList(target, figures, keys) {
  target.replaceChildren(
    ...keys.map((k) =>
      el('div', {}, el('dt', {}, LABELS[k] ?? k), el('dd', { dataset: { figure: k } }, figures[k] ?? 0))
    )
  )
}

function weeklyChart(weeks) {
  const box = $('weekly-chart')
  if (weeks.length === 0) {
    box.replaceChildren(el('p', { className: 'hint' }, 'Nothing prepared or filed yet.'))
    return
  }
  const max = Math.max(1, ...weeks.flatMap((w) => [w.prepared, w.submitted, w.granted]))
  const width = Math.max(320, weeks.length * 72)
  const svgNs = 'http://www.w3.org/2000/svg'
  const svg = document.createElementNS(svgNs, 'svg')
  svg.setAttribute('viewBox', `0 0 ${width} 180`)
  svg.setAttribute('width', String(width))
  svg.setAttribute('height', '180')
  svg.setAttribute('class', 'chart')
  svg.setAttribute('role', 'img')
  svg.setAttribute('aria-labelledby', 'weekly-title')
  const title = document.createElementNS(svgNs, 'title')
  title.id = 'weekly-title'
  title.textContent = `Motions prepared, submitted and granted per week: ${weeks.map((w) => `week of ${w.week}: ${w.prepared} prepared, ${w.submitted} submitted, ${w.granted} granted`).join('; ')}`
  svg.append(title)
  weeks.forEach((w, i) => {
    ;['prepared', 'submitted', 'granted'].forEach((k, j) => {
      const h = Math.round((w[k] / max) * 140)
      const r = document.createElementNS(svgNs, 'rect')
      Object.entries({ x: i * 72 + 8 + j * 18, y: 150 - h, width: 16, height: h, class: k }).forEach(([a, v]) => {
        r.setAttribute(a, v)
      })
      svg.append(r)
    })
    const label = document.createElementNS(svgNs, 'text')
    Object.entries({ x: i * 72 + 8, y: 170, 'font-size': 11 }).forEach(([a, v]) => {
      label.setAttribute(a, v)
    })
    label.textContent = w.week.slice(5)
    svg.append(label)
  })
  const legend = el(
    'p',
    { className: 'legend' },
    ...['prepared', 'submitted', 'granted'].map((k) => el('span', {}, el('i', { className: k }), k))
  )
  box.replaceChildren(svg, legend)
}

async function showPipeline() {
  const p = await json('/v1/metrics/pipeline')
  $('pipeline-county').textContent = p.county ? `— ${p.county}` : '— all counties'
  figureList($('figures'), p.overall, [
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
  ])
  weeklyChart(p.weekly)
  const cols = ['eligible', 'needsReview', 'motionsPrepared', 'submitted', 'accepted', 'rejected', 'granted', 'denied']
  $('courts-table').tHead.replaceChildren(
    el('tr', {}, el('th', { scope: 'col' }, 'Court'), ...cols.map((c) => el('th', { scope: 'col' }, LABELS[c])))
  )
  $('courts-table').tBodies[0].replaceChildren(
    ...p.courts.map((c) =>
      el('tr', {}, el('th', { scope: 'row' }, c.court), ...cols.map((k) => el('td', { className: 'num' }, c[k])))
    )
  )
}

async function showQueue() {
  const page = await json('/v1/determinations?outcome=needs_review&undecided=true&limit=100')
  $('queue-status').textContent =
    page.items.length === 0
      ? 'Nothing waits for a decision.'
      : `${page.items.length} waiting${page.next ? ' (first 100)' : ''}.`
  $('queue-table').tBodies[0].replaceChildren(
    ...page.items.map((d) => {
      const select = el(
        'select',
        { id: `outcome-${d.id}` },
        ...[
          ['', 'Choose…'],
          ['dismiss_and_seal', 'Dismiss and seal'],
          ['reduce_to_misdemeanor', 'Reduce to misdemeanor'],
          ['reduce_to_infraction', 'Reduce to infraction'],
          ['not_eligible', 'Not eligible']
        ].map(([v, t]) => el('option', { value: v }, t))
      )
      const reason = el('input', { type: 'text', id: `reason-${d.id}`, placeholder: 'Reason', minLength: 3 })
      const decide = el('button', { type: 'button' }, 'Decide')
      decide.addEventListener('click', async () => {
        if (!select.value || reason.value.trim().length < 3) {
          $('queue-status').textContent = 'Choose an outcome and give a reason.'
          select.focus()
          return
        }
        try {
          await api(`/v1/determinations/${d.id}/decision`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ outcome: select.value, reason: reason.value.trim() })
          })
          const done = `Decided: ${d.case.caseNumber} count ${d.case.countOrder} — ${select.selectedOptions[0].textContent}.`
          await showQueue()
          $('queue-status').textContent = `${done} ${$('queue-status').textContent}`
        } catch (err) {
          $('queue-status').textContent = err.message
        }
      })
      const labelled = (node, text) => el('span', {}, el('label', { htmlFor: node.id, className: 'sr' }, text), node)
      return el(
        'tr',
        { dataset: { determination: d.id } },
        el('td', {}, d.person.name, el('br'), el('small', {}, d.person.dob ?? '')),
        el('td', {}, d.case.caseNumber, ` / ${d.case.countOrder}`),
        el('td', {}, d.section ?? d.sectionAsRecorded),
        el('td', {}, d.reason ?? ''),
        el(
          'td',
          {},
          labelled(select, `Outcome for ${d.case.caseNumber} count ${d.case.countOrder}`),
          ' ',
          labelled(reason, 'Reason'),
          ' ',
          decide
        )
      )
    })
  )
}

async function openBlob(path, type) {
  const blob = await (await api(path)).blob()
  window.open(URL.createObjectURL(new Blob([blob], { type })), '_blank', 'noopener')
}

async function showTimeline(id) {
  const f = await json(`/v1/filings/${id}`)
  $('timeline').hidden = false
  $('timeline-title').textContent = `Timeline of filing ${f.id} (${f.state})`
  $('timeline-events').replaceChildren(
    ...f.events.map((e) => el('li', {}, `${e.at} — ${e.from ?? 'new'} → ${e.to} (${e.source})`))
  )
  const links = f.documentIds.map((docId, i) => {
    const b = el('button', { type: 'button' }, i === 0 ? 'Motion (PDF)' : 'Proposed order (PDF)')
    b.addEventListener('click', () => openBlob(`/v1/documents/${docId}`, 'application/pdf'))
    return b
  })
  const xml = el('button', { type: 'button' }, 'ECF filing (XML)')
  xml.addEventListener('click', () => openBlob(`/v1/filings/${f.id}/message.xml`, 'text/xml'))
  $('timeline-links').replaceChildren(...links.flatMap((b) => [b, ' ']), xml)
  $('timeline-title').focus?.()
}

async function showFilings() {
  const page = await json('/v1/filings?limit=200')
  $('filings-table').tBodies[0].replaceChildren(
    ...page.items.map((f) => {
      const open = el('button', { type: 'button' }, 'Timeline')
      open.addEventListener('click', () => showTimeline(f.id))
      return el(
        'tr',
        {},
        el('td', {}, el('code', {}, f.id)),
        el('td', {}, f.court),
        el('td', {}, f.courtFilingId ?? '—'),
        el('td', { className: 'state' }, f.state),
        el('td', {}, f.updatedAt),
        el('td', {}, open)
      )
    })
  )
}

async function uploadReport(event) {
  event.preventDefault()
  const form = new FormData()
  if ($('report-court').value.trim()) form.append('court', $('report-court').value.trim())
  form.append('file', $('report-file').files[0])
  $('report-status').textContent = 'Reconciling…'
  try {
    const r = await json('/v1/outcome-reports', { method: 'POST', body: form })
    $('report-status').textContent = `Report ${r.id}: ${r.lines} lines reconciled.`
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
          `line ${c.line}: ${c.caseNumber} count ${c.countOrder} reported ${c.ruling}, recorded ${c.recorded.ruling} (${c.recorded.source})`
      ),
      ...list('Lines that match nothing', r.unmatched, (u) => `line ${u.line}: ${u.reason}`),
      ...list('Malformed lines', r.malformed, (u) => `line ${u.line}: ${u.reason}`),
      ...list('Filings the report omits', r.omitted, (o) => `${o.caseNumbers.join(', ')} (${o.state})`)
    )
    $('report-csv').onclick = (e) => {
      e.preventDefault()
      openBlob(`/v1/outcome-reports/${r.id}/reconciliation.csv`, 'text/csv')
    }
  } catch (err) {
    $('report-status').textContent = `The report was not taken: ${err.message}`
  }
}

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
  $('nav').hidden = true
  for (const name of Object.keys(VIEWS)) $(name).hidden = true
  $('login').hidden = false
}

async function signIn(event) {
  event.preventDefault()
  sessionStorage.setItem(KEY, $('api-key').value.trim())
  try {
    await json('/v1/metrics/pipeline')
    $('login').hidden = true
    $('nav').hidden = false
    $('api-key').value = ''
    await show('pipeline')
  } catch (err) {
    $('login-error').textContent = err.message
  }
}

$('login-form').addEventListener('submit', signIn)
$('report-form').addEventListener('submit', uploadReport)
$('sign-out').addEventListener('click', signOut)
for (const b of document.querySelectorAll('nav button[data-view]'))
  b.addEventListener('click', () => show(b.dataset.view).catch((err) => alert(err.message)))
if (sessionStorage.getItem(KEY)) {
  $('login').hidden = true
  $('nav').hidden = false
  show('pipeline').catch(() => signOut())
}
