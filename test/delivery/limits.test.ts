// Bounded memory of the outbox: a cap on remembered finished event_ids, a cap on events waiting.
import { describe, expect, it } from 'vitest'
import { redisAvailability, redisClientForSuite } from '../helpers/redis'
import { createStorage } from 'unstorage'
import memoryDriver from 'unstorage/drivers/memory'
import { createMarks } from '../../server/delivery/idempotency'
import { OutboxFullError, createOutbox } from '../../server/delivery/outbox'
import { createLocalQueue } from '../../server/delivery/local-queue'
import { createLogger } from '../../server/log'
import { item } from './queue-contract'
import { createMetrics } from '../../server/metrics'

const D = 'pinterest-capi'

describe('idempotency cap', () => {
  it('forgets the oldest finished ids beyond the cap, counts them, and never drops a queued one', () => {
    let t = 1_000
    const marks = createMarks(() => t, 48 * 3600_000, 3)
    marks.set(D, 'q-old', 'queued')
    for (const id of ['s1', 's2', 's3']) (t++, marks.set(D, id, 'sent'))
    marks.set('other', 'd1', 'dead') // the cap counts every destination
    expect(marks.droppedEarly()).toBe(1)
    expect(marks.get(D, 's1')).toBeUndefined()
    expect(marks.get(D, 'q-old')?.state).toBe('queued')
    marks.set(D, 'q-old', 'sent')
    expect(marks.droppedEarly()).toBe(2)
    expect(marks.get(D, 's2')).toBeUndefined()
    expect(['s3', 'q-old'].map((id) => marks.get(D, id)?.state)).toEqual(['sent', 'sent'])
    expect(marks.get('other', 'd1')?.state).toBe('dead')
    // Re-marking an id does not count it twice.
    marks.set(D, 's3', 'sent')
    expect(marks.droppedEarly()).toBe(2)
  })

  it('the outbox warns once (then at most hourly), with counts and no event_id', async () => {
    const lines: string[] = []
    const storage = createStorage({ driver: memoryDriver() })
    let t = 1_800_000_000_000
    const outbox = createOutbox(storage, { now: () => t, maxRememberedIds: 2, log: createLogger('info', (l) => lines.push(l)) })
    const q = outbox.queue
    for (const id of ['a', 'b', 'c', 'd']) {
      await outbox.enqueue(D, [{ id, payload: {}, at: t }])
      const [l] = await q.lease(D, 10, 1000, Infinity)
      await q.settle(D, l, { sent: [id], dead: [], retry: [], notBefore: 0 })
      t += 1000
    }
    expect(q.forgottenEarly?.()).toBe(2)
    const warned = () => lines.filter((l) => l.includes('idempotency cap'))
    // The first drop is reported at once; the second came within the hour.
    expect(warned()).toHaveLength(1)
    expect(warned()[0]).toMatch(/"forgotten":1,"forgotten_total":1/)
    t += 3_600_000
    await outbox.enqueue(D, [{ id: 'e', payload: {}, at: t }])
    expect(warned()).toHaveLength(2)
    expect(warned()[1]).toMatch(/"forgotten":1,"forgotten_total":2/)
    expect(warned().join('')).not.toMatch(/"a"|"b"/)
  })

  it('the count is exposed as tagwarden_event_ids_forgotten_early', async () => {
    const storage = createStorage({ driver: memoryDriver() })
    const outbox = createOutbox(storage, { maxRememberedIds: 1, log: createLogger('silent') })
    const metrics = createMetrics({ now: Date.now, destinations: [D], forgottenEarly: () => outbox.queue.forgottenEarly?.() ?? 0 })
    for (const id of ['a', 'b', 'c']) {
      await outbox.enqueue(D, [{ id, payload: {}, at: Date.now() }])
      const [l] = await outbox.queue.lease(D, 10, 1000, Infinity)
      await outbox.queue.settle(D, l, { sent: [id], dead: [], retry: [], notBefore: 0 })
    }
    expect(await metrics.registry.render()).toMatch(/^tagwarden_event_ids_forgotten_early 2$/m)
  })
})

describe('outbox depth cap', () => {
  it('refuses an enqueue beyond TAGWARDEN_MAX_QUEUE with OutboxFullError naming the destination; accepts again once delivered', async () => {
    const storage = createStorage({ driver: memoryDriver() })
    const outbox = createOutbox(storage, { maxQueue: 3 })
    expect(await outbox.enqueue(D, [item('a'), item('b')])).toEqual([true, true])
    const full = await outbox.enqueue(D, [item('c'), item('d')]).catch((e: unknown) => e)
    expect(full).toBeInstanceOf(OutboxFullError)
    expect(full).toMatchObject({ dest: D, depth: 2, max: 3 })
    expect(await outbox.depth(D)).toBe(2)
    // Requests in the same tick count against the cap together.
    const same = await Promise.allSettled([outbox.enqueue(D, [item('c')]), outbox.enqueue(D, [item('d')])])
    expect(same.map((r) => r.status)).toEqual(['fulfilled', 'rejected'])
    const leases = await outbox.queue.lease(D, 10, 1000)
    for (const l of leases) await outbox.queue.settle(D, l, { sent: l.items.map((i) => i.id), dead: [], retry: [], notBefore: 0 })
    expect(await outbox.enqueue(D, [item('d')])).toEqual([true])
  })

  it('depth stays exact through leases, retries, dead letters and a restart (local store)', async () => {
    const storage = createStorage({ driver: memoryDriver() })
    const q = createLocalQueue(storage)
    await q.commit(D, [item('a'), item('b'), item('c')])
    const [l] = await q.lease(D, 10, 1000)
    await q.settle(D, l, { sent: ['a'], dead: [{ dest: D, item: l.items[1], reason: 'x', deadAt: Date.now() }], retry: [l.items[2]], notBefore: 0 })
    expect(await q.depth(D)).toBe(1)
    expect(await createLocalQueue(storage).depth(D)).toBe(1)
  })
})

describe.skipIf(redisAvailability() === 'skip')('outbox depth cap on Redis', () => {
  const client = redisClientForSuite()

  it('uses the shared count (read at most once a second, plus what this instance added)', async () => {
    await client().flushall()
    let t = Date.now()
    const storage = createStorage({ driver: memoryDriver() })
    const other = createOutbox(storage, { redis: client(), maxQueue: 3, now: () => t })
    const outbox = createOutbox(storage, { redis: client(), maxQueue: 3, now: () => t })
    expect(await outbox.enqueue(D, [item('a')])).toEqual([true])
    expect(await other.enqueue(D, [item('b'), item('c')])).toEqual([true, true])
    // This instance's count is up to a second stale: it still believes 1 is waiting.
    expect(await outbox.enqueue(D, [item('b')])).toEqual([false])
    t += 1_000
    await expect(outbox.enqueue(D, [item('d')])).rejects.toMatchObject({ name: 'OutboxFullError', dest: D, depth: 3, max: 3 })
  })
})
