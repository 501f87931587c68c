// Fault tests against the local fake Pinterest CAPI (real HTTP): whatever Pinterest does, every
// accepted event is delivered exactly once (counted by event_id at the fake) or dead-lettered with a
// reason. Timings are the production ones scaled down (see FAST in ./harness).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { ADMIN_TOKEN, postEvents } from '../helpers/build-app'
import { DEST, FAST, allSettled, expectExactlyOnce, idle, liveApp, load, pageVisit, waitFor } from './harness'
import { pinterestCapi } from '../../server/destinations'

let fake: FakeCapi
let tw: TagwardenApp
beforeEach(async () => { fake = await startFakeCapi() })
afterEach(async () => {
  await tw?.close(0)
  await fake.close()
})

const dead = () => tw.runtime.outbox.queue.deadLetters(DEST)
const health = async () => (await tw.fetch(new Request('http://shop.test/tw/_/health', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }))).json()
/**
 * Every accepted event delivered or dead-lettered, and nothing that could still add a copy: no event
 * queued (nothing left to send), no request in flight at tagwarden, none still open at the fake (a
 * request tagwarden gave up on is dropped or recorded by then). Only then is a count final.
 */
const settle = async (acked: string[], timeoutMs = 20_000) => {
  await waitFor('every accepted event delivered or dead-lettered', () => allSettled(tw, fake, acked), timeoutMs)
  await waitFor('nothing queued, in flight or open at the fake', () => idle(tw, fake), timeoutMs)
}

describe('delivery under faults: exactly once or dead-lettered', () => {
  it('429 storm: honours Retry-After (scaled down) and delivers each event once', async () => {
    ;({ tw } = await liveApp(fake, {}, { maxInFlight: 1 }))
    fake.setFaults({ rateLimitRate: 0.6, retryAfterS: 1, seed: 7 })
    tw.start()
    const acked = await load(tw, 'r429', 400, 20, 1, 25)
    await settle(acked)
    expectExactlyOnce(fake, acked, await dead())
    expect(await dead()).toEqual([])
    const r = fake.requests
    const storms = r.filter((x) => x.status === 429).length
    expect(storms).toBeGreaterThan(3)
    // One request at a time: after each 429 the next request waited the (capped) Retry-After of 150 ms.
    for (let i = 0; i + 1 < r.length; i++) if (r[i].status === 429) expect(r[i + 1].at - r[i].at).toBeGreaterThanOrEqual(140)
  })

  it('honours a real Retry-After of 1 s', async () => {
    ;({ tw } = await liveApp(fake, {}, { maxInFlight: 1, backoff: { baseMs: 20, maxMs: 250, maxRetryAfterMs: 3_600_000, random: Math.random } }))
    fake.failNext({ status: 429, headers: { 'retry-after': '1' } })
    tw.start()
    const acked = await load(tw, 'ra', 5, 5)
    await settle(acked)
    expectExactlyOnce(fake, acked)
    // After the wait, one probe event first; the rest once it went through.
    expect(fake.requests.map((x) => x.status)).toEqual([429, 200, 200])
    expect(fake.requests.map((x) => (x.body as { data: unknown[] }).data.length)).toEqual([5, 1, 4])
    expect(fake.requests[1].at - fake.requests[0].at).toBeGreaterThanOrEqual(1000)
  })

  it('50 % of requests answered 503: backoff with jitter, each event once', async () => {
    ;({ tw } = await liveApp(fake))
    fake.setFaults({ errorRate: 0.5, seed: 3 })
    tw.start()
    const acked = await load(tw, 'r503', 600, 25, 2, 25)
    await settle(acked)
    expectExactlyOnce(fake, acked, await dead())
    expect(await dead()).toEqual([])
    expect(fake.requests.filter((x) => x.status === 503).length).toBeGreaterThan(2)
  })

  it('an outage (connections cut): events wait, one-event probes keep to the backoff schedule, then all arrive once', async () => {
    // Every try, when it started and how many events it carried (a probe carries one).
    const tries: { at: number; events: number }[] = []
    const counting: typeof fetch = (input, init) => {
      tries.push({ at: Date.now(), events: (JSON.parse(String(init?.body)) as { data: unknown[] }).data.length })
      return fetch(input, init)
    }
    // No jitter: each wait is then exactly the backoff's delay for the episode's age (server/delivery/backoff.ts).
    const backoff = { ...FAST.backoff!, random: () => 1 }
    let logs: string[]
    ;({ tw, logs } = await liveApp(fake, {}, { backoff }, { fetch: counting }))
    fake.setFaults({ down: true })
    tw.start()
    const acked = await load(tw, 'out', 300, 30)
    const probes = () => tries.filter((t) => t.events === 1)
    await waitFor('12 probes while Pinterest is down', () => probes().length >= 12)
    const p = probes()
    const st = tw.runtime.dispatcher.status()[DEST]
    expect(st).toMatchObject({ state: 'waiting', reason: 'network' })
    // The episode opened with the first failure; each probe that failed since counts one more round.
    expect(st.failures).toBeGreaterThanOrEqual(p.length)
    const since = Date.parse(st.since!)
    // A probe goes only once the wait scheduled by the previous failure is over. That failure came
    // after its request started, and the delay only grows with the episode's age, so each probe starts
    // at least delay(episode age when the previous one started) after it; the first, at least the base
    // delay after the opening failure. The documented delay (server/delivery/backoff.ts, no jitter):
    // a quarter of the episode's age, within baseMs..maxMs.
    const delay = (ageMs: number) => Math.min(backoff.maxMs, Math.max(backoff.baseMs, ageMs / 4))
    const gaps = p.map((x, k) => ({ gap: x.at - (k ? p[k - 1].at : since), min: delay(k ? p[k - 1].at - since : 0) }))
    for (const g of gaps) expect(g.gap).toBeGreaterThanOrEqual(g.min)
    // …and the waits grew: without backoff, probes would follow each 20 ms flush.
    expect(gaps.at(-1)!.gap).toBeGreaterThanOrEqual(4 * backoff.baseMs)
    // Nothing sent, nothing lost meanwhile.
    expect(fake.received).toHaveLength(0)
    expect(await tw.runtime.outbox.depth(DEST)).toBe(300)
    expect(await dead()).toEqual([])
    expect(logs.some((l) => /network error/.test(l))).toBe(true)
    fake.setFaults({})
    await settle(acked)
    expectExactlyOnce(fake, acked, await dead())
    expect(await tw.runtime.outbox.depth(DEST)).toBe(0)
  })

  it('slow responses: requests that time out are retried, and none is counted twice', async () => {
    ;({ tw } = await liveApp(fake))
    fake.setFaults({ delayMs: 2_500, delayRate: 0.3, seed: 7 })
    tw.start()
    const acked = await load(tw, 'slow', 300, 15, 2, 30)
    await settle(acked, 30_000)
    expectExactlyOnce(fake, acked, await dead())
    // The fake counts a request as dropped when its delay ends and the client has gone.
    await waitFor('timed-out requests seen by the fake', () => fake.dropped >= 2, 5_000)
    expectExactlyOnce(fake, acked, await dead())
  })

  it('422 with one bad event in a batch: that event alone is dead-lettered, the rest are done', async () => {
    ;({ tw } = await liveApp(fake))
    fake.rejectEventIds(['u422-17'], 'Invalid event_timestamp parameter. Given timestamp is in the past.')
    const acked = await load(tw, 'u422', 50, 50)
    await tw.runtime.dispatcher.flush()
    expect(fake.requests.map((r) => r.status)).toEqual([422])
    const letters = await dead()
    expect(letters).toHaveLength(1)
    expect(letters[0]).toMatchObject({ dest: DEST, item: { id: 'u422-17', attempts: 1 }, response: { status: 422 } })
    expect(letters[0].reason).toMatch(/Invalid event_timestamp/)
    expectExactlyOnce(fake, acked, letters)
    expect(fake.received).toHaveLength(49)
    expect(await tw.runtime.outbox.depth(DEST)).toBe(0)
    const journal = tw.runtime.journal.recent().find((e) => e.event_id === 'u422-17')!
    expect(journal.destinations[DEST]).toMatchObject({ state: 'dead' })
  })

  it('a whole request refused with 400: halves until the bad event stands alone; only it is dead-lettered', async () => {
    ;({ tw } = await liveApp(fake))
    fake.setFaults({ badRequestIds: ['b400-33'] })
    const acked = await load(tw, 'b400', 100, 100)
    await tw.runtime.dispatcher.flush()
    const letters = await dead()
    expect(letters.map((d) => d.item.id)).toEqual(['b400-33'])
    expect(letters[0].reason).toMatch(/^400 from Pinterest/)
    expectExactlyOnce(fake, acked, letters)
    expect(fake.received).toHaveLength(99)
    // log2(100) ≈ 7 halvings, each sending both halves at most: far fewer requests than events.
    expect(fake.requests.length).toBeLessThanOrEqual(16)
  })

  it('events that grow older than TAGWARDEN_MAX_EVENT_AGE_DAYS while they wait are dead-lettered, never sent', async () => {
    // (An event already that old is refused at the edge with 400: test/core/events-api.test.ts.)
    let clock = Date.now()
    ;({ tw } = await liveApp(fake, { TAGWARDEN_MAX_EVENT_AGE_DAYS: '7' }, {}, { now: () => clock }))
    const now = Math.floor(clock / 1000)
    const res = await postEvents(tw, { data: [pageVisit('old-1', { event_time: now - 6.5 * 86_400 }), pageVisit('fresh-1', { event_time: now - 6 * 3600 })] })
    expect(res.status).toBe(202)
    expect((await res.json()).accepted).toBe(2)
    clock += 86_400_000 // a day waiting (a paused destination, a long outage)
    await tw.runtime.dispatcher.flush()
    expect(fake.received.map((r) => r.event.event_id)).toEqual(['fresh-1'])
    const letters = await dead()
    expect(letters.map((d) => d.item.id)).toEqual(['old-1'])
    expect(letters[0].reason).toMatch(/older than 7 days/)
  })

  it('replay keeps the event_id, bypasses the idempotency mark once, and never yields a second successful send', async () => {
    ;({ tw } = await liveApp(fake))
    fake.rejectEventIds(['rp-2'])
    const acked = await load(tw, 'rp', 5, 5)
    await tw.runtime.dispatcher.flush()
    expect((await dead()).map((d) => d.item.id)).toEqual(['rp-2'])
    // The mark still refuses a repeat of the dead event (a webhook redelivery, say)…
    expect((await (await postEvents(tw, { data: [pageVisit('rp-2')] })).json()).events[0].status).toBe('duplicate')
    fake.rejectEventIds([])
    // …but a replay goes through, once.
    expect(await tw.runtime.outbox.queue.replay(DEST, 'all')).toEqual({ replayed: ['rp-2'], skipped: [] })
    expect((await tw.runtime.outbox.queue.replay(DEST, ['rp-2'])).replayed).toEqual([])
    await tw.runtime.dispatcher.flush()
    expect(fake.countById('rp-2')).toBe(1)
    expect(await dead()).toEqual([])
    expect((await (await postEvents(tw, { data: [pageVisit('rp-2')] })).json()).events[0].status).toBe('duplicate')
    await tw.runtime.dispatcher.flush()
    expectExactlyOnce(fake, acked)
  })
})

describe('401/403: pause, keep events, one alert, resume', () => {
  const ALERT = '[tagwarden] [pinterest-capi] 401 from Pinterest: token rejected — destination paused'

  it('pauses on 401 with ONE clear alert, shows it in health, and resumes when the credentials change', async () => {
    let logs: string[]
    ;({ tw, logs } = await liveApp(fake))
    fake.requireToken('pina_rotated_token_456')
    tw.start()
    const acked = await load(tw, 'auth', 120, 20)
    await waitFor('paused', async () => (await health()).delivery[DEST].state === 'paused')
    // Each probe is refused with 401 too (the fake records every answer): after three of them, still one alert, events kept.
    await waitFor('three probes refused while paused', () => fake.requests.length >= 4)
    const alerts = logs.filter((l) => l.includes(ALERT))
    expect(alerts).toHaveLength(1)
    expect(JSON.parse(alerts[0]).level).toBe('error')
    const h = await health()
    expect(h).toMatchObject({ status: 'degraded', outbox: { [DEST]: 120 } })
    // Classified, never Pinterest's own words (which may echo the token).
    expect(h.alerts[0]).toBe('[tagwarden] [pinterest-capi] paused: auth')
    expect(h.delivery[DEST]).toMatchObject({ state: 'paused', reason: 'auth' })
    expect(fake.received).toHaveLength(0)
    // Probes while paused carry one event each.
    const probes = fake.requests.slice(1)
    expect(probes.length).toBeGreaterThanOrEqual(3)
    for (const p of probes) expect(p.status).toBe(401)
    for (const p of probes) expect((p.body as { data: unknown[] }).data).toHaveLength(1)

    // The shop fixes the token: the destination is rebuilt from its new options (as a restart or a
    // re-created app does); the pause sees other credentials and sends at once.
    const capi = tw.runtime.destinations.find((d) => d.name === DEST)!
    Object.assign(capi, pinterestCapi({ adAccountId: '549755885175', accessToken: 'pina_rotated_token_456', apiUrl: fake.url }))
    await settle(acked)
    expectExactlyOnce(fake, acked, await dead())
    expect(await dead()).toEqual([])
    expect((await health()).status).toBe('ok')
    expect(logs.some((l) => l.includes('credentials changed — destination resumed'))).toBe(true)
  })

  it('resumes after a probe succeeds (the token was fixed on Pinterest’s side)', async () => {
    let logs: string[]
    ;({ tw, logs } = await liveApp(fake))
    fake.requireToken('something-else')
    tw.start()
    const acked = await load(tw, 'probe', 60, 20)
    await waitFor('paused', async () => (await health()).delivery[DEST].state === 'paused')
    fake.requireToken('pina_test_token_123')
    await settle(acked)
    expectExactlyOnce(fake, acked, await dead())
    expect(logs.filter((l) => l.includes(ALERT))).toHaveLength(1)
    expect(logs.some((l) => l.includes('probe succeeded — destination resumed'))).toBe(true)
  })

  it.each([
    [403, 'access denied'],
    [404, 'ad account not found'],
  ])('%i pauses too (%s), without dead-lettering anything', async (status, what) => {
    let logs: string[]
    ;({ tw, logs } = await liveApp(fake))
    fake.failNext(...Array.from({ length: 3 }, () => ({ status })))
    tw.start()
    const acked = await load(tw, `f${status}`, 30, 30)
    await settle(acked)
    expectExactlyOnce(fake, acked, await dead())
    expect(await dead()).toEqual([])
    expect(logs.filter((l) => l.includes(`${status} from Pinterest: ${what} — destination paused`))).toHaveLength(1)
  })
})
