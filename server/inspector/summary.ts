import { dedupPair, type JournalEntry } from '../journal'
import type { Metrics } from '../metrics'

/** The inspector's summary cards, computed from the recent history and the process metrics. */
export interface InspectorSummary {
  /** Events accepted per minute, the last 30 minutes, current minute last. */
  perMinute: number[]
  /** Events in the recent history (the window the shares below are computed over). */
  window: number
  /** CAPI copies in the window, and the share of them carrying each match key (0–1). */
  matchKeys: { total: number; em: number; click_id: number; ip_ua: number; external_id: number }
  /** CAPI copies that also had a tag beacon with the same event_id. */
  dedup: { pairs: number; capi: number; coverage: number | null }
  /** Milliseconds from accepting an event to Pinterest processing it, over the window's sent events. */
  delay: { n: number; median: number | null; p95: number | null }
  /** Failed deliveries since start, by reason (tagwarden_events_failed_total). */
  failures: Record<string, number>
  /** Per destination: paused or not. */
  destinations: { name: string; paused: boolean }[]
}

export const CAPI = 'pinterest-capi'
const COPY = new Set(['queued', 'sent', 'failed', 'dry-run', 'dead', 'retrying'])

/**
 * Summarize the recent history for the inspector cards (pure: tests call it directly).
 * @example summarize(rt.journal.recent(), rt.metrics, rt.destinations.map((d) => d.name))
 */
export function summarize(entries: JournalEntry[], metrics: Metrics, destinations: string[]): InspectorSummary {
  const keys = { total: 0, em: 0, click_id: 0, ip_ua: 0, external_id: 0 }
  const dedup = { pairs: 0, capi: 0 }
  const delays: number[] = []
  for (const e of entries) {
    const capi = e.destinations[CAPI]
    if (!capi || !COPY.has(capi.state)) continue
    const ids = new Set(capi.identifiers ?? e.identifiers)
    keys.total++
    if (ids.has('em')) keys.em++
    // A click id is any `platform.id` key (pinterest.epik, meta.fbc, …).
    if ([...ids].some((i) => i.includes('.'))) keys.click_id++
    if (ids.has('client_ip_address') && ids.has('client_user_agent')) keys.ip_ua++
    if (ids.has('external_id')) keys.external_id++
    dedup.capi++
    if (dedupPair(e).tag) dedup.pairs++
    if (capi.state === 'sent' && typeof capi.at === 'number') delays.push(Math.max(0, capi.at - e.received))
  }
  const share = (n: number) => (keys.total ? n / keys.total : 0)
  delays.sort((a, b) => a - b)

  const failures: Record<string, number> = {}
  for (const s of metrics.registry.read('tagwarden_events_failed_total')) {
    if (s.value) failures[s.labels.reason] = (failures[s.labels.reason] ?? 0) + s.value
  }
  const paused = new Set(metrics.paused())

  return {
    perMinute: metrics.perMinute(30),
    window: entries.length,
    matchKeys: { total: keys.total, em: share(keys.em), click_id: share(keys.click_id), ip_ua: share(keys.ip_ua), external_id: share(keys.external_id) },
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
