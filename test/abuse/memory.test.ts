// Bounded memory: thousands of refused requests of every kind leave the heap where it was, and
// thousands of accepted ones leave only the bounded journal and the idempotency marks behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signWebhook } from '../../server/webhooks/verify'
import { API_KEY } from '../helpers/build-app'
import { beaconQuery, call } from '../tag/build'
import { createRandom, heapMb, settledHeapGrowth, startAbuseEnv, type AbuseEnv } from './helpers'

let env: AbuseEnv
beforeAll(async () => {
  env = await startAbuseEnv()
})
afterAll(() => env.close())

/** One refused request of a random kind (each answered 4xx). */
async function badRequest(i: number, r: ReturnType<typeof createRandom>): Promise<number> {
  const junk = r.string(300)
  const kinds: (() => Promise<Response>)[] = [
    () => call(env.tw, '/tw/ctx', { body: `{"epik":${junk}` }),
    () => call(env.tw, '/tw/ctx', { body: { epik: 5, cart: { items: 'x' } }, cookie: `eyJhbGciOiJub25lIn0.${Buffer.from(junk).toString('base64url')}.` }),
    () => call(env.tw, '/tw/e', { body: [{ event: '', ed: junk }] }),
    () => call(env.tw, '/tw/e', { body: 'x'.repeat(200_000) }),
    () => call(env.tw, '/tw/v1/events', { body: { data: [{ event_name: 'nope', event_id: i }] }, headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` } }),
    () => call(env.tw, '/tw/v1/events', { body: '{}', headers: { 'content-type': 'application/json', authorization: 'Bearer wrong-0123456789abcdef' } }),
    () => env.tw.fetch(new Request('http://shop.test/tw/webhooks/shopify', { method: 'POST', headers: { 'x-shopify-hmac-sha256': signWebhook('wrong-secret', junk), 'x-shopify-topic': 'orders/paid' }, body: junk })),
    () => call(env.tw, `/tw/pin/ct/..%2f${i}/`),
    () => call(env.tw, `/tw/pin/ct/v3/?${'x'.repeat(17_000)}`),
    () => call(env.tw, `/tw/pin/lib/${i}%2f..js`),
  ]
  const res = await kinds[i % kinds.length]()
  await res.arrayBuffer()
  return res.status
}

describe('bounded memory', () => {
  it('thousands of refused requests of every kind: all 4xx, heap flat, nothing stored', async () => {
    const r = createRandom(0x3e3)
    await badRequest(0, r)
    const before = await env.snapshot()
    let i = 0
    const growth = await settledHeapGrowth(async () => {
      for (const end = i + 1000; i < end; i++) {
        const status = await badRequest(i, r)
        if (status < 400 || status >= 500) throw new Error(`request #${i} (kind ${i % 10}) answered ${status}`)
      }
    })
    expect(i, 'at least 2,000 refused requests were sent').toBeGreaterThanOrEqual(2000)
    expect(growth, `heap grew ${growth.toFixed(1)} MB over the last 1,000`).toBeLessThan(1.5)
    expect(await env.snapshot()).toEqual(before)
  })

  it('4,000 accepted beacons: the journal stays at its 500 entries; delivered events leave memory (under 2 kB each stays: marks, done-log ids)', async () => {
    const send = async (from: number, n: number) => {
      for (let i = from; i < from + n; i++) {
        const res = await call(env.tw, `/tw/pin/ct/v3/?${beaconQuery('addtocart', { event_id: `mem-${i}`, value: 5, currency: 'USD' })}`)
        expect(res.status).toBe(200)
        await res.arrayBuffer()
        if (i % 500 === 499) {
          await env.tw.runtime.dispatcher.flush()
          forgetFakes()
        }
      }
    }
    // The fake upstreams run in this process and record every request: not the server's memory.
    const forgetFakes = () => {
      env.capi.received.length = 0
      env.capi.requests.length = 0
      env.beacon.hits.length = 0
    }
    await send(0, 2000)
    const start = heapMb()
    await send(2000, 4000)
    await env.tw.runtime.dispatcher.flush()
    forgetFakes()
    const growth = heapMb() - start
    expect(env.tw.runtime.journal.recent()).toHaveLength(500)
    expect(await env.tw.runtime.outbox.depth('pinterest-capi')).toBe(0)
    // What is left per event: its idempotency mark (~100 bytes, kept 48 h) and, on this memory store,
    // its id in the delivery done log until the 10-minute slice is rolled up — not the event itself
    // (a beacon, its canonical event and CAPI payload are several kB).
    const perEvent = (growth * 2 ** 20) / 4000
    expect(perEvent, `heap grew ${growth.toFixed(1)} MB, ${Math.round(perEvent)} bytes per event`).toBeLessThan(2048)
  })
})
