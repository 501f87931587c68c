import { dedupPair, type JournalEntry } from '../journal'
import type { Metrics } from '../metrics'

/** The inspector's summary cards, computed from the recent history and the process metrics. */
export interface InspectorSummary {
  /** Events accepted per minute, the last 30 minutes, current minute last. */
  perMinute: number[]
  /** Events in the recent history (the window the shares below are computed over). */
  window: number
  /** Events in the window with a server copy (any batch destination), and the share of them carrying each match key (0–1). */
  matchKeys: { total: number; em: number; click_id: number; ip_ua: number; external_id: number }
  /** The same per batch destination (what each one got after consent). */
  byDestination: Record<string, { total: number; em: number; click_id: number; ip_ua: number; external_id: number }>
  /** CAPI copies that also had a tag beacon with the same event_id. */
  dedup: { pairs: number; capi: number; coverage: number | null }
  /** Milliseconds from accepting an event to its platform processing it, over the window's sent copies. */
  delay: { n: number; median: number | null; p95: number | null }
  /** Failed deliveries since start, by reason (tagwarden_events_failed_total). */
  failures: Record<string, number>
  /** Per destination: paused or not. */
  destinations: { name: string; paused: boolean }[]
}

const COPY = new Set(['queued', 'sent', 'failed', 'dry-run', 'dead', 'retrying'])

type Keys = { total: number; em: number; click_id: number; ip_ua: number; external_id: number }
const emptyKeys = (): Keys => ({ total: 0, em: 0, click_id: 0, ip_ua: 0, external_id: 0 })
function count(keys: Keys, ids: Set<string>): void {
  keys.total++
  if (ids.has('em')) keys.em++
  // A click id is any `platform.id` key (pinterest.epik, meta.fbc, tiktok.ttclid, …).
  if ([...ids].some((i) => i.includes('.'))) keys.click_id++
  if (ids.has('client_ip_address') && ids.has('client_user_agent')) keys.ip_ua++
  if (ids.has('external_id')) keys.external_id++
}
const shares = (k: Keys) => {
  const share = (n: number) => (k.total ? n / k.total : 0)
  return { total: k.total, em: share(k.em), click_id: share(k.click_id), ip_ua: share(k.ip_ua), external_id: share(k.external_id) }
}

/**
 * Summarize the recent history for the inspector cards (pure: tests call it directly). A server
 * copy is any batch destination's (Pinterest, Meta, TikTok, …): the cards count events with at
 * least one copy, with the identifiers any copy got; `byDestination` splits them per destination.
 * @example summarize(rt.journal.recent(), rt.metrics, rt.destinations.map((d) => d.name))
 */
export function summarize(entries: JournalEntry[], metrics: Metrics, destinations: string[]): InspectorSummary {
  const keys = emptyKeys()
  const per = new Map(destinations.map((d) => [d, emptyKeys()]))
  const dedup = { pairs: 0, capi: 0 }
  const delays: number[] = []
  for (const e of entries) {
    const copies = destinations.filter((d) => COPY.has(e.destinations[d]?.state ?? ''))
    if (!copies.length) continue
    const all = new Set<string>()
    for (const d of copies) {
      const rec = e.destinations[d]
      const ids = new Set(rec.identifiers ?? e.identifiers)
      ids.forEach((i) => all.add(i))
      count(per.get(d)!, ids)
      if (rec.state === 'sent' && typeof rec.at === 'number') delays.push(Math.max(0, rec.at - e.received))
    }
    count(keys, all)
    dedup.capi++
    if (dedupPair(e).tag) dedup.pairs++
  }
  delays.sort((a, b) => a - b)

  const failures: Record<string, number> = {}
  for (const s of metrics.registry.read('tagwarden_events_failed_total')) {
    if (s.value) failures[s.labels.reason] = (failures[s.labels.reason] ?? 0) + s.value
  }
  const paused = new Set(metrics.paused())

  return {
    perMinute: metrics.perMinute(30),
    window: entries.length,
    matchKeys: shares(keys),
    byDestination: Object.fromEntries([...per].map(([d, k]) => [d, shares(k)])),
    dedup: { ...dedup, coverage: dedup.capi ? dedup.pairs / dedup.capi : null },
    delay: { n: delays.length, median: quantile(delays, 0.5), p95: quantile(delays, 0.95) },
    failures,
    destinations: [...new Set([...destinations, ...paused])].map((name) => ({ name, paused: paused.has(name) })),
  }
}

/** Nearest-rank quantile of sorted values (null when empty). */
export function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}
