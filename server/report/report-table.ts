import type { DestinationDay, Report } from './build-report'
import { MATCH_KEYS } from './recorder'

/** Text columns: the first left-aligned, the rest right-aligned, two spaces apart. */
function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()
  return [line(head), ...rows.map(line)].join('\n')
}

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`)
/** A freshness bound in seconds, short (≤ 30 s, ≤ 5 min, ≤ 2 h, ≤ 1 d). */
export const duration = (s: number | null) => (s === null ? '—' : s < 60 ? `${s} s` : s < 3600 ? `${s / 60} min` : s < 86_400 ? `${s / 3600} h` : `${s / 86_400} d`)

/**
 * The report as terminal tables: orders per day, then per destination its outcomes per day, then
 * its match-key coverage per event name over the whole period.
 */
export function renderReportTable(r: Report, source: string): string {
  const out: string[] = [`tagwarden report · ${r.from} → ${r.to} (${r.days} day${r.days === 1 ? '' : 's'}, UTC) · ${source}`, '']
  const days = [...r.daily.map((d) => ({ label: d.date, ...d })), { label: 'total', ...r.totals }]
  out.push(table(['orders', 'webhook', 'browser', 'matched', 'webhook only', 'browser only', 'api'], days.map((d) => [d.label, ...[d.orders.webhook, d.orders.browser, d.orders.matched, d.orders.webhook_only, d.orders.browser_only, d.orders.api].map(String)])))
  for (const dest of r.destinations) {
    const row = (label: string, x: DestinationDay) => [label, String(x.orders_delivered), String(x.recovered), String(x.orders_suppressed), String(x.orders_dead), duration(x.freshness.median_s), duration(x.freshness.p95_s), pct(x.dedup.coverage)]
    out.push('', table([dest, 'delivered', 'recovered', 'suppressed', 'dead', 'median ≤', 'p95 ≤', 'dedup'], days.map((d) => row(d.label, d.destinations[dest]))))
    const keys = Object.entries(r.totals.destinations[dest].match_keys)
    if (keys.length) out.push('', table([`match keys · ${dest}`, 'events', ...MATCH_KEYS.map((k) => (k === 'ip_ua' ? 'ip+ua' : k))], keys.map(([name, c]) => [name, String(c.events), ...MATCH_KEYS.map((k) => pct(c.share[k]))])))
  }
  out.push('', 'recovered = orders a webhook reported and the browser never did, that the destination processed (docs/report.md).')
  return `${out.join('\n')}\n`
}
