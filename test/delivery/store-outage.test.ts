// Redis stopped mid-run (a real redis-server, killed and started again on the same port and data
// dir): /v1/events and the order webhooks answer 503 with Retry-After and store nothing, health says
// storage is down, beacons are still forwarded with their lost server copies counted, /tw/ctx still
// answers its consent decision — and once Redis
// is back, the retried events and those accepted before the outage are each delivered exactly once.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { STORE_RETRY_AFTER_S } from '../../server/guards/store-guard'
import { createStore } from '../../server/storage/create-store'
import { startFakeBeacon, type FakeBeacon } from '../fakes/fake-beacon'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { ADMIN_TOKEN, buildApp, liveCapi, postEvents } from '../helpers/build-app'
import { redisAvailability, startRedis, type RedisServer } from '../helpers/redis'
import { beaconQuery, call } from '../tag/build'
import { SHOPIFY_SECRET, postShopify, shopifyOrder } from '../webhooks/helpers'
import { DEST, FAST, expectExactlyOnce, pageVisit, waitFor } from './harness'

const mode = redisAvailability()
const EPIK = 'dj0yJnU9b2JDcFFHekV4SHJN'
/** The documented Shopify order's cart_token (test/fixtures/webhooks/shopify-order.json). */
const ORDER_CART_TOKEN = '68778783ad298f1c80c3bafcddeea02f'

describe.skipIf(mode === 'skip')('storage outage on a real Redis', () => {
  let redis: RedisServer
  let dir: string
  let capi: FakeCapi
  let beacon: FakeBeacon
  let tw: TagwardenApp
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw-redis-outage-'))
    redis = await startRedis({ dir })
    capi = await startFakeCapi()
    beacon = await startFakeBeacon()
    tw = await buildApp(
      { ...liveCapi(capi.url), TAGWARDEN_STORAGE: redis.url, PINTEREST_BEACON_ORIGIN: beacon.url, SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET, TAGWARDEN_DEFAULT_CONSENT: 'granted', TAGWARDEN_TRUSTED_PROXIES: 'loopback' },
      { store: createStore({ kind: 'redis', url: redis.url }), delivery: FAST },
    )
  })
  afterAll(async () => {
    await tw?.close(0)
    await redis?.stop()
    await Promise.all([capi?.close(), beacon?.close()])
    rmSync(dir, { recursive: true, force: true })
  })

  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
  const health = async (headers: Record<string, string> = {}) => (await tw.fetch(new Request('http://shop.test/tw/_/health', { headers }))).json()
  const metric = async (line: RegExp) => Number(line.exec(await (await tw.fetch(new Request('http://shop.test/tw/_/metrics', { headers: admin }))).text())?.[1] ?? 0)
  const ids = (p: string) => Array.from({ length: 5 }, (_, i) => `${p}-${i}`)

  it('503 + Retry-After while Redis is down, beacons still forwarded, nothing lost once it is back', async () => {
    const before = ids('pre')
    const res = await postEvents(tw, { data: before.map((id) => pageVisit(id)) })
    expect(res.status).toBe(202)
    expect((await res.json()).accepted).toBe(5)

    await redis.stop()
    await waitFor('storage seen down', () => tw.runtime.storeHealth.state().state === 'down')

    const during = ids('during')
    const refused = await postEvents(tw, { data: during.map((id) => pageVisit(id)) })
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe(String(STORE_RETRY_AFTER_S))
    expect((await refused.json()).message).toMatch(/storage \(redis\) is unreachable: nothing was stored; retry later/)
    const hook = await postShopify(tw, shopifyOrder())
    expect(hook.status).toBe(503)
    expect(hook.headers.get('retry-after')).toBe(String(STORE_RETRY_AFTER_S))

    // /tw/ctx still answers the shopper's consent decision (and sets the cookie); the cart's context
    // (here the documented order's cart token, with a click id) is held in memory, not lost.
    const ctx = await tw.fetch(new Request('http://shop.test/tw/ctx', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ epik: EPIK, epik_src: 'url', cart: { token: ORDER_CART_TOKEN } }) }))
    expect(ctx.status).toBe(200)
    expect((await ctx.json()).decisions['pinterest-tag']).toEqual({ action: 'allow', rule: 'allow' })
    expect(ctx.headers.get('set-cookie')).toMatch(/tw_ctx=/)
    expect(await metric(/^tagwarden_cart_contexts_held (\d+)$/m)).toBe(1)
    expect(await metric(/^tagwarden_cart_contexts_lost_total (\d+)$/m)).toBe(0)

    const started = Date.now()
    const b = await call(tw, `/tw/pin/ct/v3/?${beaconQuery('lead', { event_id: 'beacon-during' })}`)
    expect(b.status).toBe(200)
    expect(Date.now() - started, 'the page does not wait for Redis retries').toBeLessThan(2_000)
    expect(beacon.hits.map((h) => h.ed.event_id)).toContain('beacon-during')
    expect(await metric(/^tagwarden_events_dropped_total\{source="tag",reason="storage"\} (\d+)$/m)).toBe(1)

    expect(await health()).toEqual({ status: 'degraded' })
    const details = await health(admin)
    expect(details).toMatchObject({ status: 'degraded', storage: { kind: 'redis', state: 'down', reason: 'unreachable' }, outbox: { [DEST]: null } })
    expect(details.alerts[0]).toMatch(/storage \(redis\) is unreachable/)

    redis = await startRedis({ port: redis.port, dir })
    await waitFor('storage back', () => tw.runtime.storeHealth.state().state === 'ok', 20_000)
    expect(await health()).toEqual({ status: 'ok' })
    // Redis back: the held cart context is written at once, before anything else asks for it.
    await waitFor('the held cart context written', async () => (await metric(/^tagwarden_cart_contexts_held (\d+)$/m)) === 0)
    expect(await tw.runtime.store.storage.getItem(`ctx:cart:${ORDER_CART_TOKEN}`)).toMatchObject({ epik: EPIK })

    // The sender retries what was refused; what was accepted before the outage survived it.
    const retried = await postEvents(tw, { data: during.map((id) => pageVisit(id)) })
    expect(retried.status).toBe(202)
    expect((await retried.json()).accepted).toBe(5)
    expect((await (await postEvents(tw, { data: [pageVisit('pre-0')] })).json()).events[0].status).toBe('duplicate')
    // (Paid now: this app runs on the real clock, and the fixture's date is older than events may be.)
    const paidNow = new Date().toISOString()
    expect((await postShopify(tw, { ...shopifyOrder(), created_at: paidNow, processed_at: paidNow, updated_at: paidNow })).status).toBe(200)

    await tw.runtime.dispatcher.flush()
    const acked = [...before, ...during]
    expectExactlyOnce(capi, acked)
    expect(capi.received.filter((r) => acked.includes(r.event.event_id))).toHaveLength(10)
    // The order joined the cart context posted during the outage: its purchase carries the click id.
    const purchase = capi.received.filter((r) => r.event.event_name === 'checkout')
    expect(purchase).toHaveLength(1)
    expect(purchase[0].event.user_data.click_id).toBe(EPIK)
    expect(await metric(/^tagwarden_cart_contexts_lost_total (\d+)$/m)).toBe(0)
  }, 60_000)
})
