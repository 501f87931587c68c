import type { Storage } from 'unstorage'
import { randomUUID } from 'node:crypto'

/** A time slice of the done log; closed slices are rolled up into one key. */
const BUCKET_MS = 10 * 60 * 1000
const PREFIX = 'outbox-done'

/** `deadAt` (rollups only): the earliest dead-lettering in the slice, so a replay written later in the slice stays newer. */
interface Piece { at: number; sent: string[]; dead: string[]; deadAt?: number }
export interface DoneEntry { dest: string; state: 'sent' | 'dead'; at: number; ids: string[] }

export interface DoneLog {
  /** Read the log (`keys`: all storage keys, for the key layout), oldest first, one entry at a time; drops expired slices. */
  load(keys: string[], each: (entry: DoneEntry) => void): Promise<void>
  /** Append ids just delivered or dead-lettered; calls in the same tick become one piece (one write per request, never per event). */
  append(dest: string, sent: string[], dead: string[]): Promise<void>
  close?(): Promise<void>
}

/**
 * The local outbox's record of finished event_ids, kept as long as idempotency needs them. Every
 * settled batch appends one new key (append-only: a crash cannot damage what is there); closed
 * 10-minute slices are merged into one key and slices older than the TTL are deleted, so the key
 * count stays bounded (≤ 600 pieces + 6 per hour of TTL per destination).
 */
export function createDoneLog(storage: Storage, now: () => number, ttlMs: number, compact = true): DoneLog {
  const slices = new Map<string, Map<number, string[]>>()
  let lastMaintenance = 0
  const keyOf = (dest: string, bucket: number, piece: string) => `${PREFIX}:${dest}:${bucket.toString(36)}:${piece}`
  const track = (dest: string, bucket: number, key: string) => {
    const byBucket = slices.get(dest) ?? slices.set(dest, new Map()).get(dest)!
    const keys = byBucket.get(bucket)
    if (keys) keys.push(key)
    else byBucket.set(bucket, [key])
  }

  async function load(keys: string[], each: (entry: DoneEntry) => void): Promise<void> {
    for (const key of keys.filter((k) => k.startsWith(`${PREFIX}:`)).sort()) {
      const [, dest, bucket] = key.split(':')
      track(dest, parseInt(bucket, 36), key)
    }
    await maintain(true)
    for (const [dest, byBucket] of slices) {
      for (const bucket of [...byBucket.keys()].sort((a, b) => a - b)) {
        for (const key of byBucket.get(bucket)!) {
          const p = await storage.getItem<Piece>(key)
          if (!p?.at) continue
          each({ dest, state: 'dead', at: p.deadAt ?? p.at, ids: p.dead ?? [] })
          each({ dest, state: 'sent', at: p.at, ids: p.sent ?? [] })
        }
      }
    }
  }

  const append = groupAppends(write)

  async function write(dest: string, sent: string[], dead: string[]): Promise<void> {
    const at = now()
    const bucket = Math.floor(at / BUCKET_MS)
    const key = keyOf(dest, bucket, `${at.toString(36)}${randomUUID().slice(0, 8)}`)
    await storage.setItem(key, { at, sent, dead } satisfies Piece)
    track(dest, bucket, key)
    await maintain(false)
  }

  /** Roll up closed slices (write the merged key, then delete the pieces) and drop expired ones. */
  async function maintain(force: boolean): Promise<void> {
    const t = now()
    if (!compact || (!force && t - lastMaintenance < 60_000)) return
    lastMaintenance = t
    const current = Math.floor(t / BUCKET_MS)
    for (const [dest, byBucket] of slices) {
      for (const [bucket, keys] of byBucket) {
        if ((bucket + 1) * BUCKET_MS < t - ttlMs) {
          await Promise.all(keys.map((k) => storage.removeItem(k)))
          byBucket.delete(bucket)
        } else if (bucket < current && keys.length > 1) {
          const merged = keyOf(dest, bucket, '~rollup')
          const all = [...new Set([...keys, merged])]
          const pieces = (await Promise.all(all.map((k) => storage.getItem<Piece>(k)))).filter((p): p is Piece => !!p?.at)
          if (!pieces.length) continue
          const sent = new Set(pieces.flatMap((p) => p.sent ?? []))
          const dead = pieces.flatMap((p) => p.dead ?? []).filter((id) => !sent.has(id))
          const deadAt = Math.min(...pieces.map((p) => p.deadAt ?? p.at))
          await storage.setItem(merged, { at: Math.max(...pieces.map((p) => p.at)), sent: [...sent], dead: [...new Set(dead)], deadAt } satisfies Piece)
          await Promise.all(keys.filter((k) => k !== merged).map((k) => storage.removeItem(k)))
          byBucket.set(bucket, [merged])
        }
      }
    }
  }

  return { load, append }
}

/**
 * Appends made in the same tick (the leases of one request settle together) become one `write` per
 * destination: one piece or line per request, never one per event.
 * @example const append = groupAppends((dest, sent, dead) => writeLine(dest, sent, dead))
 */
export function groupAppends(write: (dest: string, sent: string[], dead: string[]) => Promise<void>): DoneLog['append'] {
  const pending = new Map<string, { sent: string[]; dead: string[]; written: Promise<void> }>()
  return (dest, sent, dead) => {
    let group = pending.get(dest)
    if (!group) {
      const g = { sent: [] as string[], dead: [] as string[], written: Promise.resolve() }
      g.written = new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          pending.delete(dest)
          write(dest, g.sent, g.dead).then(resolve, reject)
        })
      })
      pending.set(dest, g)
      group = g
    }
    for (const id of sent) group.sent.push(id)
    for (const id of dead) group.dead.push(id)
    return group.written
  }
}
