// Remembered event_ids across the cap: the table keeps exactly the newest ids in order, lookups stay
// right through growth, wrap-around, updates and removals, and queued ids are never dropped.
// (Speed and memory at millions of ids are shown by the soak benchmark, bench/soak.mjs.)
import { describe, expect, it } from 'vitest'
import { createStorage } from 'unstorage'
import memoryDriver from 'unstorage/drivers/memory'
import { createMarks } from '../../server/delivery/idempotency'
import { createIdTable } from '../../server/delivery/id-table'
import { idDigest } from '../../server/delivery/id-digest'
import { createLocalQueue } from '../../server/delivery/local-queue'
import { item } from './queue-contract'

const D = 'pinterest-capi'
const H = 3_600_000

/** A small seeded PRNG so the random operations repeat. */
function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('id digests', () => {
  it('differ per id and per destination, and are stable within the process', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 200_000; i++) seen.add(idDigest(0, `ev-${i}`).join(':'))
    expect(seen.size).toBe(200_000)
    expect(idDigest(0, 'ord_1')).toEqual(idDigest(0, 'ord_1'))
    expect(idDigest(0, 'ord_1')).not.toEqual(idDigest(1, 'ord_1'))
    expect(idDigest(0, 'ab')).not.toEqual(idDigest(0, 'ba'))
  })
})

describe('id table', () => {
  /** Random operations on the table and on a Map (insertion order = age) side by side. */
  function againstModel(max: number, keys: number, removes: boolean) {
    const t = createIdTable(max)
    const model = new Map<number, number>()
    const random = prng(max)
    const h = (k: number) => idDigest(0, `k${k}`)
    let evicted = 0
    for (let step = 0; step < 200_000; step++) {
      const r = random()
      const k = Math.floor(random() * keys)
      const [h1, h2] = h(k)
      if (r < 0.6) {
        if (!model.has(k) && model.size === max) {
          model.delete(model.keys().next().value as number)
          evicted++
        }
        model.set(k, step)
        t.put(h1, h2, step)
      } else if (r < 0.75 && removes) {
        model.delete(k)
        t.remove(h1, h2)
      } else if (r < 0.8) {
        const first = model.keys().next()
        if (!first.done) model.delete(first.value)
        t.shift()
      } else expect(t.get(h1, h2)).toBe(model.get(k))
      if (step % 10_000 === 0) {
        expect(t.size()).toBe(model.size)
        for (let q = 0; q < keys; q += 7) expect(t.get(...h(q))).toBe(model.get(q))
        expect(t.oldest()).toBe(model.values().next().value)
      }
    }
    expect(t.evicted()).toBe(evicted)
    return evicted
  }

  it('matches a plain model through 200,000 random puts, updates, shifts and lookups past its capacity (growth, wrap-around, eviction)', () => {
    expect(againstModel(3_000, 6_000, false)).toBeGreaterThan(1_000)
  })

  it('matches a plain model with removals too (holes in the ring, index deletion)', () => {
    expect(againstModel(8_000, 6_000, true)).toBe(0)
  })
})

describe('idempotency marks across the cap', () => {
  it('keeps exactly the newest finished ids, in order, counts the rest as forgotten early, never drops a queued one', () => {
    let now = 1_800_000_000_000
    const cap = 1_000
    const marks = createMarks(() => now, 48 * H, cap)
    for (let i = 0; i < 50; i++) marks.set(D, `waiting-${i}`, 'queued')
    const finished: string[] = []
    for (let i = 0; i < 25_000; i++) {
      now += 10
      const [dest, id] = i % 3 ? [D, `s-${i}`] : ['other', `o-${i}`]
      marks.set(dest, id, i % 50 === 7 ? 'dead' : 'sent')
      finished.push(`${dest}|${id}`)
      if (i % 2_500 === 2_499) {
        // Exactly the newest `cap` (all destinations together) are known, the one before is not.
        const kept = finished.slice(-cap)
        for (const key of kept) {
          const [d, id2] = key.split('|')
          expect(marks.get(d, id2)?.state).toMatch(/^(sent|dead)$/)
        }
        const [d, gone] = finished[finished.length - cap - 1].split('|')
        expect(marks.get(d, gone)).toBeUndefined()
        expect(marks.droppedEarly()).toBe(finished.length - cap)
      }
    }
    for (let i = 0; i < 50; i++) expect(marks.get(D, `waiting-${i}`)?.state).toBe('queued')
    // A queued id finishing takes the youngest place; the oldest one goes.
    const before = marks.droppedEarly()
    marks.set(D, 'waiting-0', 'sent')
    expect(marks.get(D, 'waiting-0')?.state).toBe('sent')
    expect(marks.droppedEarly()).toBe(before + 1)
    // Marking a remembered id again is an update, not a new entry.
    marks.set(D, 's-24998', 'sent')
    expect(marks.droppedEarly()).toBe(before + 1)
    expect(marks.size()).toBe(cap + 49)
  })

  it('expires finished ids after 48 h from the oldest end, not counted as forgotten early', () => {
    let now = 1_800_000_000_000
    const marks = createMarks(() => now, 48 * H, 100)
    for (let i = 0; i < 100; i++) {
      marks.set(D, `a-${i}`, 'sent')
      now += H / 10
    }
    now += 38.95 * H // a-0 … a-9 are over 48 h old, a-10 … are younger
    marks.sweep()
    expect(marks.get(D, 'a-9')).toBeUndefined()
    expect(marks.get(D, 'a-10')?.state).toBe('sent')
    expect(marks.size()).toBe(90)
    // The table is not full now: new ids take free room, nothing is forgotten early.
    for (let i = 0; i < 10; i++) marks.set(D, `b-${i}`, 'sent')
    expect(marks.droppedEarly()).toBe(0)
    // Full again: the 20 ids expired by now make room before anything young is dropped.
    now += 2 * H
    for (let i = 0; i < 20; i++) marks.set(D, `c-${i}`, 'sent')
    expect(marks.droppedEarly()).toBe(0)
    expect(marks.get(D, 'a-30')?.state).toBe('sent')
    marks.set(D, 'd-0', 'sent')
    expect(marks.droppedEarly()).toBe(1)
    expect(marks.get(D, 'a-30')).toBeUndefined()
  })

  it('a local outbox past the cap refuses repeats of the newest ids and takes back the forgotten ones (after a restart too)', async () => {
    const storage = createStorage({ driver: memoryDriver() })
    const q = createLocalQueue(storage, Date.now, { maxRememberedIds: 1_000 })
    for (let b = 0; b < 5; b++) {
      await q.commit(D, Array.from({ length: 1_000 }, (_, i) => item(`e${b * 1_000 + i}`)))
      for (const l of await q.lease(D, 1e9, 60_000, Infinity)) await q.settle(D, l, { sent: l.items.map((i) => i.id), dead: [], retry: [], notBefore: 0 })
    }
    expect(q.forgottenEarly?.()).toBe(4_000)
    expect(await q.wasSent(D, ['e0', 'e3999', 'e4000', 'e4999'])).toEqual([false, false, true, true])
    expect(await q.commit(D, [item('e4500'), item('e10')])).toEqual([false, true])
    const again = createLocalQueue(storage, Date.now, { maxRememberedIds: 1_000 })
    expect(await again.wasSent(D, ['e3999', 'e4000', 'e4999'])).toEqual([false, true, true])
  })
})
