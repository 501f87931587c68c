/** Smallest power of two that keeps `capacity` entries at most 3/4 of the index. */
const indexSizeFor = (capacity: number) => 2 ** Math.ceil(Math.log2(Math.max(16, Math.ceil((capacity * 4) / 3))))
const FIRST_CAPACITY = 4096
const TOMBSTONE = -1

export interface IdTable {
  /** The value kept for a digest, or undefined. */
  get(h1: number, h2: number): number | undefined
  /** Keep `value` (≥ 0) for a digest: updated in place when present, else appended as the youngest (the oldest goes when full). */
  put(h1: number, h2: number, value: number): void
  remove(h1: number, h2: number): void
  /** The value of the oldest entry, or undefined when empty. */
  oldest(): number | undefined
  /** Forget the oldest entry. */
  shift(): void
  /** Entries kept now. */
  size(): number
  /** Whether the next new entry pushes the oldest one out. */
  full(): boolean
  /** Entries pushed out because the table was full (since creation). */
  evicted(): number
}

/**
 * Remembered ids as fixed-width digests in typed arrays: a ring in insertion order (two 32-bit
 * digest halves and one float64 value, 16 bytes) plus an open-addressing index of ring positions
 * (4 bytes a slot, at most 3/4 full). Lookup, insert, update and removal of the oldest are O(1)
 * with no per-entry object, so cost and memory stay flat however many ids went through: about
 * 21–27 bytes per id at capacity (2 M ids ≈ 48 MB, 10 M ≈ 227 MB). The ring starts small and
 * doubles up to `maxEntries`. A removed entry leaves a hole in the ring until the head passes it, or
 * until holes make up 1/16 of a full ring and it is rebuilt (removals are rare: a failed commit).
 * @example const t = createIdTable(2_000_000); t.put(h1, h2, Date.now() * 4 + 1)
 */
export function createIdTable(maxEntries: number): IdTable {
  let capacity = Math.min(maxEntries, FIRST_CAPACITY)
  let h1s = new Int32Array(capacity)
  let h2s = new Int32Array(capacity)
  let values = new Float64Array(capacity)
  let index = new Int32Array(indexSizeFor(capacity))
  let mask = index.length - 1
  /** Ring: entries live at head, head+1, … (mod capacity); `used` counts them, removed ones (tombstones) included. */
  let head = 0
  let used = 0
  let live = 0
  let evicted = 0

  /** The index slot holding this digest, or -1. */
  function find(h1: number, h2: number): number {
    for (let i = h1 & mask; ; i = (i + 1) & mask) {
      const p = index[i]
      if (p === 0) return -1
      if (h1s[p - 1] === h1 && h2s[p - 1] === h2) return i
    }
  }

  function link(position: number): void {
    let i = h1s[position] & mask
    while (index[i] !== 0) i = (i + 1) & mask
    index[i] = position + 1
  }

  /** Empty an index slot and pull later entries of the same run back (linear probing without tombstones). */
  function unlink(slot: number): void {
    index[slot] = 0
    for (let j = (slot + 1) & mask; index[j] !== 0; j = (j + 1) & mask) {
      const home = h1s[index[j] - 1] & mask
      // The entry at j may move to the hole unless its home lies cyclically in (slot, j].
      const stays = slot <= j ? slot < home && home <= j : slot < home || home <= j
      if (stays) continue
      index[slot] = index[j]
      index[j] = 0
      slot = j
    }
  }

  /** Copy the live entries, oldest first, into a ring of `next` slots and rebuild the index. */
  function rebuild(next: number): void {
    const a = new Int32Array(next)
    const b = new Int32Array(next)
    const v = new Float64Array(next)
    let n = 0
    for (let k = 0; k < used; k++) {
      const p = (head + k) % capacity
      if (values[p] === TOMBSTONE) continue
      a[n] = h1s[p]
      b[n] = h2s[p]
      v[n++] = values[p]
    }
    h1s = a
    h2s = b
    values = v
    capacity = next
    head = 0
    used = n
    index = new Int32Array(indexSizeFor(next))
    mask = index.length - 1
    for (let p = 0; p < n; p++) link(p)
  }

  /** Drop tombstones at the head so it shows a live entry (or nothing). */
  function skipRemoved(): void {
    while (used > 0 && values[head] === TOMBSTONE) {
      head = (head + 1) % capacity
      used--
    }
  }

  function shift(): void {
    skipRemoved()
    if (!used) return
    unlink(find(h1s[head], h2s[head]))
    values[head] = TOMBSTONE
    head = (head + 1) % capacity
    used--
    live--
  }

  return {
    get(h1, h2) {
      const i = find(h1, h2)
      return i < 0 ? undefined : values[index[i] - 1]
    },
    put(h1, h2, value) {
      const i = find(h1, h2)
      if (i >= 0) {
        values[index[i] - 1] = value
        return
      }
      if (used === capacity) {
        skipRemoved()
        if (used < capacity) void 0 // holes at the head made room
        else if (capacity < maxEntries) rebuild(Math.min(maxEntries, capacity * 2))
        else if ((used - live) * 16 >= capacity) rebuild(capacity) // enough holes from removals: squeeze them out
        else {
          shift()
          evicted++
        }
      }
      const p = (head + used) % capacity
      h1s[p] = h1
      h2s[p] = h2
      values[p] = value
      used++
      live++
      link(p)
    },
    remove(h1, h2) {
      const i = find(h1, h2)
      if (i < 0) return
      values[index[i] - 1] = TOMBSTONE
      unlink(i)
      live--
    },
    oldest() {
      skipRemoved()
      return used ? values[head] : undefined
    },
    shift,
    size: () => live,
    full: () => used === capacity && capacity >= maxEntries,
    evicted: () => evicted,
  }
}
