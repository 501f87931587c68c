// Restart cases specific to the local (single-process) store: its marks and leases live in memory
// and are rebuilt from the segment keys and the done log.
import { describe, expect, it } from 'vitest'
import { createStorage } from 'unstorage'
import memoryDriver from 'unstorage/drivers/memory'
import { createLocalQueue } from '../../server/delivery/local-queue'
import { item } from './queue-contract'

const D = 'pinterest-capi'
const MIN = 60_000

describe('local store after a restart', () => {
  it('a replay written in the same done-log slice as its dead letter survives the slice being rolled up', async () => {
    const storage = createStorage({ driver: memoryDriver() })
    let t = 1_800_000_000_000 // a slice boundary (10-minute slices)
    const q = createLocalQueue(storage, () => t)
    await q.commit(D, [item('x', { at: t })])
    t += MIN
    const [lease] = await q.lease(D, 10, MIN)
    await q.settle(D, lease, { sent: [], dead: [{ dest: D, item: lease.items[0], reason: 'rejected', deadAt: t }], retry: [], notBefore: 0 })
    t += 2 * MIN
    expect((await q.replay(D, ['x'])).replayed).toEqual(['x'])
    t += 2 * MIN
    await q.commit(D, [item('y', { at: t })])
    const leases = await q.lease(D, 10, MIN)
    const y = leases.find((l) => l.items.some((i) => i.id === 'y'))!
    await q.settle(D, y, { sent: ['y'], dead: [], retry: [], notBefore: 0 })
    // Next slice: the first append there rolls the closed slice up into one key.
    t += 7 * MIN
    await q.commit(D, [item('z', { at: t })])
    const z = (await q.lease(D, 10, MIN)).find((l) => l.items.some((i) => i.id === 'z'))!
    await q.settle(D, z, { sent: ['z'], dead: [], retry: [], notBefore: 0 })
    expect((await storage.getKeys('outbox-done')).some((k) => k.endsWith('rollup'))).toBe(true)

    t += MIN
    const restarted = createLocalQueue(storage, () => t)
    expect((await restarted.lease(D, 10, MIN)).flatMap((l) => l.items.map((i) => i.id))).toEqual(['x'])
    expect(await restarted.commit(D, [item('y'), item('z'), item('x')])).toEqual([false, false, false])
  })

  it('forgets sent ids after 48 h, not before', async () => {
    const storage = createStorage({ driver: memoryDriver() })
    let t = 1_800_000_000_000
    const q = createLocalQueue(storage, () => t)
    await q.commit(D, [item('old', { at: t })])
    const [lease] = await q.lease(D, 10, MIN)
    await q.settle(D, lease, { sent: ['old'], dead: [], retry: [], notBefore: 0 })
    t += 47 * 60 * MIN
    expect(await createLocalQueue(storage, () => t).commit(D, [item('old')])).toEqual([false])
    t += 2 * 60 * MIN
    expect(await createLocalQueue(storage, () => t).commit(D, [item('old')])).toEqual([true])
  })
})
