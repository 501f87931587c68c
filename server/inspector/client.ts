// The inspector's browser script. It is type-checked here (DOM lib) and served as the source text
// of this one function, so it must be self-contained: no imports, no references outside its body.
// Everything it shows goes through textContent/setAttribute; it never assigns HTML.

/**
 * Poll `{page}/data` (ETag → 304 when nothing changed) and render the cards and the event table.
 * @example `(${inspectorClient.toString()})()` // the served script
 */
export function inspectorClient(): void {
  const POLL_MS = 2000
  const SVG = 'http://www.w3.org/2000/svg'
  const STATE_TONE: Record<string, string> = {
    sent: 'ok', forwarded: 'ok', queued: 'info', retrying: 'warn', 'dry-run': 'muted', duplicate: 'muted',
    suppressed: 'warn', invalid: 'bad', failed: 'bad', dead: 'bad',
  }
  const ACTION_TONE: Record<string, string> = { allow: 'ok', strip: 'warn', restricted: 'warn', suppress: 'bad' }
  const KEY_LABEL: Record<string, string> = {
    em: 'em', ph: 'ph', fn: 'fn', ln: 'ln', ge: 'ge', db: 'db', ct: 'ct', st: 'st', zp: 'zp', country: 'country',
    external_id: 'external_id', maid: 'maid', client_ip_address: 'ip', client_user_agent: 'ua',
  }

  type Rec = { action: string; rule: string; consent?: string; state: string; detail?: string; at?: number; identifiers?: string[]; attempts?: number }
  type Entry = { event_id: string; name: string; source: string; sources?: string[]; time: number; received: number; identifiers: string[]; destinations: Record<string, Rec>; pair: { tag: boolean; capi: boolean }; notes?: string[] }
  type Summary = {
    perMinute: number[]; window: number
    matchKeys: { total: number; em: number; click_id: number; ip_ua: number; external_id: number }
    byDestination?: Record<string, { total: number; em: number; click_id: number; ip_ua: number; external_id: number }>
    dedup: { pairs: number; capi: number; coverage: number | null }
    delay: { n: number; median: number | null; p95: number | null }
    failures: Record<string, number>
    destinations: { name: string; paused: boolean; depth?: number }[]
  }
  type Data = { now: number; dryRun: boolean; summary: Summary; events: Entry[]; total: number; names: string[]; destinations: string[] }

  const byId = (id: string) => document.getElementById(id) as HTMLElement
  const params = new URLSearchParams(location.search)
  const token = params.get('token')
  const dataUrl = `${location.pathname.replace(/\/+$/, '')}/data`
  let etag = ''
  let paused = false
  let timer: ReturnType<typeof setTimeout> | undefined

  function h(tag: string, attrs: Record<string, string | undefined> = {}, ...children: (Node | string | undefined | false)[]): HTMLElement {
    const el = document.createElement(tag)
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v)
    for (const c of children) if (c !== undefined && c !== false) el.append(typeof c === 'string' ? document.createTextNode(c) : c)
    return el
  }
  const badge = (text: string, tone: string, title?: string) => h('span', { class: `badge ${tone}`, title }, text)
  const pct = (x: number) => `${Math.round(x * 100)}%`
  const ms = (x: number | null) => (x === null ? '—' : x < 1000 ? `${Math.round(x)} ms` : x < 120_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x / 60_000)} min`)
  const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })

  function sparkline(values: number[], label: string): SVGElement {
    const w = 200
    const hgt = 40
    const max = Math.max(1, ...values)
    const step = values.length > 1 ? w / (values.length - 1) : w
    const pts = values.map((v, i) => `${(i * step).toFixed(1)},${(hgt - 2 - (v / max) * (hgt - 6)).toFixed(1)}`)
    const svg = document.createElementNS(SVG, 'svg')
    svg.setAttribute('viewBox', `0 0 ${w} ${hgt}`)
    svg.setAttribute('class', 'spark')
    svg.setAttribute('role', 'img')
    svg.setAttribute('aria-label', label)
    const area = document.createElementNS(SVG, 'polygon')
    area.setAttribute('points', `0,${hgt} ${pts.join(' ')} ${w},${hgt}`)
    area.setAttribute('class', 'spark-area')
    const line = document.createElementNS(SVG, 'polyline')
    line.setAttribute('points', pts.join(' '))
    line.setAttribute('class', 'spark-line')
    const title = document.createElementNS(SVG, 'title')
    title.textContent = label
    svg.append(title, area, line)
    return svg
  }

  function bar(label: string, share: number): HTMLElement {
    const fill = h('span', { class: 'bar-fill' })
    fill.style.width = pct(Math.max(0, Math.min(1, share)))
    return h('div', { class: 'bar-row' }, h('span', { class: 'bar-label' }, label), h('span', { class: 'bar' }, fill), h('span', { class: 'bar-value' }, pct(share)))
  }

  function card(title: string, ...body: (Node | string)[]): HTMLElement {
    return h('section', { class: 'card' }, h('h2', {}, title), ...body)
  }

  function renderCards(d: Data): void {
    const s = d.summary
    const current = s.perMinute[s.perMinute.length - 1] ?? 0
    const failures = Object.entries(s.failures).sort((a, b) => b[1] - a[1])
    const cards = [
      card('Events / min', h('div', { class: 'big' }, String(current)), sparkline(s.perMinute, `events per minute, last ${s.perMinute.length} minutes`), h('div', { class: 'sub' }, `last ${s.perMinute.length} min · peak ${Math.max(0, ...s.perMinute)}`)),
      card('Server-copy match keys', bar('em', s.matchKeys.em), bar('click_id', s.matchKeys.click_id), bar('IP + UA', s.matchKeys.ip_ua), bar('external_id', s.matchKeys.external_id), h('div', { class: 'sub' }, `of ${s.matchKeys.total} events with a server copy`), ...Object.entries(s.byDestination ?? {}).filter(([, k]) => k.total).map(([name, k]) => h('div', { class: 'sub' }, `${name}: em ${pct(k.em)} · click id ${pct(k.click_id)} · IP+UA ${pct(k.ip_ua)} of ${k.total}`))),
      card('Dedup coverage', h('div', { class: 'big' }, s.dedup.coverage === null ? '—' : pct(s.dedup.coverage)), h('div', { class: 'sub' }, `${s.dedup.pairs} of ${s.dedup.capi} CAPI events also had the tag beacon`)),
      card('Delay to the platforms', h('div', { class: 'pair' }, h('span', {}, h('b', {}, ms(s.delay.median)), ' median'), h('span', {}, h('b', {}, ms(s.delay.p95)), ' p95')), h('div', { class: 'sub' }, `${s.delay.n} events sent`)),
      card('Failures by reason', failures.length ? h('ul', { class: 'list' }, ...failures.map(([r, n]) => h('li', {}, h('span', {}, r), h('b', {}, String(n))))) : h('div', { class: 'none' }, 'none'), h('div', { class: 'sub' }, 'since start')),
      card('Destinations', h('ul', { class: 'list' }, ...s.destinations.map((x) => h('li', {}, h('span', {}, x.name), x.paused ? badge('paused', 'bad') : badge(x.depth ? `${x.depth} waiting` : 'active', x.depth ? 'info' : 'ok')))), h('div', { class: 'sub' }, d.dryRun ? 'dry-run: nothing is sent' : `sending to ${s.destinations.length} destination${s.destinations.length === 1 ? '' : 's'}`)),
    ]
    byId('cards').replaceChildren(...cards)
  }

  function destCell(e: Entry, dest: string): HTMLElement {
    const r = e.destinations[dest]
    if (!r) return h('td', { class: 'dest' }, h('span', { class: 'none', title: `nothing for ${dest} with this event_id` }, '—'))
    const sent = new Set(r.identifiers ?? e.identifiers)
    const stripped = r.identifiers ? e.identifiers.filter((k) => !sent.has(k)) : []
    return h('td', { class: 'dest' },
      h('div', { class: 'line' }, badge(r.action, ACTION_TONE[r.action] ?? 'muted', `consent: ${r.action} (rule ${r.rule}${r.consent ? `; signal: ${r.consent}` : ''})`), r.rule !== r.action && h('span', { class: 'rule', title: `rule ${r.rule}${r.consent ? `; signal: ${r.consent}` : ''}` }, r.rule)),
      h('div', { class: 'line' }, badge(r.state, STATE_TONE[r.state] ?? 'muted'), r.attempts ? h('span', { class: 'attempts' }, `${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`) : undefined),
      r.detail ? h('div', { class: 'detail', title: r.detail }, r.detail) : undefined,
      stripped.length ? h('div', { class: 'stripped', title: 'removed by consent before sending' }, `stripped: ${stripped.map((k) => KEY_LABEL[k] ?? k).join(', ')}`) : undefined,
    )
  }

  function renderTable(d: Data): void {
    const dests = d.destinations
    byId('head').replaceChildren(h('tr', {}, h('th', { class: 'c-time' }, 'Time'), h('th', { class: 'c-event' }, 'Event · event_id'), h('th', { class: 'c-source' }, 'Source'), ...dests.map((x) => h('th', { class: 'c-dest' }, x)), h('th', { class: 'c-ids' }, 'Identifiers'), h('th', { class: 'c-pair' }, 'Dedup pair')))
    const rows = d.events.map((e) =>
      h('tr', { 'data-event-id': e.event_id },
        h('td', { class: 'c-time', title: `event_time ${new Date(e.time * 1000).toISOString()}` }, clock(e.received)),
        h('td', { class: 'c-event' }, h('div', { class: 'name' }, e.name), h('div', { class: 'id' }, e.event_id), ...(e.notes ?? []).map((n) => h('div', { class: 'detail note', title: n }, n))),
        h('td', { class: 'c-source' }, ...(e.sources ?? [e.source]).map((s) => badge(s === 'loader' ? 'fallback' : s, 'src', s === 'loader' ? 'loader fallback (/e)' : s))),
        ...dests.map((x) => destCell(e, x)),
        h('td', { class: 'c-ids' }, ...(e.identifiers.length ? e.identifiers.map((k) => h('span', { class: 'key', title: k }, KEY_LABEL[k] ?? k)) : [h('span', { class: 'none' }, 'none')])),
        h('td', { class: 'c-pair' }, badge(e.pair.tag ? 'tag ✓' : 'tag —', e.pair.tag ? 'ok' : 'muted', e.pair.tag ? 'tag beacon seen' : 'no tag beacon seen'), badge(e.pair.capi ? 'capi ✓' : 'capi —', e.pair.capi ? 'ok' : 'muted', e.pair.capi ? 'CAPI copy made' : 'no CAPI copy')),
      ),
    )
    byId('rows').replaceChildren(...rows)
    byId('empty').hidden = rows.length > 0
    byId('count').textContent = `${d.events.length} shown of ${d.total} recent events`
  }

  function renderNames(names: string[]): void {
    const select = byId('f-name') as HTMLSelectElement
    const current = select.value
    const wanted = ['', ...names]
    if ([...select.options].map((o) => o.value).join('\n') === wanted.join('\n')) return
    select.replaceChildren(...wanted.map((n) => h('option', { value: n }, n || 'all events')))
    select.value = wanted.includes(current) ? current : ''
  }

  async function refresh(): Promise<void> {
    const q = new URLSearchParams()
    const id = (byId('f-id') as HTMLInputElement).value.trim()
    const name = (byId('f-name') as HTMLSelectElement).value
    if (id) q.set('event_id', id)
    if (name) q.set('name', name)
    const headers: Record<string, string> = {}
    if (token) headers.authorization = `Bearer ${token}`
    if (etag) headers['if-none-match'] = etag
    try {
      const res = await fetch(`${dataUrl}?${q}`, { headers, cache: 'no-store' })
      if (res.status === 304) return setStatus('live', 'ok')
      if (!res.ok) return setStatus(`error ${res.status}`, 'bad')
      etag = res.headers.get('etag') ?? ''
      const d = (await res.json()) as Data
      renderNames(d.names)
      renderCards(d)
      renderTable(d)
      byId('mode').replaceChildren(d.dryRun ? badge('dry-run', 'muted', 'no Pinterest credentials: payloads are built and recorded, not sent') : badge('sending to Pinterest', 'ok'))
      setStatus('live', 'ok')
    } catch {
      setStatus('offline', 'bad')
    }
  }

  function setStatus(text: string, tone: string): void {
    byId('status').replaceChildren(badge(paused ? 'paused' : text, paused ? 'muted' : tone), ` updated ${clock(Date.now())}`)
  }

  function loop(): void {
    clearTimeout(timer)
    timer = setTimeout(async () => {
      if (!paused && document.visibilityState !== 'hidden') await refresh()
      loop()
    }, POLL_MS)
  }

  let debounce: ReturnType<typeof setTimeout> | undefined
  const refilter = () => {
    clearTimeout(debounce)
    debounce = setTimeout(() => { etag = ''; void refresh() }, 200)
  }
  byId('filters').addEventListener('submit', (ev) => ev.preventDefault())
  byId('f-id').addEventListener('input', refilter)
  byId('f-name').addEventListener('change', refilter)
  byId('pause').addEventListener('click', () => {
    paused = !paused
    byId('pause').textContent = paused ? 'Resume' : 'Pause'
    setStatus('live', 'ok')
    if (!paused) void refresh()
  })
  const initial = params.get('event_id')
  if (initial) (byId('f-id') as HTMLInputElement).value = initial
  void refresh().then(loop)
}
