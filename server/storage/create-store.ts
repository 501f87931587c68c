import { createStorage, type Storage } from 'unstorage'
import fsLiteDriver from 'unstorage/drivers/fs-lite'
import memoryDriver from 'unstorage/drivers/memory'
import redisDriver from 'unstorage/drivers/redis'
import type { Redis } from 'ioredis'
import { basename } from 'node:path'
import type { StorageSpec } from '../config'
import { OUTBOX_LOG_DIR } from '../delivery/segment-log'
import { DONE_LOG_DIR } from '../delivery/done-file-log'

/** The storage every part shares, plus the raw Redis client where one exists (for atomic ops). */
export interface Store {
  storage: Storage
  kind: StorageSpec['kind']
  /** The ioredis client behind a `redis://` store (leases, SET NX); undefined otherwise. */
  redis?: Redis
  /** The directory of an `fs:` store (the outbox keeps its segment files there); undefined otherwise. */
  dir?: string
  close(): Promise<void>
}

/**
 * Build the store named by `TAGWARDEN_STORAGE`: `fs:<dir>`, `memory:` or `redis://…`.
 * @example const store = createStore({ kind: 'memory' })
 */
export function createStore(spec: StorageSpec): Store {
  if (spec.kind === 'memory') {
    const storage = createStorage({ driver: memoryDriver() })
    return { storage, kind: 'memory', close: () => storage.dispose() }
  }
  if (spec.kind === 'fs') {
    // The outbox's segment and done files (outbox-log/, outbox-done-log/) are not storage keys: listing keys skips them.
    const storage = createStorage({ driver: fsLiteDriver({ base: spec.dir, ignore: (path: string) => basename(path) === OUTBOX_LOG_DIR || basename(path) === DONE_LOG_DIR }) })
    return { storage, kind: 'fs', dir: spec.dir, close: () => storage.dispose() }
  }
  const common = { base: 'tagwarden', lazyConnect: false, maxRetriesPerRequest: 3 }
  const driver = spec.url.startsWith('redis+sentinel:') ? redisDriver({ ...common, ...sentinelOptions(spec.url) }) : redisDriver({ ...common, url: spec.url })
  const storage = createStorage({ driver })
  return {
    storage,
    kind: 'redis',
    redis: driver.getInstance?.() as Redis | undefined,
    close: () => storage.dispose(),
  }
}

/**
 * ioredis options for `redis+sentinel://[user:password@]host:port[,host:port…]/<master name>[/<db>]`:
 * ioredis asks the Sentinels which server is the primary, and asks again after a failover. The
 * credentials are those of the Redis servers (Sentinels without a password).
 * @example sentinelOptions('redis+sentinel://s1:26379,s2:26379/mymaster') // { sentinels: [...], name: 'mymaster' }
 */
export function sentinelOptions(url: string): { sentinels: { host: string; port: number }[]; name: string; db?: number; username?: string; password?: string } {
  const rest = url.slice('redis+sentinel://'.length)
  const at = rest.lastIndexOf('@')
  const auth = at >= 0 ? rest.slice(0, at) : ''
  const [hosts, name, db] = rest.slice(at + 1).split('/')
  const colon = auth.indexOf(':')
  const username = colon > 0 ? decodeURIComponent(auth.slice(0, colon)) : undefined
  const password = colon >= 0 ? decodeURIComponent(auth.slice(colon + 1)) : undefined
  const sentinels = hosts.split(',').map((h) => ({ host: h.slice(0, h.lastIndexOf(':')), port: Number(h.slice(h.lastIndexOf(':') + 1)) }))
  return { sentinels, name: decodeURIComponent(name), ...(db ? { db: Number(db) } : {}), ...(username ? { username } : {}), ...(password ? { password } : {}) }
}
