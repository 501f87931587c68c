// Measurements that back the design (printed, and bounded so a regression fails): group commit
// versus one storage write per event on the fs store, and CAPI requests per 1,000 events.
import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createStorage, type Storage } from 'unstorage'
import fsLiteDriver from 'unstorage/drivers/fs-lite'
import { createOutbox } from '../../server/delivery/outbox'
import { startFakeCapi } from '../fakes/fake-capi'
import { postEvents } from '../helpers/build-app'
import { DEST, allSettled, liveApp, pageVisit, waitFor } from './harness'

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

function countingFs(): { storage: Storage; writes: () => number } {
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-'))
  dirs.push(dir)
  const storage = createStorage({ driver: fsLiteDriver({ base: dir }) })
  let writes = 0
  const setItem = storage.setItem.bind(storage)
  storage.setItem = ((key: string, value: unknown, opts?: unknown) => {
    writes++
    return setItem(key, value as never, opts as never)
  }) as Storage['setItem']
  return { storage, writes: () => writes }
}

const N = 5_000
const item = (i: number) => ({ id: `ev-${i}`, payload: pageVisit(`ev-${i}`), at: Date.now() })

describe('measurements', () => {
  it('group commit: 5,000 concurrent accepts → a handful of fs writes, far faster than one write per event', async () => {
    const grouped = countingFs()
    const outbox = createOutbox(grouped.storage)
    await outbox.depth(DEST)
    let t = performance.now()
    const fresh = await Promise.all(Array.from({ length: N }, (_, i) => outbox.enqueue(DEST, [item(i)])))
    const groupedMs = performance.now() - t
    expect(fresh.flat().every(Boolean)).toBe(true)

    const single = countingFs()
    const perEvent = createOutbox(single.storage)
    await perEvent.depth(DEST)
    t = performance.now()
    await Promise.all(Array.from({ length: N }, (_, i) => perEvent.queue.commit(DEST, [{ ...item(i), attempts: 0 }])))
    const singleMs = performance.now() - t

    const rate = (ms: number) => Math.round((N / ms) * 1000)
    console.log(`[measure] outbox on fs, ${N} concurrent accepts: group commit ${grouped.writes()} writes, ${Math.round(groupedMs)} ms (${rate(groupedMs)} events/s); one write per event ${single.writes()} writes, ${Math.round(singleMs)} ms (${rate(singleMs)} events/s)`)
    expect(grouped.writes()).toBeLessThanOrEqual(5)
    expect(single.writes()).toBe(N)
    expect(groupedMs).toBeLessThan(singleMs)
    expect(await createOutbox(grouped.storage).depth(DEST)).toBe(N)
  }, 60_000)

  it('CAPI requests per 1,000 events under steady load (default 1 s flush, batches ≤ 1,000)', async () => {
    const fake = await startFakeCapi()
    const { tw } = await liveApp(fake, {}, { flushIntervalMs: 1000 })
    try {
      tw.start()
      const acked: string[] = []
      for (let round = 0; round < 10; round++) {
        await Promise.all(
          Array.from({ length: 10 }, async (_, r) => {
            const ids = Array.from({ length: 50 }, (_, i) => `steady-${round}-${r}-${i}`)
            const res = await postEvents(tw, { data: ids.map((id) => pageVisit(id)) })
            if (res.status === 202) acked.push(...ids)
          }),
        )
      }
      await waitFor('all delivered', () => allSettled(tw, fake, acked), 10_000)
      const perThousand = (fake.requests.length / acked.length) * 1000
      console.log(`[measure] ${acked.length} events → ${fake.requests.length} CAPI requests (${perThousand.toFixed(1)} per 1,000 events; largest batch ${Math.max(...fake.requests.map((r) => (r.body as { data: unknown[] }).data.length))})`)
      expect(fake.requests.every((r) => (r.body as { data: unknown[] }).data.length <= 1000)).toBe(true)
      expect(perThousand).toBeLessThanOrEqual(4)
    } finally {
      await tw.close(0)
      await fake.close()
    }
  }, 30_000)
})
