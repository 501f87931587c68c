import type { Storage } from 'unstorage'
import { CART_CONTEXT_TTL_MS } from '../context/cart-store'
import type { Logger } from '../log'
import { DELIVERY_TTL_MS, ORDER_TTL_MS } from '../webhooks/ledger'
import type { Store } from './create-store'

/** A family of keys written with a TTL, and where its write time is found in the stored value. */
interface ExpiryRule {
  prefix: string
  ttlMs: number
  /** Write time (ms) of a stored value; undefined = unreadable, removed too. */
  writtenAt(value: unknown): number | undefined
}

/**
 * Keys that grow with traffic and carry a TTL: one per cart/checkout token a browser reported (POST
 * /ctx — unauthenticated input), one per webhook delivery and per order. Redis expires them itself;
 * the fs and memory drivers have no expiry, so without a sweep they would grow forever.
 */
export const EXPIRY_RULES: ExpiryRule[] = [
  { prefix: 'ctx:cart', ttlMs: CART_CONTEXT_TTL_MS, writtenAt: (v) => (v && typeof (v as { at?: unknown }).at === 'number' ? (v as { at: number }).at : undefined) },
  { prefix: 'wh:delivery', ttlMs: DELIVERY_TTL_MS, writtenAt: (v) => (typeof v === 'number' ? v : undefined) },
  { prefix: 'wh:order', ttlMs: ORDER_TTL_MS, writtenAt: (v) => (typeof v === 'number' ? v : undefined) },
]

const SWEEP_EVERY_MS = 3_600_000
const FIRST_SWEEP_MS = 60_000
const BATCH = 200

export interface ExpirySweeper {
  /** Remove every expired key now; resolves with how many were removed. */
  sweep(): Promise<number>
  /** Sweep a minute after start, then hourly (timers do not keep the process alive). */
  start(): void
  stop(): void
}

/**
 * Delete expired TTL keys on stores without native expiry (fs, memory); a no-op on Redis.
 * @example const sweeper = createExpirySweeper(runtime.store, Date.now, log); sweeper.start()
 */
export function createExpirySweeper(store: Pick<Store, 'storage' | 'kind'>, now: () => number, log: Logger, rules: ExpiryRule[] = EXPIRY_RULES): ExpirySweeper {
  const storage: Storage = store.storage
  let timers: NodeJS.Timeout[] = []
  let running: Promise<number> | undefined

  async function sweepOnce(): Promise<number> {
    if (store.kind === 'redis') return 0
    let removed = 0
    for (const rule of rules) {
      const keys = await storage.getKeys(rule.prefix)
      for (let i = 0; i < keys.length; i += BATCH) {
        const batch = keys.slice(i, i + BATCH)
        const values = await Promise.all(batch.map((k) => storage.getItem(k).catch(() => undefined)))
        const t = now()
        const expired = batch.filter((_, j) => {
          const at = rule.writtenAt(values[j])
          return at === undefined || t - at > rule.ttlMs
        })
        await Promise.all(expired.map((k) => storage.removeItem(k)))
        removed += expired.length
      }
    }
    if (removed) log.info('[tagwarden] [storage] removed expired cart contexts and webhook records', { removed })
    return removed
  }

  const sweep = () => (running ??= sweepOnce().finally(() => (running = undefined)))
  const background = () =>
    void sweep().catch((error: Error) => log.warn('[tagwarden] [storage] expiry sweep failed; retrying in an hour', { reason: error.message }))

  return {
    sweep,
    start() {
      if (timers.length || store.kind === 'redis') return
      timers = [setTimeout(background, FIRST_SWEEP_MS), setInterval(background, SWEEP_EVERY_MS)]
      for (const t of timers) t.unref()
    },
    stop() {
      for (const t of timers) clearTimeout(t)
      timers = []
    },
  }
}
