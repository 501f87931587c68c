/** What is known about destination + event_id. */
export type MarkState = 'queued' | 'sent' | 'dead'

export interface Marks {
  get(dest: string, id: string): { state: MarkState; at: number } | undefined
  set(dest: string, id: string, state: MarkState, at?: number): void
  delete(dest: string, id: string): void
  /** Forget terminal marks older than the TTL (queued ones are kept while queued). */
  sweep(): void
  size(): number
  /** Terminal (sent/dead) marks forgotten before the TTL because of the cap (total since start). */
  droppedEarly(): number
}

/** How long an event_id is remembered per destination: 48 h (Pinterest's dedup needs the same id, not a new one). */
export const IDEMPOTENCY_TTL_MS = 48 * 3600 * 1000
/** Default cap on remembered terminal marks (TAGWARDEN_IDEMPOTENCY_MAX_IDS): ≈ 200 MB. */
export const DEFAULT_MAX_REMEMBERED_IDS = 2_000_000

const CODES: MarkState[] = ['queued', 'sent', 'dead']
const isTerminal = (v: number | undefined) => v !== undefined && v % 4 !== 0

/**
 * In-process idempotency marks for a local (single-instance) outbox: one number per id
 * (`at * 4 + state`) in a Map kept in time order, so expiry is a walk from the oldest end and the
 * hot path costs no storage write (the outbox segment written for the event is its durable mark).
 * Memory: roughly 100 bytes per event_id remembered (≈ 100 MB per million events in 48 h). At most
 * `maxTerminal` sent/dead marks are kept (all destinations together): beyond it the oldest are
 * forgotten early (counted by `droppedEarly`); queued marks are never dropped.
 * @example const marks = createMarks(); marks.set('pinterest-capi', 'e1', 'queued')
 */
export function createMarks(now: () => number = Date.now, ttlMs = IDEMPOTENCY_TTL_MS, maxTerminal = DEFAULT_MAX_REMEMBERED_IDS): Marks {
  const maps = new Map<string, Map<string, number>>()
  let terminal = 0
  let dropped = 0
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
    if (isTerminal(m.get(id))) terminal--
    m.delete(id)
    const v = Math.floor(at) * 4 + CODES.indexOf(state)
    m.set(id, v)
    if (isTerminal(v) && ++terminal > maxTerminal) evict()
  }

  function remove(dest: string, id: string): void {
    const m = maps.get(dest)
    if (!m) return
    if (isTerminal(m.get(id))) terminal--
    m.delete(id)
  }

  /** Forget the oldest terminal marks until the cap holds; queued marks met on the way move to the young end. */
  function evict(): void {
    while (terminal > maxTerminal) {
      // The destination whose oldest entry is oldest (there are only a few destinations).
      let oldest: Map<string, number> | undefined
      let oldestAt = Infinity
      for (const m of maps.values()) {
        const first = m.values().next()
        if (!first.done && first.value / 4 < oldestAt) {
          oldestAt = first.value / 4
          oldest = m
        }
      }
      if (!oldest) return
      const [id, v] = oldest.entries().next().value as [string, number]
      oldest.delete(id)
      if (isTerminal(v)) {
        terminal--
        dropped++
      } else oldest.set(id, v)
    }
  }

  function sweep(): void {
    const limit = now() - ttlMs
    for (const m of maps.values()) {
      const requeue: [string, number][] = []
      for (const [id, v] of m) {
        if (Math.floor(v / 4) >= limit) break
        m.delete(id)
        if (v % 4 === 0) requeue.push([id, v])
        else terminal--
      }
      for (const [id, v] of requeue) m.set(id, v)
    }
  }

  return {
    get,
    set,
    delete: remove,
    sweep,
    size: () => [...maps.values()].reduce((n, m) => n + m.size, 0),
    droppedEarly: () => dropped,
  }
}
