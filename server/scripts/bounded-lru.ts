export interface BoundedLruOptions<V> {
  /** Entries kept at most. */
  maxEntries: number
  /** Sum of `sizeOf` kept at most (one entry larger than this is not kept at all). */
  maxBytes: number
  sizeOf(value: V): number
  /** Told about each entry pushed out (to delete its stored copy). */
  onEvict?(key: string, value: V): void
}

export interface BoundedLru<V> {
  /** The value, now the most recently used; undefined when absent. */
  get(key: string): V | undefined
  /** Keep `value` as the most recently used, evicting the least recently used past either cap; false when it alone is over `maxBytes`. */
  set(key: string, value: V): boolean
  has(key: string): boolean
  delete(key: string): void
  readonly size: number
  readonly bytes: number
}

/**
 * A Map used as an LRU (insertion order = recency) capped by entries and by total size.
 * @example const lru = createBoundedLru<string>({ maxEntries: 2, maxBytes: 10, sizeOf: (s) => s.length })
 */
export function createBoundedLru<V>(o: BoundedLruOptions<V>): BoundedLru<V> {
  const map = new Map<string, { value: V; size: number }>()
  let bytes = 0

  function remove(key: string, evicted: boolean): void {
    const e = map.get(key)
    if (!e) return
    map.delete(key)
    bytes -= e.size
    if (evicted) o.onEvict?.(key, e.value)
  }

  return {
    get(key) {
      const e = map.get(key)
      if (!e) return undefined
      map.delete(key)
      map.set(key, e)
      return e.value
    },
    set(key, value) {
      const size = o.sizeOf(value)
      remove(key, false)
      if (size > o.maxBytes) return false
      map.set(key, { value, size })
      bytes += size
      while (map.size > o.maxEntries || bytes > o.maxBytes) remove(map.keys().next().value as string, true)
      return true
    },
    has: (key) => map.has(key),
    delete: (key) => remove(key, false),
    get size() {
      return map.size
    },
    get bytes() {
      return bytes
    },
  }
}
