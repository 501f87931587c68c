import { BROWSER_BITS, DEST_BITS, FRESHNESS_BOUNDS_S, MATCH_KEYS, PATH_BITS } from './recorder'
import type { DayData } from './report-store'

// The report's JSON (docs/report.md has the schema and every definition).

export interface OrderCounts {
  /** Orders (`checkout` events) an order webhook reported. */
  webhook: number
  /** Orders a browser path reported (tag beacon, loader fallback `/e`, a pixel). */
  browser: number
  /** Orders both reported, matched by event_id. */
  matched: number
  webhook_only: number
  browser_only: number
  /** Orders the browser reported, by path (an order may come by several). */
  browser_by_path: { tag: number; loader: number; pixel: number }
  /** Orders (checkouts) sent to the events API. */
  api: number
}

export interface MatchKeyCoverage {
  events: number
  count: Record<(typeof MATCH_KEYS)[number], number>
  share: Record<(typeof MATCH_KEYS)[number], number | null>
}

export interface DestinationDay {
  /** Webhook orders this destination processed. */
  orders_delivered: number
  /** Webhook orders the browser never reported that this destination processed. */
  recovered: number
  /** Webhook orders consent kept from it (and never delivered). */
  orders_suppressed: number
  /** Webhook orders dead-lettered for it (and never delivered). */
  orders_dead: number
  /** Event copies queued for it, by the path they came on. */
  queued_by_source: Record<string, number>
  freshness: { delivered: number; median_s: number | null; p95_s: number | null }
  match_keys: Record<string, MatchKeyCoverage>
  dedup: { server_orders: number; with_browser: number; coverage: number | null }
}

export interface ReportDay {
  date: string
  orders: OrderCounts
  destinations: Record<string, DestinationDay>
}

export interface Report {
  generated_at: string
  days: number
  from: string
  to: string
  destinations: string[]
  totals: Omit<ReportDay, 'date'>
  daily: ReportDay[]
}

const DAY_MS = 86_400_000
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** The days of a report ending today (oldest first), and the days to read (one more on each side). */
export function reportDays(nowMs: number, days: number): { window: string[]; read: string[] } {
  const today = Date.parse(`${date(nowMs)}T00:00:00Z`)
  const window = Array.from({ length: days }, (_, i) => date(today - (days - 1 - i) * DAY_MS))
  return { window, read: [date(today - days * DAY_MS), ...window, date(today + DAY_MS)] }
}

const zeroOrders = (): OrderCounts => ({ webhook: 0, browser: 0, matched: 0, webhook_only: 0, browser_only: 0, browser_by_path: { tag: 0, loader: 0, pixel: 0 }, api: 0 })
interface DestAcc {
  orders_delivered: number
  recovered: number
  orders_suppressed: number
  orders_dead: number
  queued_by_source: Record<string, number>
  hist: number[]
  keys: Record<string, Record<string, number>>
  server_orders: number
  with_browser: number
}
const zeroDest = (): DestAcc => ({ orders_delivered: 0, recovered: 0, orders_suppressed: 0, orders_dead: 0, queued_by_source: {}, hist: new Array(FRESHNESS_BOUNDS_S.length + 1).fill(0), keys: {}, server_orders: 0, with_browser: 0 })

/** The upper bound (s) of the bucket holding quantile q; null without data. */
export function quantile(hist: number[], q: number): number | null {
  const n = hist.reduce((a, b) => a + b, 0)
  if (!n) return null
  let seen = 0
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i]
    if (seen >= q * n) return FRESHNESS_BOUNDS_S[Math.min(i, FRESHNESS_BOUNDS_S.length - 1)]
  }
  return null
}

const finishDest = (a: DestAcc): DestinationDay => ({
  orders_delivered: a.orders_delivered,
  recovered: a.recovered,
  orders_suppressed: a.orders_suppressed,
  orders_dead: a.orders_dead,
  queued_by_source: a.queued_by_source,
  freshness: { delivered: a.hist.reduce((x, y) => x + y, 0), median_s: quantile(a.hist, 0.5), p95_s: quantile(a.hist, 0.95) },
  match_keys: Object.fromEntries(
    Object.entries(a.keys).sort(([x], [y]) => x.localeCompare(y)).map(([name, c]) => {
      const events = c.n ?? 0
      const count = Object.fromEntries(MATCH_KEYS.map((k) => [k, c[k] ?? 0])) as MatchKeyCoverage['count']
      const share = Object.fromEntries(MATCH_KEYS.map((k) => [k, events ? round(count[k] / events) : null])) as MatchKeyCoverage['share']
      return [name, { events, count, share }]
    }),
  ),
  dedup: { server_orders: a.server_orders, with_browser: a.with_browser, coverage: a.server_orders ? round(a.with_browser / a.server_orders) : null },
})
const round = (x: number) => Math.round(x * 10_000) / 10_000

/**
 * Build the report from the stored days: orders joined by event_id across every day read (a
 * browser report at 23:59 and its webhook at 00:01 are one order), each counted on the day of its
 * webhook (or, browser-only, of its first report).
 */
export function buildReport(data: Map<string, DayData>, window: string[], destinations: string[], nowMs: number): Report {
  const inWindow = new Set(window)
  const orders = new Map<string, { bits: number; day: string; webhookDay?: string; dest: Map<string, number> }>()
  const dests = new Set(destinations)
  for (const [day, d] of [...data].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [field, bits] of Object.entries(d.f)) {
      const isPath = field.startsWith('o|')
      const rest = field.slice(2)
      const bar = rest.indexOf('|')
      const id = isPath ? rest : rest.slice(bar + 1)
      const o = orders.get(id) ?? orders.set(id, { bits: 0, day, dest: new Map() }).get(id)!
      if (isPath) {
        o.bits |= bits
        if (bits & PATH_BITS.webhook) o.webhookDay ??= day
      } else {
        const dest = rest.slice(0, bar)
        dests.add(dest)
        o.dest.set(dest, (o.dest.get(dest) ?? 0) | bits)
      }
    }
  }
  const days = new Map(window.map((w) => [w, { orders: zeroOrders(), dest: new Map<string, DestAcc>() }]))
  const accOf = (day: { dest: Map<string, DestAcc> }, dest: string) => day.dest.get(dest) ?? day.dest.set(dest, zeroDest()).get(dest)!
  for (const o of orders.values()) {
    if (!(o.bits & (PATH_BITS.webhook | BROWSER_BITS | PATH_BITS.api))) continue // only a delivery: not an order seen here
    const day = days.get(o.webhookDay ?? o.day)
    if (!day) continue
    const c = day.orders
    const webhook = !!(o.bits & PATH_BITS.webhook)
    const browser = !!(o.bits & BROWSER_BITS)
    if (webhook) c.webhook++
    if (browser) c.browser++
    if (webhook && browser) c.matched++
    else if (webhook) c.webhook_only++
    else if (browser) c.browser_only++
    if (o.bits & PATH_BITS.tag) c.browser_by_path.tag++
    if (o.bits & PATH_BITS.loader) c.browser_by_path.loader++
    if (o.bits & PATH_BITS.pixel) c.browser_by_path.pixel++
    if (o.bits & PATH_BITS.api) c.api++
    for (const [dest, bits] of o.dest) {
      const a = accOf(day, dest)
      const delivered = !!(bits & DEST_BITS.delivered)
      if (webhook && delivered) a.orders_delivered++
      if (webhook && delivered && !browser) a.recovered++
      if (webhook && !delivered && bits & DEST_BITS.suppressed) a.orders_suppressed++
      if (webhook && !delivered && bits & DEST_BITS.dead) a.orders_dead++
      if (delivered && o.bits & (PATH_BITS.webhook | PATH_BITS.api)) {
        a.server_orders++
        if (browser) a.with_browser++
      }
    }
  }
  for (const [dayName, d] of data) {
    const day = days.get(dayName)
    if (!day || !inWindow.has(dayName)) continue
    for (const [field, n] of Object.entries(d.c)) {
      const [kind, dest, a, b] = field.split('|')
      dests.add(dest)
      const acc = accOf(day, dest)
      if (kind === 'a') acc.queued_by_source[a] = (acc.queued_by_source[a] ?? 0) + n
      else if (kind === 'f') acc.hist[Math.min(Number(a), acc.hist.length - 1)] += n
      else if (kind === 'k') (acc.keys[a] ??= {})[b] = (acc.keys[a]?.[b] ?? 0) + n
    }
  }
  const names = [...dests].sort()
  const total = { orders: zeroOrders(), dest: new Map<string, DestAcc>() }
  const daily: ReportDay[] = window.map((w) => {
    const d = days.get(w)!
    addOrders(total.orders, d.orders)
    for (const [dest, a] of d.dest) addDest(accOf(total, dest), a)
    return { date: w, orders: d.orders, destinations: Object.fromEntries(names.map((n) => [n, finishDest(d.dest.get(n) ?? zeroDest())])) }
  })
  return {
    generated_at: new Date(nowMs).toISOString(),
    days: window.length,
    from: window[0],
    to: window[window.length - 1],
    destinations: names,
    totals: { orders: total.orders, destinations: Object.fromEntries(names.map((n) => [n, finishDest(total.dest.get(n) ?? zeroDest())])) },
    daily,
  }
}

function addOrders(into: OrderCounts, c: OrderCounts): void {
  for (const k of ['webhook', 'browser', 'matched', 'webhook_only', 'browser_only', 'api'] as const) into[k] += c[k]
  for (const k of ['tag', 'loader', 'pixel'] as const) into.browser_by_path[k] += c.browser_by_path[k]
}

function addDest(into: DestAcc, a: DestAcc): void {
  for (const k of ['orders_delivered', 'recovered', 'orders_suppressed', 'orders_dead', 'server_orders', 'with_browser'] as const) into[k] += a[k]
  for (const [s, n] of Object.entries(a.queued_by_source)) into.queued_by_source[s] = (into.queued_by_source[s] ?? 0) + n
  a.hist.forEach((n, i) => (into.hist[i] += n))
  for (const [name, c] of Object.entries(a.keys)) for (const [k, n] of Object.entries(c)) (into.keys[name] ??= {})[k] = (into.keys[name][k] ?? 0) + n
}
