// When tagwarden cannot know whether Pinterest processed a request (answer lost, answer later than
// the timeout, process killed mid-request), it sends those events again with the same event_id —
// and only those: at most the events of the requests in flight when the first answer went missing
// (TAGWARDEN_MAX_IN_FLIGHT × 1,000 per instance), plus one event per further lost probe.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TagwardenApp } from '../../server/app'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { liveCapi } from '../helpers/build-app'
import { Redis } from 'ioredis'
import { redisAvailability, startRedis, type RedisServer } from '../helpers/redis'
import { assertBuilt, kill9, loadLoop, startChild, type Child } from './child'
import { acceptEvents, liveApp, waitFor } from './harness'

const IN_FLIGHT = 4
const BATCH = 1000
let fake: FakeCapi
let tw: TagwardenApp | undefined
const children: Child[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null) await kill9(c)
  await tw?.close(0)
  tw = undefined
  await fake?.close()
})
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

const copies = () => {
  const m = new Map<string, number>()
  for (const r of fake.received) m.set(r.event.event_id, (m.get(r.event.event_id) ?? 0) + 1)
  return m
}
const extra = () => fake.received.length - copies().size
/** Nothing waits and nothing is in flight: no further copy can be sent. */
const idle = async (app: TagwardenApp) => (await app.runtime.outbox.depth('pinterest-capi')) === 0 && app.runtime.dispatcher.status()['pinterest-capi'].in_flight === 0
const childIdle = async (url: string) => {
  const h = await (await fetch(`${url}/tw/_/health`)).json()
  return h.outbox['pinterest-capi'] === 0 && h.delivery['pinterest-capi'].in_flight === 0
}
const received = (ids: string[]) => {
  const at = copies()
  return ids.every((id) => at.has(id))
}

describe('unknown outcomes, in process (timings scaled down)', () => {
  it('answers lost after Pinterest processed them, for a while: re-sends stay within the requests first in flight plus one event per lost probe', async () => {
    fake = await startFakeCapi()
    ;({ tw } = await liveApp(fake, {}, { backoff: { baseMs: 50, maxMs: 250, maxRetryAfterMs: 250, random: Math.random } }))
    const acked = await acceptEvents(tw, 'lost', 5000)
    fake.setFaults({ loseRate: 1 })
    tw.start()
    await waitFor('several answers lost', () => fake.lost >= IN_FLIGHT + 4)
    fake.setFaults({})
    await waitFor('everything delivered', () => received(acked))
    await waitFor('idle', () => idle(tw!))
    console.log(`[unknown] ${fake.lost} answers lost; ${extra()} extra copies at Pinterest`)
    expect(extra()).toBeLessThanOrEqual(IN_FLIGHT * BATCH + fake.lost)
    // Lost probes carried one event each: no event went out more than a few times…
    const many = [...copies()].filter(([, n]) => n > 2)
    expect(many.length).toBeLessThanOrEqual(1)
  })

  it('answers later than the request timeout: the timeout doubles (up to half the lease), the backlog goes through with at most one extra copy per event', async () => {
    fake = await startFakeCapi()
    ;({ tw } = await liveApp(fake, {}, { requestTimeoutMs: 1_000, leaseMs: 10_000, backoff: { baseMs: 50, maxMs: 250, maxRetryAfterMs: 250, random: Math.random } }))
    const acked = await acceptEvents(tw, 'late', 5000)
    // Every answer comes 2 s after Pinterest processed the request, and stays that slow.
    fake.setFaults({ answerDelayMs: 2_000 })
    tw.start()
    await waitFor('everything delivered while answers stay slow', () => received(acked), 60_000)
    await waitFor('idle', () => idle(tw!), 10_000)
    console.log(`[unknown] ${fake.lost} answers came after the timeout; ${extra()} extra copies at Pinterest`)
    expect(fake.lost).toBeGreaterThan(0)
    expect(extra()).toBeLessThanOrEqual(IN_FLIGHT * BATCH + fake.lost)
    expect([...copies()].filter(([, n]) => n > 2).length).toBeLessThanOrEqual(1)
  })
})

describe('unknown outcomes at a kill -9 (child processes, no freeze)', () => {
  beforeAll(assertBuilt)

  it('fs: re-sends after restart are at most the requests in flight at the kill', async () => {
    fake = await startFakeCapi()
    fake.setFaults({ delayMs: 100 })
    const dir = mkdtempSync(join(tmpdir(), 'tw-unknown-'))
    dirs.push(dir)
    const env = { ...liveCapi(fake.url), TAGWARDEN_STORAGE: `fs:${dir}` }
    const first = await startChild(env)
    children.push(first)
    let urls = [first.url]
    const load = loadLoop(() => urls, 'kfs', 600, 4)
    await waitFor('load accepted and partly delivered', () => load.acked.length >= 6000 && fake.received.length >= 3000, 30_000)
    await waitFor('requests in flight', () => fake.held.length >= 1, 10_000)
    await kill9(first)
    urls = []
    await load.stop()
    const second = await startChild(env)
    children.push(second)
    await waitFor('every acked event delivered after restart', () => received(load.acked), 30_000)
    await waitFor('idle', () => childIdle(second.url))
    console.log(`[unknown] fs kill: ${extra()} events sent twice`)
    expect(extra()).toBeLessThanOrEqual(IN_FLIGHT * BATCH)
  }, 90_000)

  describe.skipIf(redisAvailability() === 'skip')('on Redis', () => {
    let redis: RedisServer
    beforeAll(async () => {
      redis = await startRedis()
    })
    afterAll(async () => redis?.stop())

    it('two instances, one killed: the survivor re-sends at most the requests the dead one had in flight', async () => {
      fake = await startFakeCapi()
      fake.setFaults({ delayMs: 100 })
      const env = { ...liveCapi(fake.url), TAGWARDEN_STORAGE: redis.url }
      const a = await startChild({ ...env, PINTEREST_ACCESS_TOKEN: 'pina_instance_a_token' })
      const b = await startChild(env)
      children.push(a, b)
      let urls = [a.url, b.url]
      const load = loadLoop(() => urls, 'kredis', 600, 4)
      await waitFor('load over both, partly delivered', () => load.acked.length >= 8000 && fake.received.length >= 3000, 30_000)
      await waitFor('a request of the instance to kill in flight', () => fake.held.includes('Bearer pina_instance_a_token'), 10_000)
      await kill9(a)
      urls = [b.url]
      await load.stop()
      await waitFor('every acked event delivered by the survivor', () => received(load.acked), 40_000)
      // The dead instance's leases ran out and the survivor settled what they held: no segment is
      // left to lease, so no further copy can go.
      const client = new Redis(redis.url)
      try {
        await waitFor('no segment left, leased or not', async () => (await client.zcard('tagwarden:q:{pinterest-capi}:ready')) === 0 && (await client.keys('tagwarden:q:{pinterest-capi}:lease:*')).length === 0, 20_000)
      } finally {
        client.disconnect()
      }
      await waitFor('idle', () => childIdle(b.url))
      console.log(`[unknown] redis kill: ${extra()} events sent twice`)
      expect(extra()).toBeLessThanOrEqual(IN_FLIGHT * BATCH)
    }, 90_000)
  })
})
