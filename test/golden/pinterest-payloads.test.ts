// The Conversions API request bodies tagwarden sends, recorded once and compared on every run: a
// change to how events are built inside (the destination-neutral core of issue 16) must not change
// one byte Pinterest receives. The bodies are the strings pinterest-capi's toRequest builds, taken
// from the request as it leaves for a local fake Conversions API. Inputs cover every path — the
// events API (plaintext and hashed identifiers, every field), tag beacons (GET, POST, LDP), the
// loader fallback, /ctx + a webhook joined by cart token, Shopify and WooCommerce orders.
// `UPDATE_GOLDEN=1` rewrites the file.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { hashUserValue } from '../../server/identity/normalize'
import { beaconQuery, buildTagApp, call, claimsOf, liveCapiEnv, setCtx } from '../tag/build'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { NOW_MS, postShopify, postWoo, SHOPIFY_SECRET, shopifyOrder, WOO_SECRET, wooOrder } from '../webhooks/helpers'

const FILE = new URL('../fixtures/golden/pinterest-payloads.json', import.meta.url)
const API_KEY = 'golden-api-key-0123456789'
const ADMIN = 'golden-admin-token-0123456789'
const GRANTED = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted' }
const SEC = NOW_MS / 1000

let tw: TagwardenApp
let fake: FakeCapi
let visitorHash = ''
/** Every Conversions API request body, as handed to fetch (byte for byte what the fake receives). */
const bodies: string[] = []
beforeAll(async () => {
  fake = await startFakeCapi()
  const capture: typeof fetch = (input, init) => {
    if (String(input).startsWith(`${fake.url}/v5/`)) bodies.push(init!.body as string)
    return fetch(input, init)
  }
  tw = await buildTagApp(
    { ...liveCapiEnv(fake.url), TAGWARDEN_API_KEYS: API_KEY, TAGWARDEN_ADMIN_TOKEN: ADMIN, SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET, WOOCOMMERCE_WEBHOOK_SECRET: WOO_SECRET, TAGWARDEN_COUNTRY_HEADER: 'cf-ipcountry' },
    { now: () => NOW_MS, fetch: capture },
  )
})
afterAll(async () => {
  await tw.close(0)
  await fake.close()
})

const api = (data: unknown[]) => call(tw, '/tw/v1/events', { body: { data }, headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' } })

/** The consent decision recorded for each event (the journal, as `/_/events` shows it). */
async function decisions(): Promise<Record<string, { action: string; rule: string }>> {
  const res = await call(tw, '/tw/_/events?limit=500', { headers: { authorization: `Bearer ${ADMIN}` } })
  const { events } = (await res.json()) as { events: { event_id: string; destinations: Record<string, { action: string; rule: string }> }[] }
  return Object.fromEntries(events.map((e) => [e.event_id, { action: e.destinations['pinterest-capi']?.action, rule: e.destinations['pinterest-capi']?.rule }]))
}

/** Each event's own bytes in the request bodies sent, by event_id; every body must be exactly `{"data":[<event>,<event>…]}`. */
function sentEvents(): Record<string, string> {
  const out: Record<string, string> = {}
  for (const body of bodies) {
    const events = (JSON.parse(body) as { data: { event_id: string }[] }).data.map((e) => [e.event_id, JSON.stringify(e)] as const)
    expect(body).toBe(`{"data":[${events.map(([, bytes]) => bytes).join(',')}]}`)
    for (const [id, bytes] of events) out[id] = bytes.replaceAll(visitorHash, '<sha256 of the visitor id>')
  }
  return out
}

describe('Pinterest request bodies stay what they were, byte for byte (golden file)', () => {
  it('every path sends the recorded bytes', async () => {
    expect((await api([
      {
        event_name: 'checkout', event_id: 'g-api-full', event_time: SEC - 60, event_source_url: 'https://shop.test/thanks', language: 'EN', partner_name: 'ss-shopify',
        user_data: { em: [' Jane.Doe@Example.com ', 'jane@example.org'], ph: '+1 (555) 555-0100', fn: 'Jane', ln: 'DOE', ge: 'female', db: '1990-04-05', ct: 'San Francisco', st: 'CA', zp: '94103-1234', country: 'US', external_id: 'Cust-42', hashed_maids: 'AEBE52E7-03EE-455A-B3C4-E57283966239', click_id: 'dj0yJnU9abc', client_ip_address: '203.0.113.9', client_user_agent: 'UA/1', partner_id: 'p-1' },
        custom_data: { value: 72.39, currency: 'usd', order_id: 10042, num_items: 3, content_ids: ['A', 7], contents: [{ id: 'A', item_price: '24.5', quantity: 2, item_name: 'Tote', item_category: 'bags', item_brand: 'B' }], search_string: 'tote', content_name: 'n', content_category: 'c', content_brand: 'b', predicted_ltv: '100.10' },
        consent: GRANTED,
      },
      { event_name: 'AddToCart', event_id: 'g-api-hashed', event_time: (SEC - 30) * 1000, user_data: { em: 'a'.repeat(64), client_ip_address: '198.51.100.1', client_user_agent: 'UA/2' }, custom_data: { value: '19.999', currency: 'JPY' }, consent: GRANTED },
      { event_name: 'page_visit', event_id: 'g-api-strip', event_time: SEC - 10, user_data: { em: 'x@example.com', click_id: 'epik-x', client_ip_address: '198.51.100.2', client_user_agent: 'UA/3' }, consent: { ad_storage: 'granted', ad_user_data: 'denied' } },
      { event_name: 'lead', event_id: 'g-api-ldp', user_data: { em: 'y@example.com', st: 'ny', client_ip_address: '198.51.100.3', client_user_agent: 'UA/4' }, custom_data: { opt_out_type: 'LDP' }, consent: { ...GRANTED, gpc: true, country: 'US' } },
      { event_name: 'signup', event_id: 'g-api-gpc-us', user_data: { em: 'z@example.com', client_ip_address: '198.51.100.4', client_user_agent: 'UA/5' }, consent: { gpc: true, country: 'US' } },
    ])).status).toBe(202)

    const shopper = { 'cf-ipcountry': 'US' }
    const ctx = await call(tw, '/tw/ctx', { body: { epik: 'dj0yJnU9ctx', epik_src: 'url', consent: GRANTED, em: 'Shopper@Example.com', cart: { token: 'golden-cart', checkout_token: 'golden-checkout' } }, headers: shopper })
    expect(ctx.status).toBeLessThan(300)
    const cookie = setCtx(ctx)!
    // The visitor id is random: its hash (an external_id) is recorded as a placeholder.
    visitorHash = hashUserValue('external_id', claimsOf(cookie).vid)!
    expect((await call(tw, `/tw/pin/ct/v3/?${beaconQuery('addtocart', { event_id: 'g-beacon-get', value: 24, currency: 'USD', order_quantity: 1, line_items: [{ product_id: 'TOTE', product_price: 24, product_quantity: 1, product_name: 'Linen Tote' }] }, { cb: NOW_MS - 5000 })}`, { cookie, headers: shopper })).status).toBe(200)
    expect((await call(tw, `/tw/pin/ct/v3/?${beaconQuery('checkout', { event_id: 'g-beacon-ldp', order_id: '555', value: '10.5', currency: 'EUR' }, { pd: { opt_out_type: 'LDP', st: 'ca' }, cb: NOW_MS - 4000 })}`, { cookie, headers: { ...shopper, 'sec-gpc': '1' } })).status).toBe(200)
    expect((await call(tw, `/tw/pin/ct/v3/?${beaconQuery('search', { event_id: 'g-beacon-search', search_query: 'linen' }, { cb: NOW_MS - 3000, loc: 'https://shop.test/search?q=linen&epik=dj0yJnU9url' })}`, { headers: shopper })).status).toBe(200)
    expect((await call(tw, '/tw/e', { body: [{ event: 'pagevisit', ed: { event_id: 'g-fallback' }, pd: { em: 'Fallback@Example.com' }, ad: { loc: 'https://shop.test/p' } }], cookie, headers: { ...shopper, 'content-type': 'text/plain' } })).status).toBe(202)

    const order = { ...shopifyOrder(), checkout_token: 'golden-checkout', id: 7001, admin_graphql_api_id: 'gid://shopify/Order/7001', order_number: 7001 }
    expect((await postShopify(tw, order)).status).toBe(200)
    expect((await postShopify(tw, { ...shopifyOrder(), id: 7002, admin_graphql_api_id: 'gid://shopify/Order/7002', checkout_token: 'none', cart_token: 'none' })).status).toBe(200)
    expect((await postWoo(tw, { ...wooOrder(), id: 7003 })).status).toBe(200)

    // Everything queued goes out now, to the fake, in as many requests as the batching makes.
    await tw.runtime.dispatcher.flush()
    const sent = sentEvents()
    const decided = await decisions()
    // Strings compared: the same bytes, key order and number spelling included, not just the same values.
    const got = Object.fromEntries(Object.keys(decided).sort().map((id) => [id, { ...decided[id], body: sent[id] ?? null }]))
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(FILE)) writeFileSync(FILE, `${JSON.stringify(got, null, 2)}\n`)
    expect(got).toEqual(JSON.parse(readFileSync(FILE, 'utf8')))
    // The inputs above reached every path: one payload sent per event id.
    expect(Object.keys(sent).length).toBe(12)
  })
})
