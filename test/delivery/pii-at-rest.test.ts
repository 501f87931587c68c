// Raw identifiers at rest leave on a timer, also when nothing else happens: a delivered event's
// outbox segment file (raw IP, user agent, click id) goes once the segment is closed (60 s after it
// was opened; scaled down here), and the dry-run payloads the journal shows are dropped after an hour.
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TagwardenApp } from '../../server/app'
import { createStore } from '../../server/storage/create-store'
import { JOURNAL_PAYLOAD_TTL_MS } from '../../server/journal'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { buildApp, liveCapi, postEvents } from '../helpers/build-app'
import { DEST, FAST, pageVisit, waitFor } from './harness'

const dirs: string[] = []
let fake: FakeCapi | undefined
let tw: TagwardenApp | undefined
afterEach(async () => {
  await tw?.close(0)
  tw = undefined
  await fake?.close()
  fake = undefined
})
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'tw-pii-'))
  dirs.push(d)
  return d
}
const segmentFiles = (dir: string) => {
  try {
    return readdirSync(join(dir, 'outbox-log', DEST))
  } catch {
    return []
  }
}

describe('raw identifiers at rest', () => {
  it('fs: the segment file of delivered events is removed on an idle server once the segment is closed', async () => {
    fake = await startFakeCapi()
    const dir = tmp()
    tw = await buildApp({ ...liveCapi(fake.url), TAGWARDEN_STORAGE: `fs:${dir}` }, { store: createStore({ kind: 'fs', dir }), delivery: { ...FAST, segmentMaxAgeMs: 400 } })
    tw.start()
    expect((await postEvents(tw, { data: [pageVisit('pii-1', { user_data: { client_ip_address: '198.51.100.77', client_user_agent: 'Mozilla/5.0 (pii test)' } })] })).status).toBe(202)
    const [file] = segmentFiles(dir)
    expect(readFileSync(join(dir, 'outbox-log', DEST, file), 'utf8')).toContain('198.51.100.77')
    await waitFor('delivered', () => fake!.received.length === 1)
    // Nothing else arrives: the timer alone closes the segment, and a closed segment with nothing
    // waiting is deleted.
    await waitFor('segment file removed', () => segmentFiles(dir).length === 0)
    // Still works afterwards: the next event opens a new segment.
    expect((await postEvents(tw, { data: [pageVisit('pii-2')] })).status).toBe(202)
    await waitFor('delivered', () => fake!.received.length === 2)
    await waitFor('second segment removed too', () => segmentFiles(dir).length === 0)
  })

  it('a segment whose events still wait is kept until they are delivered, then removed', async () => {
    fake = await startFakeCapi()
    fake.setFaults({ down: true })
    const dir = tmp()
    tw = await buildApp({ ...liveCapi(fake.url), TAGWARDEN_STORAGE: `fs:${dir}` }, { store: createStore({ kind: 'fs', dir }), delivery: { ...FAST, segmentMaxAgeMs: 200 } })
    tw.start()
    await postEvents(tw, { data: [pageVisit('wait-1')] })
    const [first] = segmentFiles(dir)
    await waitFor('a failed attempt', () => tw!.runtime.dispatcher.status()[DEST].state === 'waiting')
    await waitFor('the segment closed (a new event opens another)', async () => {
      await postEvents(tw!, { data: [pageVisit(`wait-${Date.now()}`)] })
      return segmentFiles(dir).length >= 2
    })
    expect(segmentFiles(dir)).toContain(first)
    fake.setFaults({})
    await waitFor('all delivered and every segment gone', async () => (await tw!.runtime.outbox.depth(DEST)) === 0 && segmentFiles(dir).length === 0)
  })

  it('dry-run payloads (raw IP, UA, click id) leave the journal after an hour, on an idle server', async () => {
    const clock = { t: Date.now() }
    tw = await buildApp({}, { now: () => clock.t, delivery: { flushIntervalMs: 20 } })
    tw.start()
    await postEvents(tw, { data: [pageVisit('dry-1', { user_data: { client_ip_address: '203.0.113.99', client_user_agent: 'Mozilla/5.0 (dry)' } })] })
    const payload = () => tw!.runtime.journal.recent().find((e) => e.event_id === 'dry-1')?.destinations[DEST]?.payload
    await waitFor('dry-run payload recorded', () => payload() !== undefined)
    expect(JSON.stringify(payload())).toContain('203.0.113.99')
    clock.t += JOURNAL_PAYLOAD_TTL_MS + 1_000
    await waitFor('payload dropped by the tick', () => payload() === undefined)
    expect(tw.runtime.journal.recent().find((e) => e.event_id === 'dry-1')?.destinations[DEST]?.state).toBe('dry-run')
  })

  it('a journal stored with payloads (by an older version) is rewritten without them at the first tick', async () => {
    const store = createStore({ kind: 'memory' })
    await store.storage.setItem('journal:recent', [
      { event_id: 'old-1', name: 'page_visit', source: 'api', time: 1, received: 1, identifiers: ['client_ip_address'], destinations: { [DEST]: { action: 'allow', rule: 'default', state: 'dry-run', payload: { user_data: { client_ip_address: '192.0.2.55' } } } } },
    ])
    tw = await buildApp({}, { store, delivery: { flushIntervalMs: 20 } })
    expect(JSON.stringify(tw.runtime.journal.recent())).not.toContain('192.0.2.55')
    tw.start()
    await waitFor('stored journal rewritten', async () => !JSON.stringify(await store.storage.getItem('journal:recent')).includes('192.0.2.55'))
    expect(JSON.stringify(await store.storage.getItem('journal:recent'))).toContain('old-1')
  })
})
