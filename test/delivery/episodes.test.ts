// Waiting after failures, with the PRODUCTION delivery timings (backoff 1 s .. 60 s, Retry-After
// capped at 300 s) on a clock the test moves: a 20 s storm of 429/500/connection resets costs
// seconds after recovery, not minutes; a Retry-After of an hour is capped, and health says the
// destination is degraded meanwhile. Only the tick (1 s → 20 ms real time) is scaled. No step
// depends on how fast the machine is: the test moves the clock and then waits for a condition.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { buildApp, liveCapi } from '../helpers/build-app'
import { ADMIN_TOKEN } from '../helpers/build-app'
import { DEST, acceptEvents, expectExactlyOnce, waitFor } from './harness'

let fake: FakeCapi
let tw: TagwardenApp
/** The app's clock: an hour behind real time (event times stay in Pinterest's past), moved by the test. */
const clock = { t: 0 }
/** Every request to Pinterest: the app's clock when it was sent, and how many events it carried. */
let sent: { at: number; events: number }[] = []
const recording: typeof fetch = (input, init) => {
  sent.push({ at: clock.t, events: (JSON.parse(String(init?.body)) as { data: unknown[] }).data.length })
  return fetch(input, init)
}
beforeEach(async () => {
  fake = await startFakeCapi()
  clock.t = Date.now() - 3_600_000
  sent = []
  tw = await buildApp(liveCapi(fake.url), { now: () => clock.t, fetch: recording, delivery: { flushIntervalMs: 20 } })
})
afterEach(async () => {
  await tw.close(0)
  await fake.close()
})

const status = () => tw.runtime.dispatcher.status()[DEST]
const health = async () => (await tw.fetch(new Request('http://shop.test/tw/_/health', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }))).json()
const metrics = async () => (await tw.fetch(new Request('http://shop.test/tw/_/metrics', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }))).text()
const received = (ids: string[]) => {
  const at = new Set(fake.received.map((r) => r.event.event_id))
  return ids.every((id) => at.has(id))
}
/**
 * The sender has done what the clock allows: no request in flight and, while waiting, the next try
 * still ahead (health shows `until` as now once it is due, until the probe's outcome moves it on).
 */
const caughtUp = () => {
  const s = status()
  return s.in_flight === 0 && (s.state !== 'waiting' || Date.parse(s.until!) > clock.t)
}
/** Move the clock forward by `ms` in steps; after each, wait until the sender has caught up (a probe that fell due has gone and its outcome is recorded). */
async function advance(ms: number, step = 100): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    clock.t += Math.min(step, ms - done)
    // Health shows whole milliseconds: a try due within the next one shows as due now. Move on that
    // millisecond, so that what shows as due is due.
    const s = status()
    if (s.state === 'waiting' && Date.parse(s.until!) === clock.t) clock.t += 1
    await waitFor('the sender caught up with the clock', caughtUp).catch((error: Error) => {
      throw new Error(`${error.message}; at ${new Date(clock.t).toISOString()}: ${JSON.stringify(status())}`)
    })
  }
}

describe('a failure storm', () => {
  it('20 s of 429/500/resets with 5,000 events waiting: parallel failures count once, one-event probes, the backlog drains within a quarter of the storm after recovery', async () => {
    const acked = await acceptEvents(tw, 'storm', 5000)
    fake.setFaults({ resetRate: 1 / 3, rateLimitRate: 0.5, retryAfterS: 1, errorRate: 1, errorStatus: 500, seed: 5 })
    tw.start()
    await waitFor('the first requests failed', () => status().state === 'waiting')
    const since = Date.parse(status().since!)
    await advance(20_000)
    const failures = status().failures!
    fake.setFaults({})
    // Nothing is in flight now (advance waited for it): every request so far met the storm.
    const recoveredAfter = sent.length
    // After the first round (up to TAGWARDEN_MAX_IN_FLIGHT requests at once), every request of the
    // storm was a one-event probe: the backlog never went out again only to fail.
    const storm = sent.slice(0, recoveredAfter)
    expect(storm.slice(4).every((r) => r.events === 1)).toBe(true)
    expect(storm.length).toBeGreaterThan(8)
    // Each probe went only once the backoff was over: at least half the 1 s base after the one before (the clock moves only between them).
    const probes = storm.filter((r) => r.events === 1)
    for (let k = 1; k < probes.length; k++) expect(probes[k].at - probes[k - 1].at).toBeGreaterThanOrEqual(500)
    expect(failures).toBeGreaterThan(4)
    // The wait after recovery is at most a quarter of the episode (or a Retry-After of 1 s + 10 %).
    const until = Date.parse(status().until!)
    expect(until - clock.t).toBeLessThanOrEqual(Math.max(1_100, (clock.t - since) / 4))
    await advance(Math.max(1_100, (clock.t - since) / 4) + 100)
    // The clock stands still now: only a wait within that bound lets the backlog out.
    await waitFor('the backlog delivered after recovery', () => received(acked), 30_000)
    expectExactlyOnce(fake, acked)
    expect(status()).toMatchObject({ state: 'ok' })
    // After recovery: one probe event, then the backlog in full batches (5,000 events, a handful of requests).
    const after = sent.slice(recoveredAfter)
    expect(after[0].events).toBe(1)
    expect(after.reduce((n, r) => n + r.events, 0)).toBe(5000)
    expect(after.length).toBeLessThanOrEqual(10)
  })

  it('four requests in flight failing together are one failed round', async () => {
    await acceptEvents(tw, 'round', 4000)
    fake.freeze()
    fake.failNext(...Array.from({ length: 4 }, () => ({ status: 500 })))
    tw.start()
    await waitFor('four requests in flight', () => fake.held.length === 4)
    fake.thaw()
    await waitFor('four failures answered', () => fake.requests.length === 4)
    await waitFor('their verdicts recorded', () => status().in_flight === 0)
    expect(status()).toMatchObject({ state: 'waiting', reason: 'upstream-5xx', failures: 1 })
    const until = Date.parse(status().until!)
    expect(until - clock.t).toBeLessThanOrEqual(1_000) // the first wait: 0.5–1 s, not 2^3 s
  })
})

describe('Retry-After', () => {
  it('an hour is capped at TAGWARDEN_RETRY_AFTER_MAX_S (300 s); health is degraded with a classified reason and until when, metrics show the wait', async () => {
    const acked = await acceptEvents(tw, 'ra', 10)
    fake.failNext({ status: 429, headers: { 'retry-after': '3600' }, body: { code: 8, message: 'upstream text that must not reach health 7731' } })
    tw.start()
    await waitFor('waiting', () => status().state === 'waiting')
    const s = status()
    expect(s).toMatchObject({ state: 'waiting', reason: 'rate-limited', failures: 1 })
    const wait = Date.parse(s.until!) - clock.t
    expect(wait).toBeGreaterThanOrEqual(300_000)
    expect(wait).toBeLessThanOrEqual(330_000)
    const h = await health()
    expect(h.status).toBe('degraded')
    expect(h.delivery[DEST]).toMatchObject({ state: 'waiting', reason: 'rate-limited', until: s.until })
    expect(h.alerts).toEqual([`[tagwarden] [${DEST}] waiting: rate-limited until ${s.until}`])
    expect(JSON.stringify(h)).not.toContain('7731')
    const m = await metrics()
    expect(m).toMatch(/^tagwarden_destination_waiting\{destination="pinterest-capi"\} 1$/m)
    expect(m).toMatch(/^tagwarden_delivery_waits_total\{destination="pinterest-capi",reason="rate-limited"\} 1$/m)
    const seconds = Number(/^tagwarden_destination_wait_seconds\{destination="pinterest-capi"\} (\S+)$/m.exec(m)?.[1])
    expect(seconds).toBeGreaterThan(299)
    expect(seconds).toBeLessThanOrEqual(330)
    await advance(wait + 1_000, 10_000)
    await waitFor('delivered after the capped wait', () => received(acked))
    expectExactlyOnce(fake, acked)
    // Nothing went before the wait was over; then one probe event, then the rest.
    expect(sent.map((r) => r.events)).toEqual([10, 1, 9])
    expect(sent[1].at - sent[0].at).toBeGreaterThanOrEqual(300_000)
    expect((await health()).status).toBe('ok')
    expect(await metrics()).toMatch(/^tagwarden_destination_waiting\{destination="pinterest-capi"\} 0$/m)
  })
})
