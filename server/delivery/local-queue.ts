import type { Storage } from 'unstorage'
import { randomUUID } from 'node:crypto'
import { createMarks } from './idempotency'
import { createDoneLog } from './done-log'
import type { DeadLetter, Lease, OutboxItem, QueueStore, ReplayResult, Settlement } from './types'
import { SENT_TTL_MS } from './types'

export interface LocalQueueOptions {
  /** For a second process on the same storage (the `dlq` CLI next to a running server): never delete or compact. */
  passive?: boolean
}

interface Seg { items: Map<string, OutboxItem>; notBefore: number; token?: string; until: number }

/** Key of the marker a `tagwarden dlq replay` in another process touches so the server rescans. */
const RESCAN_KEY = 'outbox-rescan'
export const segmentKey = (dest: string, at: number, seq: number) =>
  `outbox:${dest}:${Math.floor(at).toString(36).padStart(9, '0')}${(seq % 1296).toString(36).padStart(2, '0')}${randomUUID().slice(0, 8)}`
const segmentTime = (key: string) => parseInt(key.slice(key.lastIndexOf(':') + 1, key.lastIndexOf(':') + 10), 36)
const dlqKey = (dest: string, id: string) => `dlq:${dest}:${encodeURIComponent(id)}`

/**
 * The outbox on any unstorage driver (fs, memory), for ONE process. Durable state: one segment key
 * per group commit (never rewritten in place, so a kill -9 cannot truncate acknowledged events),
 * append-only done logs (sent/dead ids) and one key per dead letter. Leases, retry delays and
 * idempotency marks live in memory and are rebuilt from storage at start.
 */
export function createLocalQueue(storage: Storage, now: () => number = Date.now, { passive = false }: LocalQueueOptions = {}): QueueStore {
  const marks = createMarks(now, SENT_TTL_MS)
  const done = createDoneLog(storage, now, SENT_TTL_MS, !passive)
  const segs = new Map<string, Map<string, Seg>>()
  const holds = new Map<string, number>()
  /** Segment keys being written right now: a rescan must not mistake them for stray copies. */
  const writing = new Set<string>()
  let seq = 0
  let rescanSeen: unknown = null
  const destSegs = (dest: string) => segs.get(dest) ?? segs.set(dest, new Map()).get(dest)!

  async function loadSegments(keys: string[]): Promise<void> {
    for (const key of keys.filter((k) => k.startsWith('outbox:')).sort()) {
      const dest = key.split(':')[1]
      if (destSegs(dest).has(key) || writing.has(key)) continue
      const value = await storage.getItem<{ items?: OutboxItem[] }>(key)
      const items = new Map<string, OutboxItem>()
      for (const item of value?.items ?? []) {
        const m = marks.get(dest, item.id)
        // Sent is final; a dead mark older than this segment means the segment is a replay.
        if (m?.state === 'sent' || m?.state === 'queued' || (m?.state === 'dead' && m.at >= segmentTime(key))) continue
        marks.set(dest, item.id, 'queued', item.at)
        items.set(item.id, item)
      }
      if (items.size) destSegs(dest).set(key, { items, notBefore: 0, until: 0 })
      // Every item is finished or queued elsewhere: the copy is redundant. (An unreadable segment is
      // a write cut by a crash — never acknowledged — and is left alone.)
      else if (!passive && Array.isArray(value?.items)) await storage.removeItem(key)
    }
  }

  const ready = (async () => {
    const keys = await storage.getKeys()
    for (const e of await done.load(keys)) {
      for (const id of e.ids) if (marks.get(e.dest, id)?.state !== 'sent') marks.set(e.dest, id, e.state, e.at)
    }
    await loadSegments(keys)
    rescanSeen = await storage.getItem(RESCAN_KEY)
  })()

  /** A replay written by another process (the CLI) is picked up through the marker key. */
  async function rescanIfTouched(): Promise<void> {
    const marker = await storage.getItem(RESCAN_KEY)
    if (marker === rescanSeen) return
    rescanSeen = marker
    await loadSegments(await storage.getKeys('outbox'))
  }

  async function commit(dest: string, items: OutboxItem[], mode: 'claim' | 'replay' = 'claim'): Promise<boolean[]> {
    await ready
    const prior = new Map<string, ReturnType<typeof marks.get>>()
    const fresh = items.map((item) => {
      const m = marks.get(dest, item.id)
      if (m && (mode === 'claim' || m.state !== 'dead')) return false
      prior.set(item.id, m)
      marks.set(dest, item.id, 'queued', item.at)
      return true
    })
    const kept = items.filter((_, i) => fresh[i])
    if (!kept.length) return fresh
    const key = segmentKey(dest, now(), seq++)
    writing.add(key)
    try {
      await storage.setItem(key, { items: kept })
    } catch (error) {
      for (const [id, m] of prior) m ? marks.set(dest, id, m.state, m.at) : marks.delete(dest, id)
      throw error
    } finally {
      writing.delete(key)
    }
    destSegs(dest).set(key, { items: new Map(kept.map((i) => [i.id, i])), notBefore: 0, until: 0 })
    return fresh
  }

  async function lease(dest: string, maxItems: number, leaseMs: number, before = now()): Promise<Lease[]> {
    await ready
    await rescanIfTouched()
    const t = now()
    const out: Lease[] = []
    let total = 0
    for (const [key, seg] of destSegs(dest)) {
      if (total >= maxItems) break
      if ((seg.token && seg.until > t) || seg.notBefore > before) continue
      for (const id of seg.items.keys()) if (marks.get(dest, id)?.state === 'sent') seg.items.delete(id)
      if (!seg.items.size) continue
      seg.token = randomUUID()
      seg.until = t + leaseMs
      out.push({ key, token: seg.token, items: [...seg.items.values()].map((i) => ({ ...i })) })
      total += seg.items.size
    }
    return out
  }

  async function renew(dest: string, leases: Lease[], leaseMs: number): Promise<boolean> {
    let held = true
    for (const l of leases) {
      const seg = destSegs(dest).get(l.key)
      if (seg?.token === l.token) seg.until = now() + leaseMs
      else held = false
    }
    return held
  }

  async function settle(dest: string, l: Lease, o: Settlement): Promise<void> {
    await Promise.all(o.dead.map((d) => storage.setItem(dlqKey(dest, d.item.id), d)))
    const deadIds = o.dead.map((d) => d.item.id)
    if (o.sent.length || deadIds.length) await done.append(dest, o.sent, deadIds)
    for (const id of o.sent) marks.set(dest, id, 'sent')
    for (const id of deadIds) marks.set(dest, id, 'dead')
    const seg = destSegs(dest).get(l.key)
    if (!seg) return
    for (const id of [...o.sent, ...deadIds]) seg.items.delete(id)
    for (const item of o.retry) if (seg.items.has(item.id)) seg.items.set(item.id, item)
    if (o.retry.length) seg.notBefore = o.notBefore
    if (seg.token === l.token) seg.token = undefined
    if (!seg.items.size) {
      destSegs(dest).delete(l.key)
      await storage.removeItem(l.key)
    }
    marks.sweep()
  }

  async function deadLetters(dest: string): Promise<DeadLetter[]> {
    const keys = await storage.getKeys(`dlq:${dest}`)
    const all = await Promise.all(keys.map((k) => storage.getItem<DeadLetter>(k)))
    return all.filter((d): d is DeadLetter => !!d?.item).sort((a, b) => a.deadAt - b.deadAt)
  }

  async function replay(dest: string, ids: string[] | 'all'): Promise<ReplayResult> {
    await ready
    const letters = await deadLetters(dest)
    const wanted = ids === 'all' ? letters : letters.filter((d) => ids.includes(d.item.id))
    const result: ReplayResult = { replayed: [], skipped: [] }
    if (ids !== 'all') for (const id of ids) if (!wanted.some((d) => d.item.id === id)) result.skipped.push({ id, reason: 'not in the dead-letter store' })
    const fresh = await commit(dest, wanted.map((d) => ({ ...d.item, attempts: 0 })), 'replay')
    for (const [i, d] of wanted.entries()) {
      if (!fresh[i]) {
        result.skipped.push({ id: d.item.id, reason: marks.get(dest, d.item.id)?.state === 'sent' ? 'already delivered' : 'already queued' })
        continue
      }
      await storage.removeItem(dlqKey(dest, d.item.id))
      result.replayed.push(d.item.id)
    }
    if (result.replayed.length) await storage.setItem(RESCAN_KEY, now())
    return result
  }

  return {
    kind: 'local',
    commit,
    lease,
    renew,
    settle,
    async wasSent(dest, ids) {
      await ready
      return ids.map((id) => marks.get(dest, id)?.state === 'sent')
    },
    async hold(dest, until) {
      holds.set(dest, Math.max(until, holds.get(dest) ?? 0))
    },
    async holdUntil(dest) {
      return holds.get(dest) ?? 0
    },
    async depth(dest) {
      await ready
      let n = 0
      for (const seg of destSegs(dest).values()) n += seg.items.size
      return n
    },
    deadLetters,
    replay,
    async close() {
      await ready
    },
  }
}
