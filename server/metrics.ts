import type { BatchOutcome } from './destinations/define-destination'
import type { EventSource } from './event'
import type { DestinationRecord } from './journal'
import { createRegistry, type Registry } from './metrics-registry'

/** Why a delivery failed, as a bounded label set (free-text reasons stay in the journal and logs). */
export type FailureReason = 'rejected' | 'invalid' | 'network' | 'rate_limited' | 'server_error' | 'auth' | 'bad_request' | 'other'

/** Script cache outcomes of `/pin/*` (tag path): fresh hit, stale copy served, upstream fetch, upstream failed. */
export type ScriptCacheState = 'hit' | 'stale' | 'miss' | 'error'

/** Why a server-side copy of an event was not taken (bounded label). */
export type DropReason = 'too_old' | 'storage'

/** What one request to a destination came to (the delivery core's `postBatch` answer). */
export interface RequestAnswer {
  outcome: BatchOutcome | { kind: 'network'; reason: string }
  response: { status: number }
}

export interface MetricsOptions {
  now: () => number
  /** Destinations known at start (their series exist at 0 from the first scrape). */
  destinations: string[]
  /** Events waiting per destination, read at scrape time. */
  outboxDepth?: (dest: string) => Promise<number>
  /** Delivery state per destination (`paused` after a 401/403, `waiting` with `until` after failures), read at scrape time. */
  deliveryState?: () => Record<string, { state: string; until?: string }>
  /** Event_ids a local outbox forgot before 48 h (TAGWARDEN_IDEMPOTENCY_MAX_IDS reached), read at scrape time. */
  forgottenEarly?: () => number
  /** Cart/checkout tokens whose context is held in memory because storage failed, waiting to be written (context/held-carts.ts). */
  cartContextsHeld?: () => number
  /** Events the inspector's journal did not record (sampled out under load), read at scrape time. */
  journalSkipped?: () => number
}

/**
 * The metrics tagwarden exposes, with one call per fact at the place the fact happens.
 * Every call is O(1): a label lookup in nested Maps and an addition; nothing awaits.
 */
export interface Metrics {
  registry: Registry
  /** One event left the pipeline: per destination its consent action and whether it was queued. */
  accepted(source: EventSource, destinations: Record<string, DestinationRecord>, status: string): void
  /** One request went to a destination with `size` events: batch size, and failures by reason. */
  request(dest: string, size: number, answer: RequestAnswer): void
  /** Pinterest processed an event accepted at `acceptedAt` (ms, the runtime clock). */
  delivered(dest: string, acceptedAt: number): void
  /** Events handed to the dead-letter store. */
  deadLettered(dest: string, count?: number): void
  /** A destination started waiting after failed requests (one per episode, however many requests failed). */
  waitStarted(dest: string, reason: string): void
  /** Events refused (API, webhooks) or server-side copies dropped (beacons) because the outbox was full. */
  refused(dest: string, count: number): void
  /** Server-side copies not taken: `too_old` (older than TAGWARDEN_MAX_EVENT_AGE_DAYS), `storage` (store unreachable; the beacon itself was still forwarded). */
  dropped(source: EventSource, reason: DropReason, count: number): void
  /** A cart/checkout context `/tw/ctx` could not store (storage unreachable) was dropped unwritten: that cart's order webhook goes without this browser's ids. */
  cartContextLost(): void
  /** One Pinterest script request answered from the cache (tag path, `/pin/*`). */
  scriptCache(state: ScriptCacheState): void
  /** A tag beacon judged for `pinterest-tag`: its consent action, and whether Pinterest took the forward. */
  beacon(action: string, outcome: 'forwarded' | 'failed' | 'suppressed'): void
  /** Destinations paused now (credentials rejected). */
  paused(): string[]
  /** Accepted events per minute, oldest first, for the last `minutes` minutes (current minute last). */
  perMinute(minutes?: number): number[]
}

const MINUTES = 60
/** The browser tag's forward path (beacons), judged by consent like a destination. */
const TAG = 'pinterest-tag'

/**
 * Create the registry and the tagwarden metrics on it (names in the README "Metrics" section).
 * @example const metrics = createMetrics({ now: Date.now, destinations: ['pinterest-capi'], outboxDepth: (d) => outbox.depth(d) })
 */
export function createMetrics(opts: MetricsOptions): Metrics {
  const { now } = opts
  const registry = createRegistry()
  const paused = () => Object.entries(opts.deliveryState?.() ?? {}).filter(([, s]) => s.state === 'paused').map(([d]) => d)
  const acceptedTotal = registry.counter('tagwarden_events_accepted_total', 'Events queued for a destination, by the path they arrived on.', ['source', 'destination'])
  const sent = registry.counter('tagwarden_events_sent_total', 'Events the destination platform processed.', ['destination'])
  const failed = registry.counter('tagwarden_events_failed_total', 'Events not delivered, per event and failed attempt, by reason.', ['destination', 'reason'])
  const cartsLost = registry.counter('tagwarden_cart_contexts_lost_total', "Cart/checkout tokens whose context /tw/ctx could not store because storage failed, dropped unwritten (the oldest beyond 10,000, or held 24 h): that cart's order webhook goes without the browser's ids.", [])
  const dead = registry.counter('tagwarden_events_dead_lettered_total', 'Events moved to the dead-letter store.', ['destination'])
  const consent = registry.counter('tagwarden_consent_actions_total', 'Consent decisions per event and destination (allow, strip, restricted, suppress).', ['destination', 'action'])
  const refused = registry.counter('tagwarden_events_refused_total', 'Events not taken because the outbox was full (TAGWARDEN_MAX_QUEUE).', ['destination'])
  const dropped = registry.counter('tagwarden_events_dropped_total', 'Server-side copies not taken: too_old (older than TAGWARDEN_MAX_EVENT_AGE_DAYS), storage (store unreachable; beacons were still forwarded).', ['source', 'reason'])
  registry.gauge('tagwarden_event_ids_forgotten_early', 'Event_ids forgotten before 48 h since start because TAGWARDEN_IDEMPOTENCY_MAX_IDS was reached (local stores).', [], (g) => {
    g.labels().set(opts.forgottenEarly?.() ?? 0)
  })
  registry.gauge('tagwarden_cart_contexts_held', 'Cart/checkout tokens whose context /tw/ctx could not store because storage failed, held in this instance\'s memory until storage takes writes again.', [], (g) => {
    g.labels().set(opts.cartContextsHeld?.() ?? 0)
  })
  registry.gauge('tagwarden_inspector_events_skipped', 'Events not shown in the inspector since start: above 500 new events a second it keeps a sample.', [], (g) => {
    g.labels().set(opts.journalSkipped?.() ?? 0)
  })
  registry.gauge('tagwarden_outbox_depth', 'Events waiting in the outbox.', ['destination'], async (g) => {
    // Storage down: the depth cannot be read and keeps its last value; the rest of the scrape still renders.
    if (opts.outboxDepth) for (const d of opts.destinations) {
      const depth = await opts.outboxDepth(d).catch(() => undefined)
      if (depth !== undefined) g.labels(d).set(depth)
    }
  })
  // Up to 1,000 events per request (ConversionEvents.data maxItems, v5/openapi.yaml).
  const batchSize = registry.histogram('tagwarden_batch_size', 'Events per request sent to a destination.', [1, 5, 10, 50, 100, 250, 500, 1000])
  const latency = registry.histogram('tagwarden_delivery_latency_seconds', 'Seconds from accepting an event to Pinterest processing it.', [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600])
  const scripts = registry.counter('tagwarden_script_cache_total', 'Pinterest script requests by cache state (hit, stale, miss, error).', ['state'])
  registry.gauge('tagwarden_destination_paused', '1 while a destination is paused (credentials rejected, events kept).', ['destination'], (g) => {
    const now = new Set(paused())
    for (const d of new Set([...opts.destinations, ...now])) g.labels(d).set(now.has(d) ? 1 : 0)
  })
  const waits = registry.counter('tagwarden_delivery_waits_total', 'Wait episodes started after failed requests (429, 5xx, network, timeout), by reason.', ['destination', 'reason'])
  const waiting = () => Object.entries(opts.deliveryState?.() ?? {}).filter(([, s]) => s.state === 'waiting')
  registry.gauge('tagwarden_destination_waiting', '1 while a destination waits after failed requests (events kept; one probe when the wait ends).', ['destination'], (g) => {
    const w = new Set(waiting().map(([d]) => d))
    for (const d of new Set([...opts.destinations, ...w])) g.labels(d).set(w.has(d) ? 1 : 0)
  })
  registry.gauge('tagwarden_destination_wait_seconds', 'Seconds until a waiting destination tries again (0 when not waiting).', ['destination'], (g) => {
    const w = new Map(waiting().map(([d, s]) => [d, s.until ? Math.max(0, (Date.parse(s.until) - now()) / 1000) : 0]))
    for (const d of new Set([...opts.destinations, ...w.keys()])) g.labels(d).set(w.get(d) ?? 0)
  })
  for (const d of opts.destinations) {
    sent.labels(d)
    dead.labels(d)
    refused.labels(d)
  }
  for (const s of ['hit', 'stale', 'miss', 'error']) scripts.labels(s)

  // Ring of per-minute counts: slot = minute % 60, tagged with its minute so stale slots read 0.
  const counts = new Float64Array(MINUTES)
  const minuteOf = new Float64Array(MINUTES).fill(-1)
  const tick = () => {
    const m = Math.floor(now() / 60_000)
    const slot = m % MINUTES
    if (minuteOf[slot] !== m) {
      minuteOf[slot] = m
      counts[slot] = 0
    }
    counts[slot]++
  }

  return {
    registry,
    accepted(source, destinations, status) {
      if (status !== 'duplicate') tick()
      for (const d in destinations) {
        const rec = destinations[d]
        if (rec.state === 'duplicate') continue
        consent.labels(d, rec.action).inc()
        if (rec.state === 'queued') acceptedTotal.labels(source, d).inc()
        else if (rec.state === 'invalid') failed.labels(d, 'invalid').inc()
      }
    },
    request(dest, size, answer) {
      batchSize.labels().observe(size)
      const o = answer.outcome
      if (o.kind !== 'done') return failed.labels(dest, failureReason(o.kind, answer.response.status)).inc(size)
      let rejected = 0
      for (const r of o.results) if (r.status !== 'processed') rejected++
      if (rejected) failed.labels(dest, 'rejected').inc(rejected)
    },
    delivered(dest, acceptedAt) {
      sent.labels(dest).inc()
      latency.labels().observe(Math.max(0, now() - acceptedAt) / 1000)
    },
    deadLettered: (dest, count = 1) => dead.labels(dest).inc(count),
    cartContextLost: () => cartsLost.labels().inc(),
    waitStarted: (dest, reason) => waits.labels(dest, reason).inc(),
    refused: (dest, count) => refused.labels(dest).inc(count),
    dropped: (source, reason, count) => dropped.labels(source, reason).inc(count),
    scriptCache: (state) => scripts.labels(state).inc(),
    beacon(action, outcome) {
      consent.labels(TAG, action).inc()
      if (outcome === 'forwarded') acceptedTotal.labels('tag', TAG).inc()
      else if (outcome === 'failed') failed.labels(TAG, 'network').inc()
    },
    paused,
    perMinute(minutes = 30) {
      const m = Math.floor(now() / 60_000)
      const out: number[] = []
      for (let k = Math.min(minutes, MINUTES) - 1; k >= 0; k--) {
        const slot = (m - k) % MINUTES
        out.push(minuteOf[slot] === m - k ? counts[slot] : 0)
      }
      return out
    },
  }
}

/** A request's failure as a bounded label: by outcome kind, then by HTTP status (429, 5xx). */
export function failureReason(kind: string, status: number): FailureReason {
  if (kind === 'network') return 'network'
  if (kind === 'auth') return 'auth'
  if (status === 429) return 'rate_limited'
  if (status >= 500) return 'server_error'
  if (kind === 'rejected') return 'bad_request'
  return 'other'
}
