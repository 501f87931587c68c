// The fs outbox's record of finished event_ids: append-only slice files, read back line by line at
// start, expired a whole slice at a time; a torn last line is skipped; older key pieces still count.
import { afterAll, describe, expect, it } from 'vitest'
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createStorage } from 'unstorage'
import fsLiteDriver from 'unstorage/drivers/fs-lite'
import { createDoneFileLog, DONE_LOG_DIR } from '../../server/delivery/done-file-log'
import { createDoneLog, type DoneEntry } from '../../server/delivery/done-log'
import { createLocalQueue } from '../../server/delivery/local-queue'
import { item } from './queue-contract'

const D = 'pinterest-capi'
const H = 3_600_000
const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'tw-done-'))
  dirs.push(d)
  return d
}
const files = (dir: string) => readdirSync(join(dir, DONE_LOG_DIR, D)).sort()
async function readAll(dir: string, now: number): Promise<DoneEntry[]> {
  const out: DoneEntry[] = []
  await createDoneFileLog(dir, { now: () => now, ttlMs: 48 * H, passive: true }).load([], (e) => out.push(e))
  return out
}

describe('done log files (fs)', () => {
  it('one line per settled request (appends in one tick share it), read back in order at start', async () => {
    const dir = tmp()
    const t = 1_800_000_000_000
    const log = createDoneFileLog(dir, { now: () => t, ttlMs: 48 * H })
    await Promise.all([log.append(D, ['a', 'b'], []), log.append(D, ['c'], ['x'])])
    await log.append(D, ['d'], [])
    await log.close?.()
    const lines = readFileSync(join(dir, DONE_LOG_DIR, D, files(dir)[0]), 'utf8').trim().split('\n')
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { at: t, s: ['a', 'b', 'c'], d: ['x'] },
      { at: t, s: ['d'], d: [] },
    ])
    expect(await readAll(dir, t)).toEqual([
      { dest: D, state: 'dead', at: t, ids: ['x'] },
      { dest: D, state: 'sent', at: t, ids: ['a', 'b', 'c'] },
      { dest: D, state: 'sent', at: t, ids: ['d'] },
    ])
  })

  it('a torn last line (kill -9 mid-write) is skipped: that outcome was never recorded', async () => {
    const dir = tmp()
    const t = 1_800_000_000_000
    const log = createDoneFileLog(dir, { now: () => t, ttlMs: 48 * H })
    await log.append(D, ['kept'], [])
    await log.close?.()
    appendFileSync(join(dir, DONE_LOG_DIR, D, files(dir)[0]), '{"at":1800000000000,"s":["to')
    expect((await readAll(dir, t)).flatMap((e) => e.ids)).toEqual(['kept'])
  })

  it('drops whole 10-minute slices once older than 48 h, keeps the rest', async () => {
    const dir = tmp()
    let t = 1_800_000_000_000
    const log = createDoneFileLog(dir, { now: () => t, ttlMs: 48 * H })
    await log.append(D, ['old'], [])
    t += 24 * H
    await log.append(D, ['mid'], [])
    t += 25 * H
    await log.append(D, ['new'], [])
    await log.close?.()
    expect(files(dir)).toHaveLength(2)
    expect((await readAll(dir, t)).flatMap((e) => e.ids)).toEqual(['mid', 'new'])
  })

  it('the local outbox on fs remembers across restarts what was sent, from the files and from key pieces of an older version', async () => {
    const dir = tmp()
    const storage = createStorage({ driver: fsLiteDriver({ base: dir }) })
    // An older version wrote done pieces as storage keys.
    await createDoneLog(storage, Date.now, 48 * H).append(D, ['legacy-sent'], [])
    const q = createLocalQueue(storage, Date.now, { dir })
    await q.commit(D, [item('new-sent'), item('waits')])
    const [lease] = await q.lease(D, 10, 60_000)
    await q.settle(D, lease, { sent: ['new-sent'], dead: [], retry: [], notBefore: 0, keep: true })
    await q.close()
    const again = createLocalQueue(createStorage({ driver: fsLiteDriver({ base: dir }) }), Date.now, { dir })
    expect(await again.wasSent(D, ['legacy-sent', 'new-sent', 'waits'])).toEqual([true, true, false])
    expect(await again.commit(D, [item('legacy-sent'), item('new-sent'), item('fresh')])).toEqual([false, false, true])
    expect((await again.lease(D, 10, 60_000)).flatMap((l) => l.items.map((i) => i.id)).sort()).toEqual(['fresh', 'waits'])
    await again.close()
  })
})
