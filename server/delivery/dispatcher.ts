import type { Redis } from 'ioredis'
import type { Config } from '../config'
import type { Destination } from '../destinations/define-destination'
import type { Journal } from '../journal'
import type { Logger } from '../log'
import type { Metrics } from '../metrics'
import { DEFAULT_BACKOFF } from './backoff'
import type { Outbox } from './outbox'
import { createLocalRateLimiter, createRedisRateLimiter } from './rate-limit'
import { createSender, type Sender, type SenderDeps, type SenderOptions, type SenderStatus } from './sender'

export interface DeliveryOptions extends SenderOptions {
  /** Send what waits at least this often, even when less than a full batch (TAGWARDEN_FLUSH_INTERVAL_MS). Default 1,000. */
  flushIntervalMs: number
  /** `fs:` outbox: a segment file is closed (and deleted once delivered) this long after it was opened. Default 60,000. */
  segmentMaxAgeMs?: number
}

export interface DispatcherDeps {
  config: Config
  outbox: Outbox
  destinations: Destination[]
  fetch: typeof fetch
  journal: Journal
  log: Logger
  now?: () => number
  /** A shared Redis: the per-ad-account rate limit is then shared by every instance. */
  redis?: Redis
  /** Timing overrides (tests scale these down; the defaults are the production values). */
  options?: Partial<DeliveryOptions>
  sleep?: (ms: number) => Promise<void>
  /** Requests, deliveries and dead letters are counted here when given. */
  metrics?: Pick<Metrics, 'request' | 'delivered' | 'deadLettered' | 'waitStarted'>
  /** Live deliveries and dead letters, for the report and the silence alarm. */
  report?: SenderDeps['report']
}

export interface Dispatcher {
  /** Deliver everything deliverable now, one request at a time, ignoring retry delays (not a pause). */
  flush(): Promise<void>
  /** Start background delivery: every flushIntervalMs, and at once when a full batch is waiting. */
  start(intervalMs?: number): void
  /** Stop background delivery; with `drainMs`, keep delivering that long first. What is left stays persisted. */
  stop(drainMs?: number): Promise<void>
  /** Per destination: ok | waiting (with reason and until) | paused | dry-run, with counters (for health and metrics). */
  status(): Record<string, SenderStatus>
}

/** The production defaults, with the config's env-driven values. */
export function deliveryOptions(config: Config, over: Partial<DeliveryOptions> = {}): DeliveryOptions {
  return {
    maxInFlight: config.delivery.maxInFlight,
    flushIntervalMs: config.delivery.flushIntervalMs,
    maxEventAgeMs: config.delivery.maxEventAgeDays * 86_400_000,
    requestTimeoutMs: 30_000,
    leaseMs: 120_000,
    probeIntervalMs: 60_000,
    ...over,
    backoff: { ...DEFAULT_BACKOFF, maxMs: config.delivery.backoffMaxS * 1000, maxRetryAfterMs: config.delivery.retryAfterMaxS * 1000, ...over.backoff },
  }
}

/**
 * Runs one sender per destination over the shared outbox, on a timer and when a full batch is
 * committed. Without credentials a destination runs dry-run (validated and recorded, never sent).
 */
export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { config, outbox, destinations, journal, log } = deps
  const now = deps.now ?? Date.now
  const options = deliveryOptions(config, deps.options)
  const senders = new Map<string, { dest: Destination; sender: Sender }>()
  for (const dest of destinations) {
    const limit = dest.rateLimit ?? { perMinute: 60_000 }
    const limiter = deps.redis ? createRedisRateLimiter(deps.redis, limit, now) : createLocalRateLimiter(limit, now)
    const sender = createSender({ dest, config, queue: outbox.queue, fetch: deps.fetch, now, log, journal, limiter, options, sleep: deps.sleep, metrics: deps.metrics, report: deps.report })
    senders.set(dest.name, { dest, sender })
  }
  const running = new Map<string, Promise<void>>()
  const waiting = new Map<string, number>()
  let timer: NodeJS.Timeout | undefined
  let stopped = false

  /** One pass for a destination; passes of one destination never overlap. */
  function run(name: string, force: boolean, concurrency?: number): Promise<void> {
    const prev = running.get(name) ?? Promise.resolve()
    const s = senders.get(name)!
    const next = prev
      .then(() => s.sender.pass(force, concurrency))
      .catch((error: Error) => log.error(`[tagwarden] [${name}] delivery pass failed; events stay queued`, { reason: error.message }))
    running.set(name, next)
    void next.finally(() => running.get(name) === next && running.delete(name))
    return next
  }

  function tick(): void {
    for (const name of senders.keys()) {
      if (running.has(name)) continue
      waiting.set(name, 0)
      void run(name, false)
    }
    void journal.save().catch(() => {})
  }

  outbox.onCommit((name, added) => {
    const s = senders.get(name)
    if (!s || stopped || !timer) return
    const n = (waiting.get(name) ?? 0) + added
    waiting.set(name, n)
    if (n >= s.dest.maxBatch && !running.has(name)) {
      waiting.set(name, 0)
      void run(name, false)
    }
  })

  return {
    async flush() {
      await Promise.all([...senders.keys()].map((name) => run(name, true, 1)))
      await journal.save()
    },
    start(intervalMs = options.flushIntervalMs) {
      if (stopped) return
      timer ??= setInterval(tick, intervalMs)
      timer.unref()
    },
    async stop(drainMs = 0) {
      stopped = true
      if (timer) clearInterval(timer)
      timer = undefined
      const deadline = setTimeout(() => {
        log.warn('[tagwarden] delivery deadline reached: aborting requests in flight; their events stay queued')
        for (const { sender } of senders.values()) sender.abort()
      }, Math.max(1, drainMs))
      await Promise.all(running.values())
      if (drainMs > 0) await Promise.all([...senders.keys()].map((name) => run(name, true)))
      clearTimeout(deadline)
      await journal.save()
    },
    status: () => Object.fromEntries([...senders].map(([name, s]) => [name, s.sender.status()])),
  }
}
