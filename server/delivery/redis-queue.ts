import type { Redis } from 'ioredis'
import { randomUUID } from 'node:crypto'
import { COMMIT, LEASE, RENEW, SETTLE } from './redis-scripts'
import { segmentKey } from './segment-log'
import type { DeadLetter, Lease, OutboxItem, QueueStore, ReplayResult } from './types'
import { SENT_TTL_MS } from './types'

export interface RedisQueueOptions {
  now?: () => number
  /** How long a queued (not yet sent) mark lives: at least the max event age plus the sent TTL. */
  queuedTtlMs?: number
  /** Commits (and recorded outcomes) wait until this many replicas have them (TAGWARDEN_REDIS_WAIT_REPLICAS). Default 0. */
  waitReplicas?: number
}

/** How long a commit waits for its replicas before it is refused (the client then retries). */
const REPLICA_WAIT_MS = 1_000

/** Thrown by a commit that the primary took but too few replicas confirmed in time: nothing is acknowledged. */
export class ReplicaWaitError extends Error {
  constructor(readonly wanted: number, readonly got: number) {
    super(`[tagwarden] [outbox] only ${got} of ${wanted} Redis replicas confirmed the commit within ${REPLICA_WAIT_MS} ms (TAGWARDEN_REDIS_WAIT_REPLICAS): not acknowledged`)
    this.name = 'ReplicaWaitError'
  }
}

type Script = (...args: (string | number)[]) => Promise<unknown>
const SCRIPTS = { twCommit: COMMIT, twLease: LEASE, twRenew: RENEW, twSettle: SETTLE }
const REPLAY_REASONS: Record<number, string> = { 2: 'already delivered', 3: 'already queued', 4: 'not in the dead-letter store' }

/**
 * The outbox on Redis, shared by any number of instances: claim + persist in one script (so an
 * acknowledged event always has both its idempotency mark and its queued copy), segments leased
 * with an expiring token (a dead instance's batch is retaken after the lease), outcomes recorded
 * in one script. Needs a Redis that keeps its data (AOF `appendfsync everysec` or better).
 * @example const queue = createRedisQueue(store.redis!)
 */
export function createRedisQueue(redis: Redis, { now = Date.now, queuedTtlMs = 9 * 24 * 3600 * 1000, waitReplicas = 0 }: RedisQueueOptions = {}): QueueStore {
  for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 0, lua })
  const run = (name: keyof typeof SCRIPTS, args: (string | number)[]) => (redis as unknown as Record<string, Script>)[name](...args)
  const prefix = (dest: string) => `tagwarden:q:{${dest}}:`
  let seq = 0

  async function commit(dest: string, items: OutboxItem[], mode: 'claim' | 'replay' = 'claim'): Promise<boolean[]> {
    const codes = await commitCodes(dest, items, mode)
    return codes.map((c) => c === 1)
  }

  async function commitCodes(dest: string, items: OutboxItem[], mode: 'claim' | 'replay'): Promise<number[]> {
    if (!items.length) return []
    const seg = segmentKey(dest, now(), seq++).split(':').pop()!
    const args: (string | number)[] = [prefix(dest), seg, now(), queuedTtlMs, mode]
    for (const item of items) args.push(item.id, JSON.stringify(item))
    const codes = (await run('twCommit', args)) as number[]
    if (waitReplicas > 0 && codes.includes(1)) {
      // Replication is asynchronous: without this, a primary that dies right after answering can
      // take acknowledged events with it when a replica is promoted.
      const got = Number(await redis.wait(waitReplicas, REPLICA_WAIT_MS))
      if (got < waitReplicas) throw new ReplicaWaitError(waitReplicas, got)
    }
    return codes
  }

  async function lease(dest: string, maxItems: number, leaseMs: number, before?: number): Promise<Lease[]> {
    const token = randomUUID()
    const limit = before === undefined ? now() : before === Infinity ? '+inf' : before
    const flat = (await run('twLease', [prefix(dest), now(), limit, leaseMs, token, maxItems])) as (string | string[])[]
    const out: Lease[] = []
    for (let i = 0; i < flat.length; i += 2) {
      out.push({ key: flat[i] as string, token, items: (flat[i + 1] as string[]).map((j) => JSON.parse(j) as OutboxItem) })
    }
    return out
  }

  async function renew(dest: string, leases: Lease[], leaseMs: number): Promise<boolean> {
    if (!leases.length) return true
    let held = true
    for (const token of new Set(leases.map((l) => l.token))) {
      const segs = leases.filter((l) => l.token === token).map((l) => l.key)
      if (!(await run('twRenew', [prefix(dest), now(), leaseMs, token, ...segs]))) held = false
    }
    return held
  }

  async function deadLetters(dest: string): Promise<DeadLetter[]> {
    const all = await redis.hgetall(`${prefix(dest)}dead`)
    return Object.values(all).map((j) => JSON.parse(j) as DeadLetter).sort((a, b) => a.deadAt - b.deadAt)
  }

  async function replay(dest: string, ids: string[] | 'all'): Promise<ReplayResult> {
    const letters = await deadLetters(dest)
    const wanted = ids === 'all' ? letters.map((d) => d.item) : ids.map((id) => letters.find((d) => d.item.id === id)?.item ?? { id, payload: null, at: 0, attempts: 0 })
    const codes = await commitCodes(dest, wanted.map((item) => ({ ...item, attempts: 0 })), 'replay')
    const result: ReplayResult = { replayed: [], skipped: [] }
    codes.forEach((c, i) => (c === 1 ? result.replayed.push(wanted[i].id) : result.skipped.push({ id: wanted[i].id, reason: REPLAY_REASONS[c] ?? 'refused' })))
    return result
  }

  return {
    kind: 'redis',
    commit,
    lease,
    renew,
    async settle(dest, l, o) {
      const args: (string | number)[] = [prefix(dest), l.key, l.token, SENT_TTL_MS, Math.max(0, o.notBefore), o.keep ? 1 : 0, o.sent.length, ...o.sent, o.dead.length]
      for (const d of o.dead) args.push(d.item.id, JSON.stringify(d))
      args.push(o.retry.length)
      for (const item of o.retry) args.push(item.id, JSON.stringify(item))
      await run('twSettle', args)
      // Sent marks reach the replicas before the next request (a failover keeps them); when the
      // replicas lag, delivery goes on: at worst those events are sent again after a failover.
      if (waitReplicas > 0 && (o.sent.length || o.dead.length)) await redis.wait(waitReplicas, REPLICA_WAIT_MS)
    },
    async wasSent(dest, ids) {
      if (!ids.length) return []
      const values = await redis.mget(ids.map((id) => `${prefix(dest)}idem:${id}`))
      return values.map((v) => v === 's')
    },
    async hold(dest, until) {
      const ms = Math.ceil(until - now())
      if (ms > 0) await redis.set(`${prefix(dest)}hold`, String(until), 'PX', ms)
    },
    async holdUntil(dest) {
      return Number(await redis.get(`${prefix(dest)}hold`)) || 0
    },
    async depth(dest) {
      return Math.max(0, Number(await redis.get(`${prefix(dest)}count`)) || 0)
    },
    deadLetters,
    replay,
    close: async () => {},
  }
}
