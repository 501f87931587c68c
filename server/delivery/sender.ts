import type { Config } from '../config'
import type { Destination } from '../destinations/define-destination'
import type { Journal } from '../journal'
import type { Logger } from '../log'
import type { Metrics } from '../metrics'
import { retryDelay, type BackoffOptions } from './backoff'
import { createPause } from './pause'
import { postBatch } from './post-batch'
import type { RateLimiter } from './rate-limit'
import type { DeadLetter, Lease, LastResponse, OutboxItem, QueueStore, Settlement } from './types'

export interface SenderOptions {
  /** Requests in flight at once per destination in this instance (TAGWARDEN_MAX_IN_FLIGHT). Default 4. */
  maxInFlight: number
  /** Give up waiting for an answer after this long (then retry). Default 30,000. */
  requestTimeoutMs: number
  /** How long a leased batch stays ours; must exceed the request timeout. Default 120,000. */
  leaseMs: number
  /** Events older than this are dead-lettered (TAGWARDEN_MAX_EVENT_AGE_DAYS). Default 7 days. */
  maxEventAgeMs: number
  /** While paused by 401/403, try one event this often. Default 60,000. */
  probeIntervalMs: number
  backoff: BackoffOptions
}

export interface SenderStatus {
  state: 'ok' | 'backoff' | 'paused' | 'dry-run'
  reason?: string
  since?: number
  retry_at?: number
  in_flight: number
  counts: { requests: number; sent: number; dead: number; retried: number }
}

export interface SenderDeps {
  dest: Destination
  config: Config
  queue: QueueStore
  fetch: typeof fetch
  now: () => number
  log: Logger
  journal: Journal
  limiter: RateLimiter
  options: SenderOptions
  sleep?: (ms: number) => Promise<void>
  metrics?: Pick<Metrics, 'request' | 'delivered' | 'deadLettered'>
}

interface Pending { lease: Lease; item: OutboxItem }
type Verdict = { kind: 'sent' } | { kind: 'dead'; reason: string; response?: LastResponse } | { kind: 'retry'; reason: string }

/**
 * Delivery for one destination: lease batches (≤ maxBatch), send them with at most maxInFlight
 * requests, read per-event results, and settle each event as sent, dead-lettered (payload errors,
 * too old) or retried with backoff (network, timeout, 429, 5xx). 401/403 pause the destination
 * without burning events (see ./pause).
 */
export function createSender(deps: SenderDeps) {
  const { dest, config, queue, now, log, journal, limiter, options: o } = deps
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const abort = new AbortController()
  const paused = createPause({ dest: dest.name, credentials: () => dest.credentialsKey?.(config) ?? '', now, log, probeIntervalMs: o.probeIntervalMs })
  let backoffUntil = 0
  let failures = 0
  let inFlight = 0
  const counts = { requests: 0, sent: 0, dead: 0, retried: 0 }

  /** Whether a pass may send now; while paused, one probe per interval may go. */
  function gate(force: boolean): 'go' | 'probe' | 'wait' {
    const g = paused.gate()
    if (g !== 'go') return g
    return force || now() >= backoffUntil ? 'go' : 'wait'
  }

  async function call(batch: Pending[], leases: Lease[]): Promise<Verdict[] | undefined> {
    for (let wait = await limiter.take(dest.rateLimitKey?.(config) ?? dest.name); wait > 0; wait = await limiter.take(dest.rateLimitKey?.(config) ?? dest.name)) await sleep(wait)
    if (!(await queue.renew(dest.name, leases, o.leaseMs))) return undefined
    counts.requests++
    const answer = await postBatch(dest, config, deps.fetch, batch.map((p) => p.item.payload), o.requestTimeoutMs, abort.signal)
    deps.metrics?.request(dest.name, batch.length, answer)
    const { outcome, response } = answer
    if (outcome.kind === 'done') {
      failures = 0
      return outcome.results.map((r) => (r.status === 'processed' ? { kind: 'sent' } : { kind: 'dead', reason: `rejected by Pinterest: ${r.error ?? 'no reason given'}`, response }))
    }
    if (outcome.kind === 'rejected') {
      // A whole-request 4xx: halve until the bad event stands alone, so it alone is dead-lettered.
      if (batch.length === 1) return [{ kind: 'dead', reason: outcome.reason, response }]
      const half = Math.ceil(batch.length / 2)
      const a = await call(batch.slice(0, half), leases)
      const b = a && !a.some((v) => v.kind === 'retry') ? await call(batch.slice(half), leases) : undefined
      return a && [...a, ...(b ?? batch.slice(half).map(() => ({ kind: 'retry' as const, reason: 'not tried' })))]
    }
    if (outcome.kind === 'auth') {
      paused.pause(response.status, outcome.reason)
      return batch.map(() => ({ kind: 'retry', reason: outcome.reason }))
    }
    failures++
    const delay = retryDelay(failures, outcome.kind === 'retry' ? outcome.retryAfterMs : undefined, o.backoff)
    backoffUntil = Math.max(backoffUntil, now() + delay)
    if (outcome.kind === 'retry' && outcome.retryAfterMs !== undefined) await queue.hold(dest.name, backoffUntil)
    log.warn(`[tagwarden] [${dest.name}] ${outcome.reason}; retrying in ${Math.round(delay)} ms`, { events: batch.length, failures })
    return batch.map(() => ({ kind: 'retry', reason: outcome.reason }))
  }

  /** Send what the leases hold (in chunks of maxBatch) and settle every lease. */
  async function deliver(leases: Lease[], probe: boolean): Promise<boolean> {
    const verdicts = new Map<OutboxItem, Verdict>()
    const todo: Pending[] = []
    const oldest = now() - o.maxEventAgeMs
    for (const lease of leases) {
      for (const item of lease.items) {
        if (item.time !== undefined && item.time * 1000 < oldest) {
          verdicts.set(item, { kind: 'dead', reason: `older than ${Math.round(o.maxEventAgeMs / 86_400_000)} days (TAGWARDEN_MAX_EVENT_AGE_DAYS): Pinterest refuses events that old` })
        } else todo.push({ lease, item })
      }
    }
    let ok = true
    if (!dest.isLive(config)) for (const p of todo.splice(0)) dryRun(p.item, verdicts)
    for (let i = 0; i < todo.length && ok; i += dest.maxBatch) {
      const batch = probe ? todo.slice(0, 1) : todo.slice(i, i + dest.maxBatch)
      const results = await call(batch, leases)
      if (!results) break
      batch.forEach((p, k) => verdicts.set(p.item, results[k]))
      ok = results.every((r) => r.kind !== 'retry')
      if (probe) {
        if (ok) paused.probeSucceeded()
        break
      }
    }
    await Promise.all(leases.map((lease) => queue.settle(dest.name, lease, settlement(lease, verdicts))))
    return ok
  }

  function dryRun(item: OutboxItem, verdicts: Map<OutboxItem, Verdict>): void {
    const problem = dest.validate(item.payload)
    journal.update(dest.name, item.id, { state: problem ? 'invalid' : 'dry-run', detail: problem, payload: item.payload, at: now() })
    log.info(`[tagwarden] [${dest.name}] dry-run`, { event_id: item.id, valid: !problem, problem })
    verdicts.set(item, { kind: 'sent' })
  }

  function settlement(lease: Lease, verdicts: Map<OutboxItem, Verdict>): Settlement {
    const s: Settlement = { sent: [], dead: [], retry: [], notBefore: backoffUntil }
    for (const item of lease.items) {
      const v = verdicts.get(item)
      if (!v) continue
      if (v.kind === 'sent') {
        s.sent.push(item.id)
        if (dest.isLive(config)) {
          journal.update(dest.name, item.id, { state: 'sent', detail: undefined, attempts: item.attempts + 1, at: now() })
          deps.metrics?.delivered(dest.name, item.at)
        }
      } else if (v.kind === 'dead') {
        const letter: DeadLetter = { dest: dest.name, item: { ...item, attempts: item.attempts + 1 }, reason: v.reason, response: v.response, deadAt: now() }
        s.dead.push(letter)
        journal.update(dest.name, item.id, { state: 'dead', detail: v.reason, attempts: item.attempts + 1, at: now() })
        log.warn(`[tagwarden] [${dest.name}] event dead-lettered`, { event_id: item.id, reason: v.reason })
      } else {
        s.retry.push({ ...item, attempts: item.attempts + 1 })
        journal.update(dest.name, item.id, { state: 'retrying', detail: v.reason, attempts: item.attempts + 1, at: now() })
      }
    }
    counts.sent += s.sent.length
    counts.dead += s.dead.length
    if (s.dead.length) deps.metrics?.deadLettered(dest.name, s.dead.length)
    counts.retried += s.retry.length
    return s
  }

  /** One worker: lease and deliver until nothing (or only a partial batch) is left, or a failure. */
  async function worker(force: boolean): Promise<void> {
    for (;;) {
      const gate_ = gate(force)
      if (gate_ === 'wait' || abort.signal.aborted) return
      if (!force && (await queue.holdUntil(dest.name)) > now()) return
      const leases = await queue.lease(dest.name, gate_ === 'probe' ? 1 : dest.maxBatch, o.leaseMs, force ? Infinity : undefined)
      const size = leases.reduce((n, l) => n + l.items.length, 0)
      if (!size) return
      inFlight++
      const ok = await deliver(leases, gate_ === 'probe').finally(() => inFlight--)
      if (!ok || (!force && size < dest.maxBatch)) return
    }
  }

  return {
    /** Run up to `concurrency` workers until the outbox (as this pass sees it) is done. */
    pass: (force = false, concurrency = o.maxInFlight) => Promise.all(Array.from({ length: Math.max(1, concurrency) }, () => worker(force))).then(() => undefined),
    /** Abort requests still in flight (their events are retried later). */
    abort: () => abort.abort(),
    status(): SenderStatus {
      const base = { in_flight: inFlight, counts: { ...counts } }
      if (!dest.isLive(config)) return { state: 'dry-run', ...base }
      const p = paused.state()
      if (p) return { state: 'paused', reason: p.reason, since: p.since, ...base }
      if (backoffUntil > now()) return { state: 'backoff', retry_at: backoffUntil, ...base }
      return { state: 'ok', ...base }
    },
  }
}

export type Sender = ReturnType<typeof createSender>
