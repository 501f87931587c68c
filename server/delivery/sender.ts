import type { Config } from '../config'
import type { Destination } from '../destinations/define-destination'
import type { Journal } from '../journal'
import type { Logger } from '../log'
import type { Metrics } from '../metrics'
import type { BackoffOptions } from './backoff'
import { createEpisodes, type WaitReason } from './episode'
import { createPause } from './pause'
import { postBatch, type Answer } from './post-batch'
import type { RateLimiter } from './rate-limit'
import type { DeadLetter, Lease, OutboxItem, QueueStore } from './types'

export interface SenderOptions {
  /** Requests in flight at once per destination in this instance (TAGWARDEN_MAX_IN_FLIGHT). Default 4. */
  maxInFlight: number
  /** Give up waiting for an answer after this long (then retry). Default 30,000; doubled (up to half the lease) while answers keep coming late. */
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
  /** waiting: failed requests (429, 5xx, network, timeout), the next try at `until`; paused: credentials refused. */
  state: 'ok' | 'waiting' | 'paused' | 'dry-run'
  /** waiting: a WaitReason; paused: what Pinterest said. */
  reason?: string
  /** waiting/paused: since when (ISO time). */
  since?: string
  /** waiting: no request before this (ISO time), then a one-event probe. */
  until?: string
  /** waiting: failed rounds in this episode. */
  failures?: number
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
  metrics?: Pick<Metrics, 'request' | 'delivered' | 'deadLettered' | 'waitStarted'>
  /** The reconciliation report and the silence alarm (server/report): live deliveries and dead letters. */
  report?: { delivered(dest: string, item: OutboxItem): void; dead(dest: string, item: OutboxItem): void }
}

interface Pending { lease: Lease; item: OutboxItem }
type Verdict = { kind: 'sent' } | { kind: 'dead'; reason: string; response?: Answer['response'] } | { kind: 'retry'; reason: string }
const iso = (ms: number) => new Date(ms).toISOString()

/** A failed answer as a bounded reason (429, 5xx, timeout, other network error; Pinterest's answers: docs/pinterest-capi-delivery.md). */
function waitReason(answer: Answer): WaitReason {
  const o = answer.outcome
  if (o.kind === 'network') return o.timeout ? 'timeout' : 'network'
  if (o.kind === 'retry' && o.wait) return o.wait
  if (answer.response.status === 429) return 'rate-limited'
  return answer.response.status >= 500 ? 'upstream-5xx' : 'unreadable-answer'
}

/**
 * Delivery for one destination: lease batches (≤ maxBatch), send them with at most maxInFlight
 * requests, read per-event results and record each request's sent and dead-lettered events the
 * moment its answer arrives (before the next request, and before its lease can run out), so a
 * crash or a lease takeover never re-sends what Pinterest confirmed. Failures (network, timeout,
 * 429, 5xx) open a wait episode (./episode): one-event probes, then full speed once one succeeds.
 * 401/403 pause the destination without burning events (./pause).
 */
export function createSender(deps: SenderDeps) {
  const { dest, config, queue, now, log, journal, limiter, options: o } = deps
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const abort = new AbortController()
  const paused = createPause({ dest: dest.name, platform: dest.platform, help: dest.credentials, credentials: () => dest.credentialsKey, now, log, probeIntervalMs: o.probeIntervalMs })
  const episodes = createEpisodes(o.backoff, now)
  /** After an episode ends, lease ignoring the retry times it gave the failed batches, until the backlog is drained. */
  let catchUp = false
  let timeoutMs = o.requestTimeoutMs
  const maxTimeoutMs = Math.max(o.requestTimeoutMs, Math.floor(o.leaseMs / 2))
  let inFlight = 0
  const counts = { requests: 0, sent: 0, dead: 0, retried: 0 }

  /** Persist sent and dead verdicts of these items now (the lease is kept), then count them. */
  async function record(pending: Pending[], verdicts: Verdict[]): Promise<void> {
    const byLease = new Map<Lease, { sent: string[]; dead: DeadLetter[]; items: OutboxItem[] }>()
    pending.forEach(({ lease, item }, k) => {
      const v = verdicts[k]
      if (v.kind === 'retry') return
      const g = byLease.get(lease) ?? byLease.set(lease, { sent: [], dead: [], items: [] }).get(lease)!
      if (v.kind === 'sent') g.sent.push(item.id)
      else g.dead.push({ dest: dest.name, item: { ...item, attempts: item.attempts + 1 }, reason: v.reason, response: v.response, deadAt: now() })
      g.items.push(item)
    })
    await Promise.all([...byLease].map(([lease, g]) => queue.settle(dest.name, lease, { sent: g.sent, dead: g.dead, retry: [], notBefore: 0, keep: true })))
    const live = dest.live
    pending.forEach(({ item }, k) => {
      const v = verdicts[k]
      if (v.kind === 'sent') {
        counts.sent++
        if (!live) return
        journal.update(dest.name, item.id, { state: 'sent', detail: undefined, attempts: item.attempts + 1, at: now() })
        deps.metrics?.delivered(dest.name, item.at)
        deps.report?.delivered(dest.name, item)
      } else if (v.kind === 'dead') {
        counts.dead++
        deps.report?.dead(dest.name, item)
        journal.update(dest.name, item.id, { state: 'dead', detail: v.reason, attempts: item.attempts + 1, at: now() })
        log.warn(`[tagwarden] [${dest.name}] event dead-lettered`, { event_id: item.id, reason: v.reason })
      }
    })
    const dead = verdicts.filter((v) => v.kind === 'dead').length
    if (dead) deps.metrics?.deadLettered(dest.name, dead)
  }

  /** One request (halving on a whole-request 4xx); outcomes other than retry are recorded before it returns. */
  async function call(batch: Pending[], leases: Lease[]): Promise<Verdict[] | undefined> {
    const key = dest.rateLimitKey
    for (let wait = await limiter.take(key); wait > 0; wait = await limiter.take(key)) await sleep(wait)
    if (!(await queue.renew(dest.name, leases, o.leaseMs))) return undefined
    counts.requests++
    const ticket = episodes.ticket()
    const started = now()
    const answer = await postBatch(dest, config, deps.fetch, batch.map((p) => p.item.payload), timeoutMs, abort.signal)
    deps.metrics?.request(dest.name, batch.length, answer)
    const { outcome, response } = answer
    if (outcome.kind === 'done') {
      if (now() - started < o.requestTimeoutMs) timeoutMs = o.requestTimeoutMs
      const verdicts: Verdict[] = outcome.results.map((r) => (r.status === 'processed' ? { kind: 'sent' } : { kind: 'dead', reason: `rejected by ${dest.platform}: ${r.error ?? 'no reason given'}`, response }))
      await record(batch, verdicts)
      if (episodes.succeeded(ticket)) recovered()
      return verdicts
    }
    if (outcome.kind === 'rejected') {
      // A whole-request 4xx: halve until the bad event stands alone, so it alone is dead-lettered.
      if (batch.length === 1) {
        const verdicts: Verdict[] = [{ kind: 'dead', reason: outcome.reason, response }]
        await record(batch, verdicts)
        return verdicts
      }
      const half = Math.ceil(batch.length / 2)
      const a = await call(batch.slice(0, half), leases)
      const b = a && !a.some((v) => v.kind === 'retry') ? await call(batch.slice(half), leases) : undefined
      return a && [...a, ...(b ?? batch.slice(half).map(() => ({ kind: 'retry' as const, reason: 'not tried' })))]
    }
    if (outcome.kind === 'auth') {
      paused.pause(response.status, outcome.reason)
      return batch.map(() => ({ kind: 'retry', reason: outcome.reason }))
    }
    failed(ticket, answer, batch.length)
    return batch.map(() => ({ kind: 'retry', reason: outcome.reason }))
  }

  function failed(ticket: number, answer: Answer, events: number): void {
    const { outcome } = answer
    const retryAfterMs = outcome.kind === 'retry' ? outcome.retryAfterMs : undefined
    const reason = waitReason(answer)
    const opening = !episodes.current()
    if (!episodes.failed(ticket, reason, retryAfterMs)) return
    catchUp = false
    if (reason === 'timeout') timeoutMs = Math.min(maxTimeoutMs, timeoutMs * 2)
    const e = episodes.current()!
    if (opening) deps.metrics?.waitStarted(dest.name, reason)
    if (retryAfterMs !== undefined) void queue.hold(dest.name, e.until).catch(() => {})
    log.warn(`[tagwarden] [${dest.name}] ${outcome.kind === 'network' || outcome.kind === 'retry' ? outcome.reason : reason}; waiting ${Math.round((e.until - now()) / 100) / 10} s, then one probe event (retrying)`, { events, failures: e.failures, reason })
  }

  function recovered(): void {
    catchUp = true
    log.info(`[tagwarden] [${dest.name}] probe succeeded: delivering the backlog`)
    spawn?.()
  }

  /** Send what the leases hold (in chunks of maxBatch); retried items go back with one more attempt. */
  async function deliver(leases: Lease[], probe: boolean): Promise<boolean> {
    const verdicts = new Map<OutboxItem, Verdict>()
    const todo: Pending[] = []
    const old: Pending[] = []
    const oldest = now() - o.maxEventAgeMs
    for (const lease of leases) {
      for (const item of lease.items) (item.time !== undefined && item.time * 1000 < oldest ? old : todo).push({ lease, item })
    }
    if (old.length) {
      const tooOld: Verdict = { kind: 'dead', reason: `older than ${Math.round(o.maxEventAgeMs / 86_400_000)} days (TAGWARDEN_MAX_EVENT_AGE_DAYS): ${dest.platform} refuses events that old` }
      await record(old, old.map(() => tooOld))
    }
    let ok = true
    if (!dest.live) {
      const batch = todo.splice(0)
      await record(batch, batch.map((p) => dryRun(p.item)))
    }
    for (let i = 0; i < todo.length && ok; i += dest.maxBatch) {
      const batch = probe ? todo.slice(0, 1) : todo.slice(i, i + dest.maxBatch)
      const results = await call(batch, leases)
      if (!results) break
      batch.forEach((p, k) => verdicts.set(p.item, results[k]))
      ok = results.every((r) => r.kind !== 'retry')
      if (probe) {
        if (ok && paused.state()) {
          paused.probeSucceeded()
          recovered()
        }
        break
      }
    }
    await Promise.all(leases.map((lease) => queue.settle(dest.name, lease, retries(lease, verdicts))))
    return ok
  }

  function dryRun(item: OutboxItem): Verdict {
    const problem = dest.validate(item.payload)
    journal.update(dest.name, item.id, { state: problem ? 'invalid' : 'dry-run', detail: problem, payload: item.payload, at: now() })
    log.info(`[tagwarden] [${dest.name}] dry-run`, { event_id: item.id, valid: !problem, problem })
    return { kind: 'sent' }
  }

  /** The final settlement of a lease: its retried items (one more attempt), then the lease is released. */
  function retries(lease: Lease, verdicts: Map<OutboxItem, Verdict>) {
    const retry: OutboxItem[] = []
    for (const item of lease.items) {
      const v = verdicts.get(item)
      if (v?.kind !== 'retry') continue
      retry.push({ ...item, attempts: item.attempts + 1 })
      journal.update(dest.name, item.id, { state: 'retrying', detail: v.reason, attempts: item.attempts + 1, at: now() })
    }
    counts.retried += retry.length
    return { sent: [], dead: [], retry, notBefore: episodes.current()?.until ?? 0 }
  }

  /** Whether a pass may send now: the pause first (its own one-event probe), then the wait episode. */
  function gate(force: boolean): { g: 'go' | 'probe' | 'wait'; episodeProbe: boolean } {
    const p = paused.gate()
    if (p !== 'go') return { g: p, episodeProbe: false }
    const g = episodes.gate(force)
    return { g, episodeProbe: g === 'probe' }
  }

  /** One worker: lease and deliver until nothing (or only a partial batch) is left, or a failure. */
  async function worker(force: boolean): Promise<void> {
    for (;;) {
      if (abort.signal.aborted) return
      const { g, episodeProbe } = gate(force)
      if (g === 'wait') return
      const probe = g === 'probe'
      try {
        if (!force && (await queue.holdUntil(dest.name)) > now()) return
        const leases = await queue.lease(dest.name, probe ? 1 : dest.maxBatch, o.leaseMs, force || catchUp ? Infinity : undefined)
        const size = leases.reduce((n, l) => n + l.items.length, 0)
        if (!size) {
          if (!probe) catchUp = false
          return
        }
        inFlight++
        const ok = await deliver(leases, probe).finally(() => inFlight--)
        if (!ok) return
        if (!probe && !force && !catchUp && size < dest.maxBatch) return
      } finally {
        if (episodeProbe) episodes.probeDone()
      }
    }
  }

  /** Start more workers in the running pass (after a probe succeeded); set while a pass runs. */
  let spawn: (() => void) | undefined

  return {
    /** Run up to `concurrency` workers until the outbox (as this pass sees it) is done; a successful probe fills the pass up again. */
    pass(force = false, concurrency = o.maxInFlight): Promise<void> {
      const n = Math.max(1, concurrency)
      let running = 0
      let failure: unknown
      return new Promise<void>((resolve, reject) => {
        const fill = () => {
          while (running < n) {
            running++
            void worker(force)
              .catch((error: unknown) => void (failure ??= error))
              .finally(() => {
                if (--running > 0) return
                spawn = undefined
                if (failure) reject(failure)
                else resolve()
              })
          }
        }
        spawn = fill
        fill()
      })
    },
    /** Abort requests still in flight (their events are retried later). */
    abort: () => abort.abort(),
    status(): SenderStatus {
      const base = { in_flight: inFlight, counts: { ...counts } }
      if (!dest.live) return { state: 'dry-run', ...base }
      const p = paused.state()
      if (p) return { state: 'paused', reason: p.reason, since: iso(p.since), ...base }
      const e = episodes.current()
      if (e) return { state: 'waiting', reason: e.reason, since: iso(e.since), until: iso(Math.max(e.until, now())), failures: e.failures, ...base }
      return { state: 'ok', ...base }
    },
  }
}

export type Sender = ReturnType<typeof createSender>
