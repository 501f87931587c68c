import type { Storage } from 'unstorage'
import { randomUUID } from 'node:crypto'
import { createMarks } from './idempotency'
import { createDoneLog, type DoneLog } from './done-log'
import { createDoneFileLog } from './done-file-log'
import { createFileLog, createKeyLog, type Chunk, type SegmentLog } from './segment-log'
import type { DeadLetter, Lease, OutboxItem, QueueStore, ReplayResult, Settlement } from './types'
import { SENT_TTL_MS } from './types'

export interface LocalQueueOptions {
  /** For a second process on the same storage (the `dlq` CLI next to a running server): never delete or compact. */
  passive?: boolean
  /**
   * The directory of an `fs:` store: commits are then appended to segment files there (one write
   * per group commit, no new file). Without it, one storage key per commit (any driver).
   */
  dir?: string
  /** At most this many finished (sent/dead) event_ids are remembered; the oldest are forgotten early beyond it. */
  maxRememberedIds?: number
  /** `fs:` only: a segment file is closed this long after it was opened, on a timer (default 60 s). */
  segmentMaxAgeMs?: number
}

/**
 * One group commit in memory, the unit of leasing: only the ids still waiting and their attempt
 * counts (≈ 100 bytes an event with its queued mark). The events themselves stay in the segment log
 * and are read back when leased, so a backlog of a million events costs ≈ 150 MB, not gigabytes.
 */
interface Seg { ids: Map<string, number>; notBefore: number; token?: string; until: number }

/** Key of the marker a `tagwarden dlq replay` in another process touches so the server rescans. */
const RESCAN_KEY = 'outbox-rescan'
const dlqKey = (dest: string, id: string) => `dlq:${dest}:${encodeURIComponent(id)}`

/**
 * The outbox on any unstorage driver (fs, memory), for ONE process. Durable state: the commits in a
 * segment log (append-only files on `fs:`, one key per commit otherwise — never rewritten in place,
 * so a kill -9 cannot damage an acknowledged commit), an append-only done log of sent/dead ids
 * (files on `fs:`, keys otherwise) and one key per dead letter. Leases, retry delays and idempotency
 * marks live in memory and are rebuilt from storage at start.
 */
export function createLocalQueue(storage: Storage, now: () => number = Date.now, { passive = false, dir, maxRememberedIds, segmentMaxAgeMs }: LocalQueueOptions = {}): QueueStore {
  const marks = createMarks(now, SENT_TTL_MS, maxRememberedIds)
  // On fs, done pieces written as keys by an older version are still read (and expire) at start.
  const keyDone = createDoneLog(storage, now, SENT_TTL_MS, !passive)
  const done: DoneLog = dir ? createDoneFileLog(dir, { now, ttlMs: SENT_TTL_MS, passive }) : keyDone
  const log: SegmentLog = dir ? createFileLog(dir, { passive, now, maxAgeMs: segmentMaxAgeMs }) : createKeyLog(storage, { passive, now })
  const segs = new Map<string, Map<string, Seg>>()
  /** Items waiting per destination (kept up to date so depth() is O(1) on the accept path). */
  const counts = new Map<string, number>()
  const holds = new Map<string, number>()
  let rescanSeen: unknown = null
  const destSegs = (dest: string) => segs.get(dest) ?? segs.set(dest, new Map()).get(dest)!
  const count = (dest: string, delta: number) => counts.set(dest, (counts.get(dest) ?? 0) + delta)

  async function load(chunks: Chunk[]): Promise<void> {
    for (const c of chunks) {
      const ids = new Map<string, number>()
      for (const item of c.items) {
        const m = marks.get(c.dest, item.id)
        // Sent is final; a dead mark older than this commit means the commit is a replay.
        if (m?.state === 'sent' || m?.state === 'queued' || (m?.state === 'dead' && m.at >= c.t)) continue
        marks.set(c.dest, item.id, 'queued', item.at)
        ids.set(item.id, item.attempts ?? 0)
      }
      if (ids.size) {
        destSegs(c.dest).set(c.key, { ids, notBefore: 0, until: 0 })
        count(c.dest, ids.size)
      }
      // Every item is finished or queued elsewhere: the copy is redundant.
      else await log.release(c.dest, c.key)
    }
  }

  /** Set once storage has been read at start: from then on the counts are exact. */
  let loaded = false
  const ready = (async () => {
    const keys = await storage.getKeys()
    const remember = (e: { dest: string; state: 'sent' | 'dead'; at: number; ids: string[] }) => {
      for (const id of e.ids) if (marks.get(e.dest, id)?.state !== 'sent') marks.set(e.dest, id, e.state, e.at)
    }
    if (done !== keyDone) await keyDone.load(keys, remember)
    await done.load(keys, remember)
    await load(await log.scan())
    rescanSeen = await storage.getItem(RESCAN_KEY)
    loaded = true
  })()

  /** A replay written by another process (the CLI) is picked up through the marker key. */
  async function rescanIfTouched(): Promise<void> {
    const marker = await storage.getItem(RESCAN_KEY)
    if (marker === rescanSeen) return
    rescanSeen = marker
    await load(await log.scan())
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
    let key: string
    try {
      key = await log.append(dest, kept, now())
    } catch (error) {
      for (const [id, m] of prior) m ? marks.set(dest, id, m.state, m.at) : marks.delete(dest, id)
      throw error
    }
    destSegs(dest).set(key, { ids: new Map(kept.map((i) => [i.id, i.attempts])), notBefore: 0, until: 0 })
    count(dest, kept.length)
    return fresh
  }

  async function lease(dest: string, maxItems: number, leaseMs: number, before = now()): Promise<Lease[]> {
    await ready
    await rescanIfTouched()
    const t = now()
    const taken: [string, Seg, string][] = []
    const emptied: string[] = []
    let total = 0
    for (const [key, seg] of destSegs(dest)) {
      if (total >= maxItems) break
      if ((seg.token && seg.until > t) || seg.notBefore > before) continue
      for (const id of seg.ids.keys()) {
        if (marks.get(dest, id)?.state !== 'sent') continue
        seg.ids.delete(id)
        count(dest, -1)
      }
      if (!seg.ids.size) {
        emptied.push(key)
        continue
      }
      seg.token = randomUUID()
      seg.until = t + leaseMs
      taken.push([key, seg, seg.token])
      total += seg.ids.size
    }
    for (const key of emptied) {
      destSegs(dest).delete(key)
      await log.release(dest, key)
    }
    // The events themselves come back from the log: only those still waiting, with their attempts.
    const out: Lease[] = []
    for (const [key, seg, token] of taken) {
      const items: OutboxItem[] = []
      for (const item of await log.read(dest, key)) {
        const attempts = seg.ids.get(item.id)
        if (attempts !== undefined) items.push({ ...item, attempts })
      }
      out.push({ key, token, items })
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
    for (const id of o.sent) if (seg.ids.delete(id)) count(dest, -1)
    for (const id of deadIds) if (seg.ids.delete(id)) count(dest, -1)
    for (const item of o.retry) if (seg.ids.has(item.id)) seg.ids.set(item.id, item.attempts)
    if (o.retry.length) seg.notBefore = o.notBefore
    if (seg.token === l.token && !o.keep) seg.token = undefined
    if (!seg.ids.size) {
      destSegs(dest).delete(l.key)
      await log.release(dest, l.key)
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
      return counts.get(dest) ?? 0
    },
    knownDepth: (dest) => (loaded ? (counts.get(dest) ?? 0) : undefined),
    deadLetters,
    replay,
    forgottenEarly: () => marks.droppedEarly(),
    async close() {
      await ready
      await log.close()
      await done.close?.()
    },
  }
}
