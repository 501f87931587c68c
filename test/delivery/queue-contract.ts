// One contract for every outbox store (local on memory, local on fs, Redis): each backend's test file
// is a few lines that call queueContract() with its own harness, building its stores on the clock given.
import { afterEach, beforeEach, expect, it } from 'vitest'
import type { OutboxItem, QueueStore, Settlement } from '../../server/delivery/types'

export interface Harness {
  queue: QueueStore
  /** A second store on the same storage, as after a restart or on another instance. */
  reopen(): Promise<QueueStore>
  cleanup(): Promise<void>
}

const D = 'pinterest-capi'
export const item = (id: string, over: Partial<OutboxItem> = {}): OutboxItem => ({ id, payload: { event_id: id }, at: Date.now(), time: Math.floor(Date.now() / 1000), attempts: 0, ...over })
const none: Settlement = { sent: [], dead: [], retry: [], notBefore: 0 }
const ids = (leases: { items: OutboxItem[] }[]) => leases.flatMap((l) => l.items.map((i) => i.id)).sort()

/** `make` builds the stores on `now`: the contract moves that clock forward to expire a lease. */
export function queueContract(make: (now: () => number) => Promise<Harness>): void {
  let h: Harness
  let q: QueueStore
  /** The stores' clock: real time plus what the contract moved it forward. */
  let skew = 0
  const now = () => Date.now() + skew
  beforeEach(async () => {
    skew = 0
    h = await make(now)
    q = h.queue
  })
  afterEach(() => h.cleanup())

  /**
   * Move the clock past a lease of `leaseMs` and lease again. A local store expires leases by the
   * clock alone, so the first try gets them; on Redis the lease key also expires on Redis's own
   * clock (PX), so the lease is tried until that key is gone (bounded).
   */
  async function leaseAfterExpiry(leaseMs: number, newLeaseMs: number) {
    skew += leaseMs + 1
    const end = Date.now() + 5_000
    for (;;) {
      const got = await q.lease(D, 10, newLeaseMs)
      if (got.length) return got
      if (Date.now() > end) throw new Error(`the lease of ${leaseMs} ms was still held 5 s later`)
      await new Promise((r) => setTimeout(r, 10))
    }
  }

  it('claims each event_id once, also twice within one commit', async () => {
    expect(await q.commit(D, [item('a'), item('b'), item('a')])).toEqual([true, true, false])
    expect(await q.commit(D, [item('a'), item('c')])).toEqual([false, true])
    expect(await q.depth(D)).toBe(3)
    expect(await q.commit('other-dest', [item('a')])).toEqual([true])
  })

  it('leases exclusively; an expired lease lets another taker have the items', async () => {
    await q.commit(D, [item('a'), item('b')])
    const first = await q.lease(D, 10, 150)
    expect(ids(first)).toEqual(['a', 'b'])
    expect(await q.lease(D, 10, 150)).toEqual([])
    // A flush ignores retry delays, never someone else's lease.
    expect(await q.lease(D, 10, 150, Infinity)).toEqual([])
    const second = await leaseAfterExpiry(150, 1000)
    expect(ids(second)).toEqual(['a', 'b'])
    expect(await q.renew(D, first, 1000)).toBe(false)
    expect(await q.renew(D, second, 1000)).toBe(true)
  })

  it('settles: sent ids stay claimed, dead letters keep reason, response and attempts, retries wait', async () => {
    await q.commit(D, [item('s'), item('d'), item('r')])
    const [lease] = await q.lease(D, 10, 1000)
    const by = (id: string) => lease.items.find((i) => i.id === id)!
    await q.settle(D, lease, {
      sent: ['s'],
      dead: [{ dest: D, item: { ...by('d'), attempts: 1 }, reason: 'rejected by Pinterest: bad', response: { status: 422, body: '{}' }, deadAt: Date.now() }],
      retry: [{ ...by('r'), attempts: 1 }],
      notBefore: Date.now() + 60_000,
    })
    expect(await q.depth(D)).toBe(1)
    expect(await q.commit(D, [item('s'), item('d')])).toEqual([false, false])
    expect(await q.wasSent(D, ['s', 'd', 'r'])).toEqual([true, false, false])
    const dead = await q.deadLetters(D)
    expect(dead).toHaveLength(1)
    expect(dead[0]).toMatchObject({ item: { id: 'd', attempts: 1 }, reason: 'rejected by Pinterest: bad', response: { status: 422 } })
    expect(await q.lease(D, 10, 1000)).toEqual([])
    const forced = await q.lease(D, 10, 1000, Infinity)
    expect(forced.flatMap((l) => l.items)).toMatchObject([{ id: 'r', attempts: 1 }])
  })

  it('replays a dead letter once, with its event_id, and never one already delivered', async () => {
    await q.commit(D, [item('x'), item('y')])
    const first = await q.lease(D, 10, 100)
    const second = await leaseAfterExpiry(100, 1000)
    // A slow first taker delivered y while the second gave both up as dead: y is sent, whatever the DLQ says.
    const letter = (id: string) => ({ dest: D, item: item(id), reason: 'too old', deadAt: Date.now() })
    await q.settle(D, second[0], { ...none, dead: [letter('x'), letter('y')] })
    await q.settle(D, first[0], { ...none, sent: ['y'] })
    const result = await q.replay(D, ['x', 'y', 'nope'])
    expect(result.replayed).toEqual(['x'])
    expect(result.skipped).toEqual(expect.arrayContaining([
      { id: 'y', reason: 'already delivered' },
      { id: 'nope', reason: 'not in the dead-letter store' },
    ]))
    expect((await q.replay(D, ['x'])).replayed).toEqual([])
    const leased = await q.lease(D, 10, 1000)
    expect(ids(leased)).toEqual(['x'])
    expect((await q.deadLetters(D)).map((d) => d.item.id)).toEqual(['y'])
  })

  it('after a restart, finds what waits and still knows what was sent', async () => {
    await q.commit(D, [item('p1'), item('p2'), item('done')])
    const [lease] = await q.lease(D, 10, 1000)
    await q.settle(D, lease, { ...none, sent: ['done'] })
    const again = await h.reopen()
    expect(await again.depth(D)).toBe(2)
    expect(await again.commit(D, [item('done'), item('p1'), item('new')])).toEqual([false, false, true])
    expect(ids(await again.lease(D, 10, 1000, Infinity))).toEqual(['new', 'p1', 'p2'])
  })

  it('leases at least maxItems when that many wait, across segments, oldest first', async () => {
    for (let s = 0; s < 5; s++) await q.commit(D, Array.from({ length: 3 }, (_, i) => item(`s${s}-${i}`)))
    const leases = await q.lease(D, 7, 1000)
    expect(leases.flatMap((l) => l.items)).toHaveLength(9)
    expect(ids(leases)[0]).toBe('s0-0')
    expect(ids(await q.lease(D, 100, 1000))).toHaveLength(6)
  })
}
