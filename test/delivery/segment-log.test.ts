// The fs outbox as append-only segment files: one append per group commit, rotation, deletion of
// finished segments, a torn last line after a kill -9, and a replay written by a passive process.
import { afterAll, describe, expect, it } from 'vitest'
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createStorage } from 'unstorage'
import fsLiteDriver from 'unstorage/drivers/fs-lite'
import { createLocalQueue } from '../../server/delivery/local-queue'
import { SEGMENT_MAX_AGE_MS, SEGMENT_MAX_ITEMS } from '../../server/delivery/segment-log'
import type { Lease, QueueStore } from '../../server/delivery/types'
import { createStore } from '../../server/storage/create-store'
import { item, queueContract } from './queue-contract'

const D = 'pinterest-capi'
const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'tw-seglog-'))
  dirs.push(d)
  return d
}
const open = (dir: string, now: () => number = Date.now, passive = false) =>
  createLocalQueue(createStorage({ driver: fsLiteDriver({ base: dir }) }), now, { dir, passive })
const segments = (dir: string) => {
  try {
    return readdirSync(join(dir, 'outbox-log', D)).filter((n) => n.endsWith('.ndjson')).sort()
  } catch {
    return []
  }
}
const ids = (leases: Lease[]) => leases.flatMap((l) => l.items.map((i) => i.id)).sort()
const sendAll = async (q: QueueStore) => {
  for (const l of await q.lease(D, 1e9, 60_000, Infinity)) await q.settle(D, l, { sent: l.items.map((i) => i.id), dead: [], retry: [], notBefore: 0 })
}

describe('local outbox store on fs segment files', () => {
  queueContract(async (now) => {
    const dir = tmp()
    const queues: QueueStore[] = []
    const make = () => {
      const q = open(dir, now)
      queues.push(q)
      return q
    }
    return { queue: make(), reopen: async () => make(), cleanup: async () => void (await Promise.all(queues.map((q) => q.close()))) }
  })
})

describe('fs segment files', () => {
  it('appends every group commit to one open file: one JSON line per commit, no new file', async () => {
    const dir = tmp()
    const q = open(dir)
    for (let i = 0; i < 50; i++) await q.commit(D, [item(`a${i}`), item(`b${i}`)])
    expect(segments(dir)).toHaveLength(1)
    const lines = readFileSync(join(dir, 'outbox-log', D, segments(dir)[0]), 'utf8').trim().split('\n')
    expect(lines).toHaveLength(50)
    expect(JSON.parse(lines[0])).toMatchObject({ t: expect.any(Number), items: [{ id: 'a0' }, { id: 'b0' }] })
    // The store's key listing does not see segment files.
    const store = createStore({ kind: 'fs', dir })
    expect((await store.storage.getKeys()).some((k) => k.startsWith('outbox-log'))).toBe(false)
    expect(store.dir).toBe(dir)
    await q.close()
  })

  it('rotates after SEGMENT_MAX_ITEMS items or SEGMENT_MAX_AGE_MS, and deletes a closed segment once everything in it is finished', async () => {
    const dir = tmp()
    let t = 1_800_000_000_000
    const q = open(dir, () => t)
    const big = Array.from({ length: SEGMENT_MAX_ITEMS }, (_, i) => item(`big-${i}`, { payload: null }))
    await q.commit(D, big)
    await q.commit(D, [item('next')]) // the first file is full: a second one is opened
    expect(segments(dir)).toHaveLength(2)
    t += SEGMENT_MAX_AGE_MS
    await q.commit(D, [item('later')]) // the second is old: a third
    expect(segments(dir)).toHaveLength(3)
    // Finish what is in the first (closed) file only: it goes, the others stay.
    const leases = await q.lease(D, 1e9, 60_000, Infinity)
    const first = leases.find((l) => l.items.some((i) => i.id === 'big-0'))!
    await q.settle(D, first, { sent: first.items.map((i) => i.id), dead: [], retry: [], notBefore: 0 })
    expect(segments(dir)).toHaveLength(2)
    for (const l of leases.filter((l) => l !== first)) await q.settle(D, l, { sent: l.items.map((i) => i.id), dead: [], retry: [], notBefore: 0 })
    // The closed second file is deleted; the open third one, empty now, is young: kept open.
    expect(segments(dir)).toHaveLength(1)
    expect(await q.depth(D)).toBe(0)
    // Once it is old and a settle empties it, it is closed and deleted too.
    await q.commit(D, [item('last')])
    t += SEGMENT_MAX_AGE_MS
    await sendAll(q)
    expect(segments(dir)).toHaveLength(0)
    await q.close()
  })

  it('after kill -9 mid-write: a torn last line is ignored, everything acknowledged is queued again, finished segments are deleted', async () => {
    const dir = tmp()
    const q = open(dir)
    await q.commit(D, [item('p1'), item('p2')])
    await q.commit(D, [item('done')])
    const leases = await q.lease(D, 10, 60_000)
    const l = leases.find((x) => x.items.some((i) => i.id === 'done'))!
    await q.settle(D, l, { sent: ['done'], dead: [], retry: [], notBefore: 0 })
    // The process dies in the middle of writing the next commit (never acknowledged), file not closed.
    const [file] = segments(dir)
    appendFileSync(join(dir, 'outbox-log', D, file), JSON.stringify({ t: Date.now(), items: [item('torn')] }).slice(0, 40))
    const again = open(dir)
    expect(await again.depth(D)).toBe(2)
    expect(ids(await again.lease(D, 10, 0))).toEqual(['p1', 'p2'])
    expect(await again.commit(D, [item('done'), item('torn'), item('p1')])).toEqual([false, true, false])
    // The new process appends to a new file of its own, never after the torn line.
    expect(segments(dir)).toHaveLength(2)
    await sendAll(again)
    await again.close()
    const third = open(dir)
    expect(await third.depth(D)).toBe(0)
    await third.wasSent(D, [])
    expect(segments(dir)).toHaveLength(0) // every commit in both files finished: both deleted at start
    expect(await third.commit(D, [item('p1'), item('torn')])).toEqual([false, false])
    await third.close()
  })

  it('a replay by a passive process (the dlq CLI) is a complete segment of its own that the server picks up; the CLI deletes nothing', async () => {
    const dir = tmp()
    const server = open(dir)
    await server.commit(D, [item('x'), item('ok')])
    const [lease] = await server.lease(D, 10, 60_000)
    await server.settle(D, lease, { sent: ['ok'], dead: [{ dest: D, item: lease.items.find((i) => i.id === 'x')!, reason: 'rejected', deadAt: Date.now() }], retry: [], notBefore: 0 })
    await server.commit(D, [item('waiting')])
    const before = segments(dir)

    const cli = open(dir, Date.now, true)
    expect((await cli.replay(D, ['x'])).replayed).toEqual(['x'])
    await cli.close()
    const after = segments(dir)
    expect(after).toHaveLength(before.length + 1)
    expect(after).toEqual(expect.arrayContaining(before))
    expect(readdirSync(join(dir, 'outbox-log', D)).some((n) => n.endsWith('.tmp'))).toBe(false)

    // The server sees the marker on its next lease and sends x (once); the CLI's segment is deleted after.
    expect(ids(await server.lease(D, 10, 0))).toEqual(['waiting', 'x'])
    await sendAll(server)
    expect(segments(dir)).toHaveLength(1) // only the server's open segment
    expect(await server.wasSent(D, ['x', 'ok', 'waiting'])).toEqual([true, true, true])
    await server.close()
  })
})
