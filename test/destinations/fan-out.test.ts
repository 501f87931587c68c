// One event, every destination: the neutral body of /v1/events, a signed order webhook, and the
// Shopify pixel's checkout joined by that webhook each reach the Pinterest, Meta and TikTok fakes
// (real HTTP) exactly once with the same event_id, each with its own name and only its own click
// ids; a repeat adds nothing (idempotency per destination).
import { createHash } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { beaconToEvent } from '../../server/pinterest/beacon-event'
import { derivePixelKey } from '../../server/shopify/pixel-key'
import { buildApp, postEvents, SECRET } from '../helpers/build-app'
import { snippetPosts, standardEvent } from '../shopify/helpers'
import { EPIK, NOW_MS, SHOPIFY_SECRET, UA, postShopify, shopifyOrder } from '../webhooks/helpers'
import { adminGet, parseProm } from '../inspect/helpers'
import { GRANTED, HARNESSES, type AnyFake } from './harnesses'

const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const NAMES = ['pinterest-capi', 'meta-capi', 'tiktok-events'] as const
const now = () => NOW_MS
const NOW_S = NOW_MS / 1000

let fakes: Record<(typeof NAMES)[number], AnyFake>
let tw: TagwardenApp | undefined
beforeAll(async () => {
  fakes = Object.fromEntries(await Promise.all(NAMES.map(async (n) => [n, await HARNESSES[n].start(now)]))) as typeof fakes
})
afterAll(() => Promise.all(NAMES.map((n) => fakes[n].close())))
afterEach(async () => {
  await tw?.close()
  tw = undefined
  for (const n of NAMES) {
    fakes[n].received.length = 0
    fakes[n].requests.length = 0
  }
})

const app = async (env: Record<string, string> = {}) => {
  const live = Object.assign({}, ...NAMES.map((n) => HARNESSES[n].live(fakes[n].url)))
  tw = await buildApp({ ...live, SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET, META_EVENT_SOURCE_URL: 'https://shop.example.com/', ...env }, { now })
  return tw
}
const flush = () => tw!.runtime.dispatcher.flush()
const got = (n: (typeof NAMES)[number], id: string) => fakes[n].received.filter((r) => r.event.event_id === id).map((r) => r.event)

const neutralPurchase = (over: Record<string, unknown> = {}) => ({
  name: 'checkout',
  event_id: 'ord_1001',
  time: NOW_S - 10,
  url: 'https://shop.example.com/checkout/thank-you',
  user: { em: ' Jane.Doe@Example.com', ph: '+1 (555) 123-4567', client_ip_address: '203.0.113.7', client_user_agent: UA },
  ids: { 'pinterest.epik': EPIK, 'meta.fbc': 'fb.1.1767225000000.IwAR2F4-dbP0l7Mn1Iaw', 'meta.fbp': 'fb.1.1767225000000.1098115397', 'tiktok.ttclid': 'E.C.P.CscBYmVlNTdh', 'tiktok.ttp': '2Zq9k0bQn1XyL7hS0aW3cE5tU8m' },
  data: { value: '72.39', currency: 'usd', order_id: '1001', contents: [{ id: 'SKU-1', price: 72.39, quantity: 1 }] },
  consent: GRANTED,
  ...over,
})

describe('POST /v1/events with the neutral body', () => {
  it('fans one event out to every destination, each in its own vocabulary and with only its own click ids', async () => {
    await app()
    const res = await postEvents(tw!, { events: [neutralPurchase()] })
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ accepted: 1, events: [{ event_id: 'ord_1001', status: 'accepted' }] })
    await flush()
    const [p] = got('pinterest-capi', 'ord_1001')
    const [m] = got('meta-capi', 'ord_1001')
    const [t] = got('tiktok-events', 'ord_1001')
    expect(NAMES.map((n) => got(n, 'ord_1001').length)).toEqual([1, 1, 1])
    expect([p.event_name, m.event_name, t.event]).toEqual(['checkout', 'Purchase', 'Purchase'])
    expect(p.user_data).toMatchObject({ em: [sha('jane.doe@example.com')], ph: [sha('15551234567')], click_id: EPIK })
    expect(p.custom_data).toMatchObject({ value: '72.39', currency: 'USD' })
    expect(m.user_data).toEqual({ em: [sha('jane.doe@example.com')], ph: [sha('15551234567')], client_ip_address: '203.0.113.7', client_user_agent: UA, fbc: 'fb.1.1767225000000.IwAR2F4-dbP0l7Mn1Iaw', fbp: 'fb.1.1767225000000.1098115397' })
    expect(m.custom_data).toMatchObject({ value: 72.39, currency: 'USD', order_id: '1001' })
    expect(t.user).toEqual({ email: [sha('jane.doe@example.com')], phone: [sha('+15551234567')], ttclid: 'E.C.P.CscBYmVlNTdh', ttp: '2Zq9k0bQn1XyL7hS0aW3cE5tU8m', ip: '203.0.113.7', user_agent: UA })

    // The same event again (a retrying sender): nothing new anywhere.
    const again = await postEvents(tw!, { events: [neutralPurchase()] })
    expect((await again.json()).events).toEqual([{ event_id: 'ord_1001', status: 'duplicate' }])
    await flush()
    expect(NAMES.map((n) => got(n, 'ord_1001').length)).toEqual([1, 1, 1])
  })

  it('a custom event reaches the platforms that take custom names; restricted asks each for its mode', async () => {
    await app()
    await postEvents(tw!, { events: [neutralPurchase({ event_id: 'c-1', name: 'custom', custom_name: 'SizeGuideOpened', data: undefined, restricted: true })] })
    await flush()
    expect(got('meta-capi', 'c-1')[0]).toMatchObject({ event_name: 'SizeGuideOpened', data_processing_options: ['LDU'] })
    expect(got('tiktok-events', 'c-1')[0]).toMatchObject({ event: 'SizeGuideOpened', limited_data_use: true })
    expect(got('pinterest-capi', 'c-1')[0]).toMatchObject({ event_name: 'custom' })
  })

  it('refuses a bad neutral body with a 400 naming the problem', async () => {
    await app()
    const cases: [unknown, RegExp][] = [
      [{ events: [neutralPurchase({ colour: 'blue' })] }, /colour/],
      [{ events: [neutralPurchase({ name: 'custom' })] }, /custom_name/],
      [{ events: [neutralPurchase({ ids: { fbc: 'x' } })] }, /platform\.id/],
      [{ events: [neutralPurchase({ data: { value: -1 } })] }, /negative/],
      [{ events: [neutralPurchase({ data: { value: 1, opt_out_type: 'LDP' } })] }, /opt_out_type/],
      [{ events: [neutralPurchase({ data: { contents: [{ item_price: 1 }] } })] }, /item_price/],
      [{ events: [neutralPurchase({ time: NOW_S - 30 * 86_400 })] }, /events\[0\]\.time/],
      [{ events: [] }, /at least one/],
    ]
    for (const [body, message] of cases) {
      const res = await postEvents(tw!, body)
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400)
      expect(JSON.stringify(await res.json())).toMatch(message)
    }
  })
})

describe('order webhook → one purchase at every destination', () => {
  const EVENT_ID = 'ord_450789469'
  it('reaches each fake once with the thank-you page’s event_id; the page’s own copy and a redelivery add nothing', async () => {
    await app()
    // The thank-you page's mirrored copy (same deterministic id) arrives first.
    await postEvents(tw!, { events: [neutralPurchase({ event_id: EVENT_ID })] })
    const res = await postShopify(tw!, shopifyOrder())
    expect(res.status).toBe(200)
    await postShopify(tw!, shopifyOrder())
    await flush()
    expect(NAMES.map((n) => got(n, EVENT_ID).length)).toEqual([1, 1, 1])
  })

  it('the Shopify pixel\'s checkout_completed joined by the signed webhook: one purchase per destination, the pixel\'s browser context', async () => {
    await app()
    const key = derivePixelKey({ kid: SECRET.split(':')[0], secret: SECRET.slice(SECRET.indexOf(':') + 1) })
    const { posts } = await snippetPosts([{ ...standardEvent('checkout_completed'), timestamp: new Date(NOW_MS - 60_000).toISOString() }], { key })
    const pixel = () =>
      tw!.fetch(new Request('http://shop.test/tw/shopify/pixel', { method: 'POST', headers: { origin: 'null', 'content-type': 'text/plain;charset=UTF-8', 'user-agent': UA }, body: posts[0].init.body as string }), { clientAddress: '198.51.100.23' })
    expect(await (await pixel()).json()).toMatchObject({ event_id: EVENT_ID, status: 'joined' })
    expect(await (await postShopify(tw!, shopifyOrder())).json()).toMatchObject({ event_id: EVENT_ID, status: 'accepted', context: 'joined' })
    // A reload of the thank-you page and a webhook redelivery add nothing.
    await pixel()
    await postShopify(tw!, shopifyOrder())
    await flush()
    expect(NAMES.map((n) => got(n, EVENT_ID).length)).toEqual([1, 1, 1])
    expect(NAMES.map((n) => fakes[n].received.length)).toEqual([1, 1, 1])
    expect(got('pinterest-capi', EVENT_ID)[0]).toMatchObject({ event_name: 'checkout', user_data: { client_ip_address: '198.51.100.23', client_user_agent: UA } })
    expect(got('meta-capi', EVENT_ID)[0]).toMatchObject({ event_name: 'Purchase', action_source: 'website', user_data: { client_ip_address: '198.51.100.23', client_user_agent: UA } })
    expect(got('tiktok-events', EVENT_ID)[0]).toMatchObject({ event: 'Purchase', user: { ip: '198.51.100.23', user_agent: UA } })
  })

  it('without a page copy, the webhook alone makes one purchase per destination (Meta with META_EVENT_SOURCE_URL)', async () => {
    await app()
    await tw!.runtime.carts.put(['68778783ad298f1c80c3bafcddeea02f'], { ip: '198.51.100.23', ua: UA, consent: GRANTED, at: NOW_MS - 60_000 })
    const res = await postShopify(tw!, shopifyOrder())
    expect(await res.json()).toMatchObject({ event_id: EVENT_ID, status: 'accepted' })
    await flush()
    expect(NAMES.map((n) => got(n, EVENT_ID).length)).toEqual([1, 1, 1])
    expect(got('meta-capi', EVENT_ID)[0]).toMatchObject({ event_name: 'Purchase', action_source: 'website', event_source_url: 'https://shop.example.com/' })
    expect(got('tiktok-events', EVENT_ID)[0]).toMatchObject({ event: 'Purchase' })
  })
})

it('the webhook purchase carries the ids the storefront’s /ctx kept with the cart, each to its own platform', async () => {
  await app()
  const ids = { 'meta.fbc': 'fb.1.1767225000000.IwAR2F4-dbP0l7Mn1Iaw', 'meta.fbp': 'fb.1.1767225000000.1098115397', 'tiktok.ttclid': 'E.C.P.CscBYmVlNTdh', 'tiktok.ttp': '2Zq9k0bQn1XyL7hS0aW3cE5tU8m' }
  await tw!.runtime.carts.put(['68778783ad298f1c80c3bafcddeea02f'], { epik: EPIK, ids, ip: '198.51.100.23', ua: UA, consent: GRANTED, at: NOW_MS - 60_000 })
  await postShopify(tw!, shopifyOrder())
  await flush()
  const id = 'ord_450789469'
  expect(got('meta-capi', id)[0]?.user_data).toMatchObject({ fbc: ids['meta.fbc'], fbp: ids['meta.fbp'] })
  expect(got('tiktok-events', id)[0]?.user).toMatchObject({ ttclid: ids['tiktok.ttclid'], ttp: ids['tiktok.ttp'] })
  const pin = JSON.stringify(got('pinterest-capi', id)[0])
  expect(pin).toContain(EPIK)
  for (const v of Object.values(ids)) expect(pin).not.toContain(v)
})

it('an order with no browser trace (no context, no user agent) reaches Meta as action_source other', async () => {
  await app()
  await postShopify(tw!, shopifyOrder())
  await flush()
  expect(got('meta-capi', 'ord_450789469')[0]).toMatchObject({ event_name: 'Purchase', action_source: 'other' })
  expect(got('meta-capi', 'ord_450789469')[0].event_source_url).toBeUndefined()
})

describe('operations per destination', () => {
  it('inspector, metrics, dead letters and pauses are kept per destination', async () => {
    await app()
    fakes['meta-capi'].rejectEventIds(['ops-2'])
    fakes['tiktok-events'].requireToken('another-token-entirely-0123')
    await postEvents(tw!, { events: [neutralPurchase({ event_id: 'ops-1' }), neutralPurchase({ event_id: 'ops-2' })] })
    await flush()
    const status = tw!.runtime.dispatcher.status()
    expect([status['pinterest-capi'].state, status['meta-capi'].state, status['tiktok-events'].state]).toEqual(['ok', 'ok', 'paused'])
    expect((await tw!.runtime.outbox.queue.deadLetters('meta-capi')).map((d) => d.item.id)).toEqual(['ops-2'])
    expect(await tw!.runtime.outbox.queue.deadLetters('pinterest-capi')).toEqual([])
    expect(await tw!.runtime.outbox.depth('tiktok-events')).toBe(2)

    const { summary, events } = await (await adminGet(tw!, '/tw/_/inspect/data')).json()
    expect(Object.keys(summary.byDestination).sort()).toEqual([...NAMES].sort())
    expect(summary.byDestination['meta-capi']).toMatchObject({ total: 2, em: 1, click_id: 1, ip_ua: 1 })
    expect(summary.destinations.find((d: { name: string }) => d.name === 'tiktok-events')).toMatchObject({ paused: true })
    expect(events.find((e: { event_id: string }) => e.event_id === 'ops-2').destinations['meta-capi'].state).toBe('dead')

    const prom = parseProm(await (await adminGet(tw!, '/tw/_/metrics')).text())
    const metric = (prefix: string) => [...prom].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => `${k} ${v}`).join('\n')
    expect(metric('tagwarden_events_sent_total')).toMatch(/destination="meta-capi"\} 1/)
    expect(metric('tagwarden_events_sent_total')).toMatch(/destination="pinterest-capi"\} 2/)
    expect(metric('tagwarden_events_dead_lettered_total')).toMatch(/destination="meta-capi"\} 1/)
    expect(metric('tagwarden_destination_paused')).toMatch(/destination="tiktok-events"\} 1/)
  })
})

it('a Pinterest tag call is mirrored to Pinterest only: Meta’s and TikTok’s pixels report their own calls', async () => {
  await app()
  const r = beaconToEvent({ event: 'addtocart', ed: { event_id: 'tag-1', value: '10', currency: 'USD' }, pd: {}, ad: { loc: 'https://shop.example.com/p/1' } }, { ip: '203.0.113.7', ua: UA, consent: GRANTED }, NOW_MS, 'tag')
  if (!('event' in r)) throw new Error(r.skip)
  const [result] = await tw!.runtime.ingest([r.event])
  expect(Object.keys(result.destinations)).toEqual(['pinterest-capi'])
  await flush()
  expect(NAMES.map((n) => got(n, 'tag-1').length)).toEqual([1, 0, 0])
})

it('a neutral event naming its platforms goes to those destinations only', async () => {
  await app()
  await postEvents(tw!, { events: [neutralPurchase({ event_id: 'only-meta', platforms: ['meta'] })] })
  await flush()
  expect(NAMES.map((n) => got(n, 'only-meta').length)).toEqual([0, 1, 0])
})
