// kill -9 under load, restart, and every event acknowledged before the kill is delivered exactly once.
// The server runs in a child process from the built package (the test command builds first).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { buildApp, liveCapi, postEvents } from '../helpers/build-app'
import { createStore } from '../../server/storage/create-store'
import { assertBuilt, kill9, kill9Holding, loadLoop, queueUntouched, sentByChild, startChild, type Child } from './child'
import { FAST, expectExactlyOnce, pageVisit, waitFor } from './harness'

const dirs: string[] = []
const children: Child[] = []
let fake: FakeCapi
beforeAll(assertBuilt)
afterEach(async () => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null) await kill9(c)
  await fake?.close()
})
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'tw-crash-'))
  dirs.push(d)
  return d
}
const received = (ids: string[]) => {
  const at = new Set(fake.received.map((r) => r.event.event_id))
  return ids.every((id) => at.has(id))
}

describe('crash recovery (fs outbox, child process, SIGKILL)', () => {
  it('every event acked before kill -9 is delivered exactly once after restart; nothing Pinterest confirmed is sent again', async () => {
    fake = await startFakeCapi()
    // Slow answers keep requests in flight, so the kill lands mid-batch. Bodies of 600 events make
    // leases of two segments (1,200 events), sent as two requests: the first one's outcome must be
    // on disk before the second goes.
    fake.setFaults({ delayMs: 150 })
    const env = { ...liveCapi(fake.url), TAGWARDEN_STORAGE: `fs:${tmp()}` }
    const first = await startChild(env)
    children.push(first)
    let urls = [first.url]
    const load = loadLoop(() => urls, 'crash', 600, 4)
    await waitFor('load accepted and partly delivered', () => load.acked.length >= 6000 && fake.received.length >= 2000, 30_000)
    // Hold Pinterest's answers so no response is between "Pinterest processed" and "we wrote it down"
    // at the instant of the kill (that window is the documented at-least-once case, tested below).
    fake.freeze()
    await waitFor('requests in flight', () => fake.held.length >= 1, 5_000)
    // Answers sent just before the freeze may still be on their way or being written down by the
    // child (on a loaded 2-core machine that can take long): wait until the child has settled every
    // event Pinterest answered, then a moment for the outcome's write, so the kill never lands in
    // the documented window.
    // (The sent count moves only once the outcome is on disk: server/delivery/sender.ts settles first.)
    await waitFor('the child settled every answer it got', async () => (await sentByChild(first.url)) >= fake.received.length, 10_000)
    await kill9Holding(first, fake)
    urls = []
    await load.stop()
    const acked = [...load.acked]
    const beforeRestart = fake.received.length
    fake.thaw()
    expect(acked.length).toBeGreaterThanOrEqual(6000)
    expect(beforeRestart).toBeLessThan(acked.length)

    const second = await startChild(env)
    children.push(second)
    await waitFor('every acked event delivered after restart', () => received(acked), 30_000)
    await waitFor('nothing left to send', async () => {
      const h = await (await fetch(`${second.url}/tw/_/health`)).json()
      return h.outbox['pinterest-capi'] === 0 && h.delivery['pinterest-capi'].in_flight === 0
    })
    console.log(`[crash] acked ${acked.length} of ${load.offered.length} offered; ${beforeRestart} at Pinterest before the kill; ${fake.dropped} requests cut in flight`)
    // The kill really landed mid-batch: requests were in flight and died with the process.
    expect(fake.dropped).toBeGreaterThan(0)
    expectExactlyOnce(fake, acked)
    // Unacked requests cut by the kill may or may not have been persisted — never twice either way.
    expect(fake.received.length).toBeLessThanOrEqual(load.offered.length)
    const health = await (await fetch(`${second.url}/tw/_/health`)).json()
    expect(health.outbox['pinterest-capi']).toBe(0)
  }, 90_000)

  it('a lease sent as two requests (1,000 + 200): the first one\'s confirmed events are on disk before the second goes, so a kill -9 between them re-sends none of them', async () => {
    fake = await startFakeCapi()
    const env = { ...liveCapi(fake.url), TAGWARDEN_STORAGE: `fs:${tmp()}` }
    // Queue 1,200 events while Pinterest holds every request (none processed), then kill that process.
    const ids = Array.from({ length: 1200 }, (_, i) => `two-${i}`)
    await queueUntouched(fake, env, ids)
    expect(fake.received).toHaveLength(0)
    // The next process leases all 1,200 at once: Pinterest confirms the first 1,000, holds the 200.
    fake.freezeAfter(1)
    const victim = await startChild(env)
    children.push(victim)
    await waitFor('first request confirmed, second held', () => fake.received.length === 1000 && fake.held.length === 1)
    await kill9Holding(victim, fake)
    fake.thaw()
    const third = await startChild(env)
    children.push(third)
    await waitFor('every event delivered', () => received(ids))
    await waitFor('nothing left to send', async () => {
      const h = await (await fetch(`${third.url}/tw/_/health`)).json()
      return h.outbox['pinterest-capi'] === 0 && h.delivery['pinterest-capi'].in_flight === 0
    })
    expectExactlyOnce(fake, ids)
  }, 60_000)

  it('SIGTERM: stops accepting, delivers within the deadline, or leaves the rest persisted for the next start', async () => {
    fake = await startFakeCapi()
    fake.setFaults({ down: true })
    const env = { ...liveCapi(fake.url), TAGWARDEN_STORAGE: `fs:${tmp()}` }
    const first = await startChild({ ...env, TW_DRAIN_MS: '1500' })
    children.push(first)
    const load = loadLoop(() => [first.url], 'term', 20, 2)
    await waitFor('some accepted', () => load.acked.length >= 200, 20_000)
    await load.stop()
    const t = Date.now()
    first.proc.kill('SIGTERM')
    expect(await first.exited).toBe(0)
    expect(Date.now() - t).toBeLessThan(4_000)
    await expect(fetch(`${first.url}/tw/_/health`)).rejects.toThrow()
    expect(fake.received).toHaveLength(0)

    fake.setFaults({})
    const second = await startChild(env)
    children.push(second)
    await waitFor('delivered after restart', () => received(load.acked), 20_000)
    expectExactlyOnce(fake, load.acked)

    // With Pinterest up, SIGTERM drains: everything accepted is delivered before the process exits.
    const more = loadLoop(() => [second.url], 'drain', 50, 2)
    await waitFor('more accepted', () => more.acked.length >= 300, 20_000)
    await more.stop()
    second.proc.kill('SIGTERM')
    expect(await second.exited).toBe(0)
    expect(received(more.acked)).toBe(true)
    expectExactlyOnce(fake, [...load.acked, ...more.acked])
  }, 90_000)

  it('the one honest gap: dying after Pinterest answered but before the outcome is written resends that batch with the same event_ids', async () => {
    fake = await startFakeCapi()
    const dir = tmp()
    // The first process "dies" the instant Pinterest's answer arrives: nothing after that runs.
    const dying: typeof fetch = async (input, init) => {
      await fetch(input, init)
      return new Promise<Response>(() => {})
    }
    const first = await buildApp(liveCapi(fake.url), { store: createStore({ kind: 'fs', dir }), fetch: dying, delivery: FAST })
    await postEvents(first, { data: ['gap-1', 'gap-2'].map((id) => pageVisit(id)) })
    void first.runtime.dispatcher.flush()
    await waitFor('Pinterest processed the batch', () => fake.received.length === 2)
    const second = await buildApp(liveCapi(fake.url), { store: createStore({ kind: 'fs', dir }), delivery: FAST })
    await second.runtime.dispatcher.flush()
    // Sent twice, byte for byte the same event (same event_id), so Pinterest's own dedup by event_id
    // keeps one. This window is one response + one storage write wide; nothing else resends.
    expect(fake.countById('gap-1')).toBe(2)
    expect(fake.received[2].event).toEqual(fake.received[0].event)
    await second.runtime.dispatcher.flush()
    expect(fake.received).toHaveLength(4)
    await second.close(0)
  })
})
