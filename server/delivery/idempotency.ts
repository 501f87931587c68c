import type { Storage } from 'unstorage'

export interface Idempotency {
  /** For each id, true when it is new for this destination (and marks it seen), false for a repeat. */
  claim(dest: string, ids: string[]): Promise<boolean[]>
}

/** How long an event_id is remembered per destination: 48 h (Pinterest's dedup needs the same id, not a new one). */
export const IDEMPOTENCY_TTL_MS = 48 * 3600 * 1000

/**
 * Remembers destination + event_id so a repeat (beacon and fallback, webhook redelivery, API
 * retry) is acknowledged but never sent twice. Concurrent claims of one id in this process are
 * serialized through an in-memory map.
 */
export function createIdempotency(storage: Storage, now: () => number = Date.now): Idempotency {
  const pending = new Map<string, number>()

  async function claim(dest: string, ids: string[]): Promise<boolean[]> {
    const results: boolean[] = []
    const t = now()
    const fresh: string[] = []
    for (const id of ids) {
      const key = `idem:${dest}:${encodeURIComponent(id)}`
      const seen = pending.get(key)
      if ((seen !== undefined && t - seen < IDEMPOTENCY_TTL_MS) || fresh.includes(key)) {
        results.push(false)
        continue
      }
      fresh.push(key)
      results.push(true)
    }
    const stored = await Promise.all(fresh.map((key) => storage.getItem<number>(key)))
    let j = 0
    for (let i = 0; i < results.length; i++) {
      if (!results[i]) continue
      const key = fresh[j]
      const at = stored[j++]
      if (typeof at === 'number' && t - at < IDEMPOTENCY_TTL_MS) results[i] = false
      else pending.set(key, t)
    }
    await Promise.all(fresh.filter((k) => pending.get(k) === t).map((key) => storage.setItem(key, t)))
    // The map only guards against concurrent claims; storage is the record. Keep memory bounded.
    if (pending.size > 50_000) pending.clear()
    return results
  }

  return { claim }
}
