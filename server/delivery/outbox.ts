import type { Storage } from 'unstorage'
import { randomUUID } from 'node:crypto'

/** One event waiting for one destination. */
export interface OutboxItem {
  /** The event_id (idempotency key together with the destination). */
  id: string
  payload: unknown
  /** When it was accepted (ms). */
  at: number
  attempts: number
}

export interface Segment { key: string; dest: string; items: OutboxItem[] }

export interface Outbox {
  /** Persist items for a destination; resolves once they are on storage (group commit). */
  enqueue(dest: string, items: Omit<OutboxItem, 'attempts'>[]): Promise<void>
  /** Persisted segments of a destination, oldest first. */
  segments(dest: string): Promise<Segment[]>
  /** Replace a segment's items (empty → delete the segment). */
  update(segment: Segment, items: OutboxItem[]): Promise<void>
  /** Events waiting, per destination (for health and metrics). */
  depth(dest: string): Promise<number>
}

const PREFIX = 'outbox'

/**
 * A durable outbox on unstorage. Calls arriving in the same tick are written together as one
 * segment (group commit): many events, one storage write, all acknowledged when it lands.
 * @example await outbox.enqueue('pinterest-capi', [{ id: 'e1', payload, at: Date.now() }])
 */
export function createOutbox(storage: Storage, now: () => number = Date.now): Outbox {
  const groups = new Map<string, { items: OutboxItem[]; done: Promise<void> }>()
  let seq = 0

  const segmentKey = (dest: string) =>
    `${PREFIX}:${dest}:${now().toString(36).padStart(9, '0')}${(seq++ % 1296).toString(36).padStart(2, '0')}${randomUUID().slice(0, 8)}`

  function enqueue(dest: string, items: Omit<OutboxItem, 'attempts'>[]): Promise<void> {
    let group = groups.get(dest)
    if (!group) {
      const g = { items: [] as OutboxItem[], done: Promise.resolve() }
      g.done = new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          groups.delete(dest)
          storage.setItem(segmentKey(dest), { items: g.items }).then(resolve, reject)
        })
      })
      groups.set(dest, g)
      group = g
    }
    for (const item of items) group.items.push({ ...item, attempts: 0 })
    return group.done
  }

  async function segments(dest: string): Promise<Segment[]> {
    const keys = (await storage.getKeys(`${PREFIX}:${dest}`)).sort()
    const out: Segment[] = []
    for (const key of keys) {
      const value = await storage.getItem<{ items: OutboxItem[] }>(key)
      if (value?.items?.length) out.push({ key, dest, items: value.items })
      else if (value) await storage.removeItem(key)
    }
    return out
  }

  async function update(segment: Segment, items: OutboxItem[]): Promise<void> {
    if (items.length) await storage.setItem(segment.key, { items })
    else await storage.removeItem(segment.key)
    segment.items = items
  }

  async function depth(dest: string): Promise<number> {
    return (await segments(dest)).reduce((n, s) => n + s.items.length, 0)
  }

  return { enqueue, segments, update, depth }
}
