import type { Logger } from '../log'
import type { Store } from './create-store'

/** Why storage is down, as a bounded word (never the driver's message). */
export type StoreDownReason = 'unreachable' | 'write-failed'

export type StoreState = { state: 'ok' } | { state: 'down'; reason: StoreDownReason; since: number }

export interface StoreHealth {
  /** Reachable now? Redis: its connection state; any store: a storage failure within the last 10 s. */
  state(): StoreState
  /** Note an error from a storage operation; true (and the store counts as down) when it is a storage failure. */
  failed(error: unknown): boolean
}

/** How long one failed write keeps a store marked down (a full disk does not heal between two requests). */
const WRITE_FAILURE_MS = 10_000

/** Error codes and names that mean "the store cannot take writes", from Node (fs, net) and ioredis. */
const STORAGE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'EIO', 'EDQUOT', 'EMFILE', 'ENFILE'])
const REDIS_DOWN = /MaxRetriesPerRequest|Connection is closed|Stream isn't writeable|enableOfflineQueue|^(OOM|READONLY|MISCONF|LOADING|MASTERDOWN|CLUSTERDOWN)\b/

/**
 * Whether an error came from storage being unavailable (connection refused or closed, Redis out of
 * retries or memory, disk full or read-only), looking through `cause` chains.
 * @example isStorageFailure(Object.assign(new Error('no space'), { code: 'ENOSPC' })) // true
 */
export function isStorageFailure(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown }
    if (typeof code === 'string' && STORAGE_CODES.has(code)) return true
    if (name === 'MaxRetriesPerRequestError' || (typeof message === 'string' && REDIS_DOWN.test(message))) return true
  }
  return false
}

/**
 * Track whether the store is reachable, for the routes that must not acknowledge what they cannot
 * persist (503 + Retry-After) and for health. Redis reports its connection state; for every store a
 * storage failure marks it down for 10 s. A Redis outage is logged once when it starts and once when
 * it ends (ioredis would otherwise print every reconnect error on stderr, outside the JSON log).
 * @example const health = createStoreHealth(store, Date.now, log); health.state() // { state: 'ok' }
 */
export function createStoreHealth(store: Pick<Store, 'redis'>, now: () => number, log?: Logger): StoreHealth {
  const redis = store.redis
  let unreachableSince: number | undefined = redis && redis.status !== 'ready' ? now() : undefined
  let writeFailedAt: number | undefined
  let reported = false
  if (redis) {
    redis.on('ready', () => {
      if (reported) log?.info('[tagwarden] storage (redis) is reachable again')
      unreachableSince = undefined
      reported = false
    })
    redis.on('close', () => (unreachableSince ??= now()))
    redis.on('error', (error: Error) => {
      if (reported) return
      reported = true
      log?.error('[tagwarden] storage (redis) is unreachable: /v1/events and webhooks answer 503 until it is back', { reason: error.message })
    })
  }
  return {
    state() {
      if (redis && redis.status !== 'ready') return { state: 'down', reason: 'unreachable', since: (unreachableSince ??= now()) }
      if (writeFailedAt !== undefined && now() - writeFailedAt < WRITE_FAILURE_MS) return { state: 'down', reason: 'write-failed', since: writeFailedAt }
      return { state: 'ok' }
    },
    failed(error) {
      if (!isStorageFailure(error)) return false
      if (!redis || redis.status === 'ready') writeFailedAt = now()
      return true
    },
  }
}
