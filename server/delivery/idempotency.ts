/** What is known about destination + event_id. */
export type MarkState = 'queued' | 'sent' | 'dead'

export interface Marks {
  get(dest: string, id: string): { state: MarkState; at: number } | undefined
  set(dest: string, id: string, state: MarkState, at?: number): void
  delete(dest: string, id: string): void
  /** Forget terminal marks older than the TTL (queued ones are kept while queued). */
  sweep(): void
  size(): number
}

/** How long an event_id is remembered per destination: 48 h (Pinterest's dedup needs the same id, not a new one). */
export const IDEMPOTENCY_TTL_MS = 48 * 3600 * 1000

const CODES: MarkState[] = ['queued', 'sent', 'dead']

/**
 * In-process idempotency marks for a local (single-instance) outbox: one number per id
 * (`at * 4 + state`) in a Map kept in time order, so expiry is a walk from the oldest end and the
 * hot path costs no storage write (the outbox segment written for the event is its durable mark).
 * Memory: roughly 100 bytes per event_id remembered (≈ 100 MB per million events in 48 h).
 * @example const marks = createMarks(); marks.set('pinterest-capi', 'e1', 'queued')
 */
export function createMarks(now: () => number = Date.now, ttlMs = IDEMPOTENCY_TTL_MS): Marks {
  const maps = new Map<string, Map<string, number>>()
  const mapOf = (dest: string) => {
    let m = maps.get(dest)
    if (!m) maps.set(dest, (m = new Map()))
    return m
  }

  function get(dest: string, id: string) {
    const v = maps.get(dest)?.get(id)
    if (v === undefined) return undefined
    const at = Math.floor(v / 4)
    const state = CODES[v % 4]
    if (state !== 'queued' && now() - at >= ttlMs) return undefined
    return { state, at }
  }

  function set(dest: string, id: string, state: MarkState, at = now()): void {
    const m = mapOf(dest)
    m.delete(id)
    m.set(id, Math.floor(at) * 4 + CODES.indexOf(state))
  }

  function sweep(): void {
    const limit = now() - ttlMs
    for (const m of maps.values()) {
      const requeue: [string, number][] = []
      for (const [id, v] of m) {
        if (Math.floor(v / 4) >= limit) break
        m.delete(id)
        if (v % 4 === 0) requeue.push([id, v])
      }
      for (const [id, v] of requeue) m.set(id, v)
    }
  }

  return {
    get,
    set,
    delete: (dest, id) => void maps.get(dest)?.delete(id),
    sweep,
    size: () => [...maps.values()].reduce((n, m) => n + m.size, 0),
  }
}
