import { idDigest } from './id-digest'
import { createIdTable } from './id-table'

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
/** Default cap on remembered terminal marks (TAGWARDEN_IDEMPOTENCY_MAX_IDS): ≈ 48 MB at 2 M. */
export const DEFAULT_MAX_REMEMBERED_IDS = 2_000_000

const CODES: MarkState[] = ['queued', 'sent', 'dead']

/**
 * In-process idempotency marks for a local (single-instance) outbox. Queued ids (bounded by
 * TAGWARDEN_MAX_QUEUE, and in memory with their event anyway) sit in a Map per destination;
 * finished (sent/dead) ids, the many, are kept as 64-bit digests with `at * 4 + state` in a
 * typed-array table in time order (./id-table): O(1) lookup, insert and removal of the oldest, about
 * 24 bytes per id. At most `maxTerminal` finished ids are kept (all destinations together); beyond
 * it the oldest are forgotten early (counted by `droppedEarly`); queued marks are never dropped.
 * The hot path costs no storage write (the outbox segment written for the event is its durable mark).
 * @example const marks = createMarks(); marks.set('pinterest-capi', 'e1', 'queued')
 */
export function createMarks(now: () => number = Date.now, ttlMs = IDEMPOTENCY_TTL_MS, maxTerminal = DEFAULT_MAX_REMEMBERED_IDS): Marks {
  const queued = new Map<string, Map<string, number>>()
  const destIndex = new Map<string, number>()
  const finished = createIdTable(maxTerminal)
  const digest = (dest: string, id: string) => {
    let d = destIndex.get(dest)
    if (d === undefined) destIndex.set(dest, (d = destIndex.size))
    return idDigest(d, id)
  }
  const queuedOf = (dest: string) => queued.get(dest) ?? queued.set(dest, new Map()).get(dest)!

  function get(dest: string, id: string) {
    const q = queued.get(dest)?.get(id)
    if (q !== undefined) return { state: 'queued' as const, at: q }
    const [h1, h2] = digest(dest, id)
    const v = finished.get(h1, h2)
    if (v === undefined) return undefined
    const at = Math.floor(v / 4)
    if (now() - at >= ttlMs) return undefined
    return { state: CODES[v % 4], at }
  }

  function set(dest: string, id: string, state: MarkState, at = now()): void {
    if (state === 'queued') return void queuedOf(dest).set(id, Math.floor(at))
    queued.get(dest)?.delete(id)
    // Make room by expiry first, so only a mark still within its TTL counts as forgotten early.
    if (finished.full()) sweep()
    const [h1, h2] = digest(dest, id)
    finished.put(h1, h2, Math.floor(at) * 4 + CODES.indexOf(state))
  }

  function remove(dest: string, id: string): void {
    if (queued.get(dest)?.delete(id)) return
    const [h1, h2] = digest(dest, id)
    finished.remove(h1, h2)
  }

  function sweep(): void {
    const limit = now() - ttlMs
    for (let v = finished.oldest(); v !== undefined && Math.floor(v / 4) < limit; v = finished.oldest()) finished.shift()
  }

  return {
    get,
    set,
    delete: remove,
    sweep,
    size: () => [...queued.values()].reduce((n, m) => n + m.size, finished.size()),
    droppedEarly: () => finished.evicted(),
  }
}
