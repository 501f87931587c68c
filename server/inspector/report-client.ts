// The inspector's reconciliation panel. Like ./client.ts it is served as the source text of this one
// function, so it is self-contained: no imports, nothing outside its body; text goes through
// textContent/setAttribute only, never HTML.

/**
 * Fetch `{prefix}/_/report?days=14` (admin; the page's token as a bearer header) every 30 s and
 * render the panel: headline numbers, a stacked bar chart per day (inline SVG) and a table.
 * @example `(${reportPanelClient.toString()})()` // appended to the served script
 */
export function reportPanelClient(): void {
  const POLL_MS = 30_000
  const DAYS = 14
  const SVG = 'http://www.w3.org/2000/svg'
  const root = document.getElementById('report')
  if (!root) return
  type Dest = {
    orders_delivered: number; recovered: number; orders_suppressed: number; orders_dead: number
    freshness: { delivered: number; median_s: number | null; p95_s: number | null }
    dedup: { server_orders: number; with_browser: number; coverage: number | null }
    match_keys: Record<string, { events: number; share: Record<string, number | null> }>
  }
  type Orders = { webhook: number; browser: number; matched: number; webhook_only: number; browser_only: number; api: number }
  type Day = { date: string; orders: Orders; destinations: Record<string, Dest> }
  type Report = { from: string; to: string; days: number; destinations: string[]; totals: { orders: Orders; destinations: Record<string, Dest> }; daily: Day[] }

  const token = new URLSearchParams(location.search).get('token')
  const url = `${location.pathname.replace(/\/+$/, '').replace(/\/inspect$/, '/report')}?days=${DAYS}`
  let selected = ''
  let last: Report | undefined

  function h(tag: string, attrs: Record<string, string | undefined> = {}, ...children: (Node | string | undefined | false)[]): HTMLElement {
    const el = document.createElement(tag)
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v)
    for (const c of children) if (c !== undefined && c !== false) el.append(typeof c === 'string' ? document.createTextNode(c) : c)
    return el
  }
  function s(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
    const el = document.createElementNS(SVG, tag)
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
    if (text !== undefined) el.textContent = text
    return el
  }
  const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`)
  const dur = (x: number | null) => (x === null ? '—' : x < 60 ? `≤ ${x} s` : x < 3600 ? `≤ ${x / 60} min` : x < 86_400 ? `≤ ${x / 3600} h` : `≤ ${x / 86_400} d`)

  function stat(metric: string, label: string, value: string, sub: string): HTMLElement {
    return h('div', { class: 'stat', 'data-metric': metric }, h('div', { class: 'stat-label' }, label), h('div', { class: 'big' }, value), h('div', { class: 'sub' }, sub))
  }

  /** Per day one stacked bar of the webhook orders: matched by the browser, recovered, not delivered. */
  function chart(r: Report, dest: string): SVGElement {
    const w = 720
    const hgt = 180
    const top = 12
    const bottom = 22
    const left = 28
    const n = r.daily.length
    const slot = (w - left) / n
    const bw = Math.max(4, Math.min(36, slot * 0.62))
    const max = Math.max(1, ...r.daily.map((d) => d.orders.webhook))
    const y = (v: number) => ((hgt - top - bottom) * v) / max
    const svg = s('svg', { viewBox: `0 0 ${w} ${hgt}`, class: 'report-chart', role: 'img', 'aria-label': `webhook orders per day for ${dest}: matched by the browser, recovered, not delivered` })
    svg.append(s('title', {}, `Webhook orders per day (${dest})`))
    for (const frac of [0, 0.5, 1]) {
      const gy = hgt - bottom - y(max * frac)
      svg.append(s('line', { x1: left, x2: w, y1: gy, y2: gy, class: 'grid' }), s('text', { x: left - 4, y: gy + 3, class: 'axis', 'text-anchor': 'end' }, String(Math.round(max * frac))))
    }
    r.daily.forEach((d, i) => {
      const x = left + i * slot + (slot - bw) / 2
      const dd = d.destinations[dest]
      const recovered = dd?.recovered ?? 0
      const parts: [string, number][] = [['matched', d.orders.matched], ['recovered', recovered], ['missed', Math.max(0, d.orders.webhook_only - recovered)]]
      let base = hgt - bottom
      const g = s('g', { 'data-date': d.date })
      g.append(s('title', {}, `${d.date}: ${d.orders.webhook} webhook orders — ${d.orders.matched} matched by the browser, ${recovered} recovered, ${parts[2][1]} not delivered`))
      for (const [cls, v] of parts) {
        if (!v) continue
        const bh = y(v)
        base -= bh
        g.append(s('rect', { x: x.toFixed(1), y: base.toFixed(1), width: bw.toFixed(1), height: bh.toFixed(1), class: `seg ${cls}`, 'data-value': v }))
      }
      if (n <= 31 && (n <= 14 || i % 2 === 0)) g.append(s('text', { x: (x + bw / 2).toFixed(1), y: hgt - 6, class: 'axis', 'text-anchor': 'middle' }, d.date.slice(5)))
      svg.append(g)
    })
    return svg
  }

  function render(r: Report): void {
    if (!selected || !r.destinations.includes(selected)) selected = r.destinations[0] ?? ''
    const t = r.totals
    const td = t.destinations[selected]
    const select = h('select', { id: 'report-dest', 'aria-label': 'destination' }, ...r.destinations.map((d) => h('option', { value: d }, d))) as HTMLSelectElement
    select.value = selected
    select.addEventListener('change', () => {
      selected = select.value
      if (last) render(last)
    })
    const head = h('div', { class: 'report-head' }, h('h2', {}, 'Reconciliation'), h('span', { class: 'sub' }, `${r.from} → ${r.to} (UTC), ${r.days} days`), select)
    if (!td) return void root!.replaceChildren(head, h('p', { class: 'none' }, 'No destination yet.'))
    const stats = h('div', { class: 'stats' },
      stat('webhook', 'Webhook orders', String(t.orders.webhook), `${t.orders.browser} reported by the browser`),
      stat('matched', 'Matched', String(t.orders.matched), 'webhook + browser, same event_id'),
      stat('recovered', 'Recovered', String(td.recovered), `the browser missed them; ${selected} got them`),
      stat('delivered', 'Orders delivered', String(td.orders_delivered), `${td.orders_suppressed} suppressed by consent · ${td.orders_dead} dead-lettered`),
      stat('dedup', 'Dedup coverage', pct(td.dedup.coverage), `${td.dedup.with_browser} of ${td.dedup.server_orders} server orders had the browser's`),
      stat('freshness', 'Freshness', `${dur(td.freshness.median_s)}`, `median · p95 ${dur(td.freshness.p95_s)} · ${td.freshness.delivered} events`),
    )
    const legend = h('div', { class: 'legend' }, ...[['matched', 'matched by the browser'], ['recovered', 'recovered'], ['missed', 'not delivered']].map(([c, l]) => h('span', {}, h('i', { class: `key-${c}` }), l)))
    const rows = [...r.daily].reverse().map((d) => {
      const x = d.destinations[selected]
      return h('tr', { 'data-date': d.date }, h('td', {}, d.date), ...[d.orders.webhook, d.orders.browser, d.orders.matched, x?.recovered ?? 0, x?.orders_delivered ?? 0].map((v) => h('td', { class: 'num' }, String(v))), h('td', { class: 'num' }, dur(x?.freshness.median_s ?? null)), h('td', { class: 'num' }, dur(x?.freshness.p95_s ?? null)), h('td', { class: 'num' }, pct(x?.dedup.coverage ?? null)))
    })
    const table = h('table', { class: 'report-table' },
      h('thead', {}, h('tr', {}, ...['Day', 'Webhook', 'Browser', 'Matched', 'Recovered', 'Delivered', 'Median', 'p95', 'Dedup'].map((c) => h('th', {}, c)))),
      h('tbody', {}, ...rows))
    const keys = Object.entries(td.match_keys)
    const keyTable = keys.length
      ? h('table', { class: 'report-table keys' },
          h('thead', {}, h('tr', {}, ...['Match keys', 'Events', 'em', 'ph', 'click id', 'IP + UA', 'external_id'].map((c) => h('th', {}, c)))),
          h('tbody', {}, ...keys.map(([name, k]) => h('tr', {}, h('td', {}, name), h('td', { class: 'num' }, String(k.events)), ...['em', 'ph', 'click_id', 'ip_ua', 'external_id'].map((f) => h('td', { class: 'num' }, pct(k.share[f] ?? null)))))))
      : undefined
    root!.replaceChildren(head, stats, h('div', { class: 'report-body' }, h('div', { class: 'chart-wrap' }, chart(r, selected), legend), h('div', { class: 'tables' }, table, keyTable)))
  }

  async function refresh(): Promise<void> {
    try {
      const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, cache: 'no-store' })
      if (!res.ok) return void root!.replaceChildren(h('p', { class: 'none' }, `Report unavailable (${res.status}).`))
      last = (await res.json()) as Report
      render(last)
    } catch {
      root!.replaceChildren(h('p', { class: 'none' }, 'Report unavailable (offline).'))
    }
  }
  void refresh()
  setInterval(() => {
    if (document.visibilityState !== 'hidden') void refresh()
  }, POLL_MS)
}
