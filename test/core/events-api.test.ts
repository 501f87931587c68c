import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import type { TagwardenApp } from '../../server/app'
import { fakeCapiSuite } from '../helpers/fake-capi-suite'
import { API_KEY, buildApp, liveCapi, postEvents } from '../helpers/build-app'

const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const GRANTED = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted' }
const NOW_MS = 1_767_225_600_000 // 2026-01-01T00:00:00Z

let tw: TagwardenApp
const fake = fakeCapiSuite(() => tw)

const checkout = (over: Record<string, unknown> = {}) => ({
  event_name: 'checkout',
  event_id: '3f0c9a52-7d1e-4b8e-9a0f-2c6e5b1d7a44',
  event_time: 1767225600,
  event_source_url: 'https://shop.example.com/checkout/thank-you',
  language: 'en',
  user_data: {
    em: 'Jane.Doe@example.com ',
    ph: '+1 (555) 123-4567',
    fn: 'Jane',
    ln: 'Doe',
    ct: 'Menlo Park',
    st: 'CA',
    country: 'US',
    external_id: 'customer-123',
    client_ip_address: '203.0.113.7',
    client_user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
    click_id: 'dj0yJnU9b2JDcFFHekV4SHJNcmVrbFBkUEdqakh0akdUT1VjVVUmcD0yJm49cnNBQ3F2Q2dOVDBXWWhkWklrUGxBUSZ0PUFBQUFBR1BaY3Bv',
  },
  custom_data: {
    currency: 'usd',
    value: 72.39,
    order_id: 'ORDER-10042',
    num_items: 3,
    content_ids: ['SKU-1', 'SKU-2'],
    contents: [
      { id: 'SKU-1', item_price: 14.99, quantity: 2, item_name: 'Tee' },
      { id: 'SKU-2', item_price: '42.41', quantity: 1 },
    ],
  },
  consent: GRANTED,
  ...over,
})

describe('POST /tw/v1/events → Pinterest CAPI (fake over real HTTP)', () => {
  it('accepts a lenient Pinterest-shaped body and sends exactly the spec shape', async () => {
    tw = await buildApp(liveCapi(fake().url), { now: () => NOW_MS })
    const res = await postEvents(tw, { data: [checkout()] })
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ accepted: 1, events: [{ event_id: '3f0c9a52-7d1e-4b8e-9a0f-2c6e5b1d7a44', status: 'accepted' }] })
    await tw.runtime.dispatcher.flush()

    expect(fake().requests.map((r) => r.status)).toEqual([200])
    expect(fake().received).toHaveLength(1)
    const got = fake().received[0]
    expect(got.adAccount).toBe('549755885175')
    expect(got.authorization).toBe('Bearer pina_test_token_123')
    expect(got.test).toBe(false)
    // The expected body is the valid example of docs/pinterest-capi.md "Worked example" (hashes of the plaintexts above).
    expect(got.event).toEqual({
      event_name: 'checkout',
      action_source: 'web',
      event_time: 1767225600,
      event_id: '3f0c9a52-7d1e-4b8e-9a0f-2c6e5b1d7a44',
      event_source_url: 'https://shop.example.com/checkout/thank-you',
      language: 'en',
      user_data: {
        em: ['86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d'],
        ph: ['d6736136ea896c1bfdc553e0e86e702c70d060d805696ca3e4e9e0961353860a'],
        fn: ['81f8f6dde88365f3928796ec7aa53f72820b06db8664f5fe76a7eb13e24546a2'],
        ln: ['799ef92a11af918e3fb741df42934f3b568ed2d93ac1df74f1b8d41a27932a6f'],
        ct: ['0007a3d64c01e23d5075203c5977c14e4f7e01a3fc570686fcc50b5e1dd42685'],
        st: ['6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126'],
        country: ['79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621'],
        external_id: ['a28b5da378b043b0e62b924e1b055bb96ada180943e81cfc9838cf9933a91f03'],
        client_ip_address: '203.0.113.7',
        client_user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
        click_id: 'dj0yJnU9b2JDcFFHekV4SHJNcmVrbFBkUEdqakh0akdUT1VjVVUmcD0yJm49cnNBQ3F2Q2dOVDBXWWhkWklrUGxBUSZ0PUFBQUFBR1BaY3Bv',
      },
      custom_data: {
        currency: 'USD',
        value: '72.39',
        order_id: 'ORDER-10042',
        num_items: 3,
        content_ids: ['SKU-1', 'SKU-2'],
        contents: [
          { id: 'SKU-1', item_price: '14.99', quantity: 2, item_name: 'Tee' },
          { id: 'SKU-2', item_price: '42.41', quantity: 1 },
        ],
      },
    })
  })

  it('converts milliseconds to seconds, defaults event_time to now, wraps strings in arrays, passes hashes through', async () => {
    tw = await buildApp(liveCapi(fake().url), { now: () => NOW_MS })
    const hashed = sha('someone@example.com')
    const res = await postEvents(tw, {
      data: [
        { event_name: 'AddToCart', event_id: 'ms-1', event_time: NOW_MS - 5000, user_data: { em: hashed }, consent: GRANTED },
        { event_name: 'pagevisit', event_id: 'now-1', user_data: { em: [hashed.toUpperCase(), 'Someone@Example.com'] }, consent: GRANTED },
      ],
    })
    expect(res.status).toBe(202)
    await tw.runtime.dispatcher.flush()
    const [a, b] = fake().received.map((r) => r.event)
    expect(a).toMatchObject({ event_name: 'add_to_cart', event_time: NOW_MS / 1000 - 5, user_data: { em: [hashed] } })
    expect(b).toMatchObject({ event_name: 'page_visit', event_time: NOW_MS / 1000, user_data: { em: [hashed] } })
  })

  it('sends one CAPI event per event_id: a repeat is acknowledged and dropped', async () => {
    tw = await buildApp(liveCapi(fake().url), { now: () => NOW_MS })
    expect((await (await postEvents(tw, { data: [checkout()] })).json()).events[0].status).toBe('accepted')
    const again = await postEvents(tw, { data: [checkout({ custom_data: { value: 1 } })] })
    expect(again.status).toBe(202)
    expect(await again.json()).toEqual({ accepted: 0, events: [{ event_id: checkout().event_id, status: 'duplicate' }] })
    await tw.runtime.dispatcher.flush()
    await postEvents(tw, { data: [checkout()] })
    await tw.runtime.dispatcher.flush()
    expect(fake().countById(checkout().event_id)).toBe(1)
  })

  it('batches up to 1,000 events per request', async () => {
    tw = await buildApp(liveCapi(fake().url), { now: () => NOW_MS })
    const events = (n: number, offset: number) =>
      Array.from({ length: n }, (_, i) => ({ event_name: 'page_visit', event_id: `b-${offset + i}`, user_data: { client_ip_address: '198.51.100.1', client_user_agent: 'UA' }, consent: GRANTED }))
    expect((await postEvents(tw, { data: events(1000, 0) })).status).toBe(202)
    expect((await postEvents(tw, { data: events(500, 1000) })).status).toBe(202)
    await tw.runtime.dispatcher.flush()
    expect(fake().received).toHaveLength(1500)
    expect(fake().requests.map((r) => (r.body as { data: unknown[] }).data.length)).toEqual([1000, 500])
  })

  it('marks requests ?test=true with PINTEREST_TEST_EVENTS', async () => {
    tw = await buildApp({ ...liveCapi(fake().url), PINTEREST_TEST_EVENTS: 'true' }, { now: () => NOW_MS })
    await postEvents(tw, { data: [checkout()] })
    await tw.runtime.dispatcher.flush()
    expect(fake().received[0].test).toBe(true)
    expect(fake().requests[0].path).toMatch(/\?test=true$/)
  })

  it('keeps events in the outbox when Pinterest fails, and delivers them later', async () => {
    tw = await buildApp(liveCapi(fake().url), { now: () => NOW_MS })
    fake().failNext({ status: 503 })
    await postEvents(tw, { data: [checkout()] })
    await tw.runtime.dispatcher.flush()
    expect(fake().received).toHaveLength(0)
    expect(await tw.runtime.outbox.depth('pinterest-capi')).toBe(1)
    await tw.runtime.dispatcher.flush()
    expect(fake().countById(checkout().event_id)).toBe(1)
    expect(await tw.runtime.outbox.depth('pinterest-capi')).toBe(0)
  })

  it('records per-event failures from a 422 body', async () => {
    tw = await buildApp(liveCapi(fake().url), { now: () => NOW_MS })
    fake().rejectEventIds(['bad-1'], 'Invalid event_timestamp parameter')
    await postEvents(tw, { data: [checkout({ event_id: 'good-1' }), checkout({ event_id: 'bad-1' })] })
    await tw.runtime.dispatcher.flush()
    fake().rejectEventIds([])
    expect(fake().requests[0].status).toBe(422)
    const byId = Object.fromEntries(tw.runtime.journal.recent().map((e) => [e.event_id, e.destinations['pinterest-capi']]))
    expect(byId['good-1'].state).toBe('sent')
    expect(byId['bad-1'].state).not.toBe('sent')
    expect(byId['bad-1'].detail).toMatch(/Invalid event_timestamp/)
  })
})

describe('context join', () => {
  it('fills click_id, IP, UA, external_id and consent from the browser context stored for a cart token', async () => {
    tw = await buildApp(liveCapi(fake().url), { now: () => NOW_MS })
    await tw.runtime.carts.put(['cart-abc', 'chk-xyz'], {
      epik: 'epik-from-landing', ip: '198.51.100.23', ua: 'Mozilla/5.0 (iPhone)', visitor_id: 'v-42',
      consent: { ad_storage: 'granted', ad_user_data: 'granted', source: 'hook' }, at: NOW_MS - 3_600_000,
    })
    const res = await postEvents(tw, { data: [{ event_name: 'checkout', event_id: 'ord_77', context: 'chk-xyz', custom_data: { value: 5 } }] })
    expect(res.status).toBe(202)
    await tw.runtime.dispatcher.flush()
    expect(fake().received.map((r) => r.event.user_data)).toEqual([
      { click_id: 'epik-from-landing', client_ip_address: '198.51.100.23', client_user_agent: 'Mozilla/5.0 (iPhone)', external_id: [sha('v-42')] },
    ])
  })

  it('without a stored context and without consent, the default (denied) suppresses the CAPI copy', async () => {
    tw = await buildApp(liveCapi(fake().url), { now: () => NOW_MS })
    const res = await postEvents(tw, { data: [{ event_name: 'checkout', event_id: 'ord_78', context: 'unknown-token', user_data: { em: 'a@b.co' } }] })
    expect(await res.json()).toEqual({ accepted: 0, events: [{ event_id: 'ord_78', status: 'suppressed' }] })
    await tw.runtime.dispatcher.flush()
    expect(fake().received).toHaveLength(0)
  })
})

describe('dry-run (no Pinterest credentials)', () => {
  it('builds, validates and records payloads without sending anything', async () => {
    tw = await buildApp({ PINTEREST_API_URL: fake().url }, { now: () => NOW_MS })
    expect((await postEvents(tw, { data: [checkout()] })).status).toBe(202)
    await tw.runtime.dispatcher.flush()
    expect(fake().requests).toHaveLength(0)
    const res = await tw.fetch(new Request('http://shop.test/tw/_/events', { headers: { authorization: 'Bearer test-admin-token-0123456789' } }))
    expect(res.status).toBe(200)
    const { events } = await res.json()
    expect(events[0]).toMatchObject({ event_id: checkout().event_id, name: 'checkout', source: 'api' })
    expect(events[0].identifiers).toEqual(expect.arrayContaining(['em', 'pinterest.epik', 'client_ip_address']))
    const capi = events[0].destinations['pinterest-capi']
    expect(capi.state).toBe('dry-run')
    expect(capi.payload.user_data.em).toEqual(['86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d'])
    // No raw PII in the record.
    expect(JSON.stringify(events)).not.toMatch(/jane|Menlo|555/i)
    // The payload (raw IP, UA and click id, as Pinterest would get them) stays in memory: the saved journal has none.
    expect(capi.payload.user_data.client_ip_address).toBeDefined()
    await tw.runtime.journal.save()
    const saved = JSON.stringify(await tw.runtime.store.storage.getItem('journal:recent'))
    expect(saved).toContain(checkout().event_id)
    expect(saved).not.toContain('"payload"')
    expect(saved).not.toContain(capi.payload.user_data.client_ip_address)
  })
})

describe('bad input gets a clear 4xx, never a 5xx', () => {
  const post = (body: unknown, headers?: Record<string, string>) => postEvents(tw, body, headers)

  it('answers each problem with the right status and a message naming it', async () => {
    tw = await buildApp(liveCapi(fake().url), { now: () => NOW_MS })
    const cases: [unknown, Record<string, string> | undefined, number, RegExp][] = [
      [{ data: [checkout()] }, { authorization: '' }, 401, /API key/],
      [{ data: [checkout()] }, { authorization: 'Bearer wrong-key-0123456789' }, 401, /API key/],
      [{ data: [checkout()] }, { 'content-type': 'text/plain' }, 415, /application\/json/],
      ['{"data": [', undefined, 400, /not valid JSON/],
      ['', undefined, 400, /empty body/],
      [{ events: [] }, undefined, 400, /events: needs at least one/], // the neutral body (its top-level key)
      [{ rows: [] }, undefined, 400, /data/],
      [{ data: [] }, undefined, 400, /at least one event/],
      [{ data: [checkout(), checkout({ event_id: 'x2', user_data: { emial: 'a@b.co' } })] }, undefined, 400, /data\[1\]\.user_data.*emial|Unrecognized key.*emial/],
      [{ data: [checkout({ event_id: undefined })] }, undefined, 400, /data\[0\]\.event_id/],
      [{ data: [checkout({ event_name: 'init' })] }, undefined, 400, /data\[0\]\.event_name/],
      [{ data: [checkout({ custom_data: { value: 'ten' } })] }, undefined, 400, /data\[0\]\.custom_data\.value/],
      [{ data: [checkout({ custom_data: { colour: 'red' } })] }, undefined, 400, /colour/],
      [{ data: [checkout({ event_time: NOW_MS + 3_600_000 })] }, undefined, 400, /data\[0\]\.event_time: is in the future/],
      [{ data: [checkout({ user_data: { em: 'not-an-email' } })] }, undefined, 400, /data\[0\]\.user_data: too few valid identifiers: pinterest-capi needs a valid em/],
      [{ data: [checkout(), checkout()] }, undefined, 400, /appears twice/],
      [{ data: Array.from({ length: 1001 }, (_, i) => checkout({ event_id: `e${i}` })) }, undefined, 400, /1,000/],
    ]
    for (const [body, headers, status, message] of cases) {
      const res = await post(body, headers)
      const json = await res.json()
      expect({ status: res.status, body }).toMatchObject({ status })
      expect(json.message).toMatch(message)
    }
    expect(fake().requests).toHaveLength(0)
  })

  it('refuses bodies over the limit with 413', async () => {
    tw = await buildApp(liveCapi(fake().url))
    const res = await post(`{"data":[${' '.repeat(5 * 1024 * 1024)}]}`)
    expect(res.status).toBe(413)
  })

  it('without TAGWARDEN_API_KEYS: disabled in production (404), localhost-only in development (403 elsewhere)', async () => {
    tw = await buildApp({ TAGWARDEN_API_KEYS: '', NODE_ENV: 'production' })
    let res = await post({ data: [checkout()] }, { authorization: `Bearer ${API_KEY}` })
    expect(res.status).toBe(404)
    expect((await res.json()).message).toMatch(/TAGWARDEN_API_KEYS/)
    await tw.close()
    tw = await buildApp({ TAGWARDEN_API_KEYS: '' })
    res = await post({ data: [checkout()] }, { authorization: `Bearer ${API_KEY}` })
    expect(res.status).toBe(403)
    expect((await res.json()).message).toMatch(/only on localhost.*TAGWARDEN_API_KEYS/)
  })
})
