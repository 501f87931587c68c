import type { Storage } from 'unstorage'
import type Redis from 'ioredis'
import { createLocalQueue } from './local-queue'
import { createRedisQueue } from './redis-queue'
import type { OutboxItem, QueueStore } from './types'

export type { OutboxItem } from './types'

export interface Outbox {
  /**
   * Claim destination + event_id and persist the new items: many calls in one tick become one
   * storage write (group commit). Resolves, once on storage, with true per new item and false per
   * repeat (already queued or sent).
   */
  enqueue(dest: string, items: Omit<OutboxItem, 'attempts'>[]): Promise<boolean[]>
  /** Events waiting, per destination (for health and metrics). */
  depth(dest: string): Promise<number>
  /** The store underneath (leases, settlement, dead letters) for the dispatcher and the CLI. */
  queue: QueueStore
  /** Called after each commit with the number of new items (the dispatcher flushes a full batch at once). */
  onCommit(listener: (dest: string, added: number) => void): void
}

export interface OutboxOptions {
  now?: () => number
  /** The ioredis client of a `redis://` store: the outbox is then shared by every instance. */
  redis?: Redis
  /** Max event age (ms); queued marks on Redis live this long plus 48 h. */
  maxEventAgeMs?: number
  /** A second process on a local store (the `dlq` CLI): read and replay, never compact or delete. */
  passive?: boolean
}

/**
 * A durable outbox: on Redis when a client is given (many instances), otherwise on the unstorage
 * driver (fs or memory, one process). Calls arriving in the same tick are committed together.
 * @example const fresh = await outbox.enqueue('pinterest-capi', [{ id: 'e1', payload, at: Date.now() }])
 */
export function createOutbox(storage: Storage, options: OutboxOptions = {}): Outbox {
  const now = options.now ?? Date.now
  const queue = options.redis
    ? createRedisQueue(options.redis, { now, queuedTtlMs: (options.maxEventAgeMs ?? 7 * 86_400_000) + 48 * 3_600_000 })
    : createLocalQueue(storage, now, { passive: options.passive })
  const groups = new Map<string, { items: OutboxItem[]; done: Promise<boolean[]> }>()
  /** The commit being written per destination (settled either way): the next group fills while it runs. */
  const writing = new Map<string, Promise<void>>()
  const listeners: ((dest: string, added: number) => void)[] = []

  async function enqueue(dest: string, items: Omit<OutboxItem, 'attempts'>[]): Promise<boolean[]> {
    if (!items.length) return []
    let group = groups.get(dest)
    if (!group) {
      const g = { items: [] as OutboxItem[], done: Promise.resolve([] as boolean[]) }
      g.done = new Promise<boolean[]>((resolve, reject) => {
        // Group commit: a group takes everything that arrives in this tick and, while the previous
        // commit of the destination is still being written, until that one is on storage. Under
        // load that is one larger write instead of one small write per tick, all queueing in the
        // fs thread pool (creating a file costs about a millisecond).
        setImmediate(() => {
          const commit = (writing.get(dest) ?? Promise.resolve()).then(() => {
            groups.delete(dest)
            return queue.commit(dest, g.items)
          })
          const settled = commit.then(
            () => undefined,
            () => undefined,
          )
          writing.set(dest, settled)
          void settled.then(() => writing.get(dest) === settled && writing.delete(dest))
          commit.then((fresh) => {
            const added = fresh.filter(Boolean).length
            if (added) for (const l of listeners) l(dest, added)
            resolve(fresh)
          }, reject)
        })
      })
      groups.set(dest, g)
      group = g
    }
    const start = group.items.length
    for (const item of items) group.items.push({ ...item, attempts: 0 })
    const fresh = await group.done
    return fresh.slice(start, start + items.length)
  }

  return {
    enqueue,
    depth: (dest) => queue.depth(dest),
    queue,
    onCommit: (l) => void listeners.push(l),
  }
}
