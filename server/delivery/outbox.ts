import type { Storage } from 'unstorage'
import type { Redis } from 'ioredis'
import { createLocalQueue } from './local-queue'
import { createRedisQueue } from './redis-queue'
import type { Logger } from '../log'
import type { OutboxItem, QueueStore } from './types'

/** Default cap on events waiting per destination (TAGWARDEN_MAX_QUEUE). */
export const DEFAULT_MAX_QUEUE = 1_000_000

/** Thrown by `enqueue` when a destination already has `max` events waiting: nothing of that call was stored. */
export class OutboxFullError extends Error {
  constructor(
    readonly dest: string,
    readonly depth: number,
    readonly max: number,
  ) {
    super(`[tagwarden] [${dest}] outbox full: ${depth} events waiting (TAGWARDEN_MAX_QUEUE=${max}); new events are refused until delivery catches up`)
    this.name = 'OutboxFullError'
  }
}

/** Thrown by `enqueue` when storage failed to take the commit (Redis unreachable or failing over, disk error): nothing of that call is acknowledged. */
export class OutboxUnavailableError extends Error {
  constructor(
    readonly dest: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`[tagwarden] [${dest}] outbox storage unavailable: ${reason}`, options)
    this.name = 'OutboxUnavailableError'
  }
}

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
  /** The directory of an `fs:` store: the local outbox appends to segment files there. */
  dir?: string
  /** Events waiting per destination beyond which enqueue throws OutboxFullError (default 1,000,000). */
  maxQueue?: number
  /** Local stores: cap on remembered sent/dead event_ids (default 2,000,000). */
  maxRememberedIds?: number
  /** `fs:` only: close a segment file this long after it was opened (default 60 s); it is deleted once everything in it is delivered. */
  segmentMaxAgeMs?: number
  /** Where a warning goes (at most hourly) when finished event_ids are forgotten early because of the cap. */
  log?: Logger
  /** Redis: acknowledge a commit only once this many replicas have it (TAGWARDEN_REDIS_WAIT_REPLICAS). */
  redisWaitReplicas?: number
}

/** How stale a Redis depth may be before enqueue reads it again (a local depth is read every time: it is O(1)). */
const REDIS_DEPTH_MAX_AGE_MS = 1_000
const HOUR = 3_600_000

/**
 * A durable outbox: on Redis when a client is given (many instances), otherwise on the unstorage
 * driver (fs or memory, one process). Calls arriving in the same tick are committed together.
 * @example const fresh = await outbox.enqueue('pinterest-capi', [{ id: 'e1', payload, at: Date.now() }])
 */
export function createOutbox(storage: Storage, options: OutboxOptions = {}): Outbox {
  const now = options.now ?? Date.now
  const queue = options.redis
    ? createRedisQueue(options.redis, { now, queuedTtlMs: (options.maxEventAgeMs ?? 7 * 86_400_000) + 48 * 3_600_000, waitReplicas: options.redisWaitReplicas })
    : createLocalQueue(storage, now, { passive: options.passive, dir: options.dir, maxRememberedIds: options.maxRememberedIds, segmentMaxAgeMs: options.segmentMaxAgeMs })
  const maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE
  /** Redis depth as last read, plus what this instance added since. */
  const depths = new Map<string, { n: number; at: number }>()
  let forgottenReported = 0
  let forgottenWarnedAt = -Infinity

  /** The depth for the cap, without an await when it is known (local: exact; Redis: read at most once a second). */
  function depthNow(dest: string): number | Promise<number> {
    const known = queue.knownDepth?.(dest)
    if (known !== undefined) return known
    if (queue.kind === 'local') return queue.depth(dest)
    const cached = depths.get(dest)
    if (cached && now() - cached.at < REDIS_DEPTH_MAX_AGE_MS) return cached.n
    return queue.depth(dest).then((n) => {
      depths.set(dest, { n, at: now() })
      return n
    })
  }

  /** Finished ids forgotten early (the memory cap): one warning, then at most one per hour, with counts only. */
  function reportForgotten(): void {
    const total = queue.forgottenEarly?.() ?? 0
    if (total <= forgottenReported || now() - forgottenWarnedAt < HOUR) return
    options.log?.warn('[tagwarden] [outbox] idempotency cap reached: the oldest delivered event_ids were forgotten before 48 h; a repeat of one would be sent again (raise TAGWARDEN_IDEMPOTENCY_MAX_IDS or use Redis)', {
      forgotten: total - forgottenReported,
      forgotten_total: total,
    })
    forgottenReported = total
    forgottenWarnedAt = now()
  }
  const groups = new Map<string, { items: OutboxItem[]; done: Promise<boolean[]> }>()
  /** The commit being written per destination (settled either way): the next group fills while it runs. */
  const writing = new Map<string, Promise<void>>()
  const listeners: ((dest: string, added: number) => void)[] = []

  async function enqueue(dest: string, items: Omit<OutboxItem, 'attempts'>[]): Promise<boolean[]> {
    if (!items.length) return []
    const known = depthNow(dest)
    const depth = typeof known === 'number' ? known : await known
    const pending = groups.get(dest)?.items.length ?? 0
    if (depth + pending + items.length > maxQueue) throw new OutboxFullError(dest, depth + pending, maxQueue)
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
            const cached = depths.get(dest)
            if (cached) cached.n += added
            reportForgotten()
            if (added) for (const l of listeners) l(dest, added)
            resolve(fresh)
          }, (error: Error) => reject(new OutboxUnavailableError(dest, error.message, { cause: error })))
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
