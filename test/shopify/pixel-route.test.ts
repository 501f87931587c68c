// POST /tw/shopify/pixel over HTTP: the one route that takes an opaque origin, and only with the
// pixel key; the purchase joins the signed order webhook (one event per destination, same id).
import { describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { derivePixelKey } from '../../server/shopify/pixel-key'
import { fakeCapiSuite } from '../helpers/fake-capi-suite'
import { buildApp, liveCapi, SECRET } from '../helpers/build-app'
import { NOW_MS, SHOPIFY_SECRET, postShopify, shopifyOrder } from '../webhooks/helpers'
import { ALLOWED, snippetPosts, standardEvent } from './helpers'
import type { CustomerPrivacy, PixelEvent } from '../fakes/shopify-pixel-sandbox'

let tw: TagwardenApp
const fake = fakeCapiSuite(() => tw)
const KEY = derivePixelKey({ kid: SECRET.split(':')[0], secret: SECRET.slice(SECRET.indexOf(':') + 1) })
const SHOPPER_IP = '198.51.100.23'
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const app = (env: Record<string, string> = {}) => buildApp({ ...liveCapi(fake().url), SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET, ...env }, { now: () => NOW_MS })

/** A fixture event as it happens now (the app's clock), 30 s before the order is paid. */
const live = (name: string): PixelEvent => ({ ...standardEvent(name), timestamp: new Date(NOW_MS - 60_000).toISOString() })

function post(body: string | object, headers: Record<string, string> = {}, ip = SHOPPER_IP): Promise<Response> {
  return tw.fetch(
    new Request('http://shop.test/tw/shopify/pixel', { method: 'POST', headers: { origin: 'null', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain;charset=UTF-8', 'user-agent': UA, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
    { clientAddress: ip },
  )
}
/** What the shipped snippet posts for these events. */
async function pixel(names: string[], o: { privacy?: CustomerPrivacy; key?: string } = {}) {
  const { posts } = await snippetPosts(names.map(live), { key: KEY, mode: 'all', ...o })
  const out = []
  for (const p of posts) {
    const res = await post(p.init.body as string)
    out.push({ status: res.status, body: await res.json() })
  }
  return out
}
async function sent() {
  await tw.runtime.dispatcher.flush()
  return fake().received.map((r) => r.event)
}

describe('POST /tw/shopify/pixel', () => {
  it('takes the snippet\'s post from Shopify\'s sandbox (Origin: null, cross-site) with the key', async () => {
    tw = await app()
    const [r] = await pixel(['product_added_to_cart'])
    expect(r).toEqual({ status: 202, body: { event: 'product_added_to_cart', event_id: expect.stringMatching(/^sh-/), status: 'accepted' } })
    const [capi] = await sent()
    expect(capi).toMatchObject({ event_name: 'add_to_cart', user_data: { client_ip_address: SHOPPER_IP, client_user_agent: UA }, custom_data: { value: '199', currency: 'USD' } })
  })

  it('refuses an opaque-origin post without the key, or with another; and a foreign origin even with the key', async () => {
    tw = await app()
    const { posts } = await snippetPosts([live('page_viewed')], { key: KEY, mode: 'all' })
    const body = JSON.parse(posts[0].init.body as string)
    const { key: _key, ...keyless } = body
    for (const [b, why] of [[keyless, /missing Shopify pixel key/], [{ ...body, key: 'twpx_k1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, /unknown Shopify pixel key/]] as const) {
      const res = await post(b)
      expect(res.status).toBe(403)
      expect(res.headers.get('access-control-allow-origin')).toBe('*')
      expect((await res.json()).message).toMatch(why)
    }
    const foreign = await post(body, { origin: 'https://evil.example' })
    expect(foreign.status).toBe(403)
    expect((await foreign.json()).message).toMatch(/cross-site request/)
    const older = await post(body, { origin: 'https://evil.example', 'sec-fetch-site': '' })
    expect(older.status).toBe(403)
    expect((await older.json()).message).toMatch(/evil\.example is not this shop/)
    expect((await post(body, { origin: 'http://shop.test', 'sec-fetch-site': 'same-origin' })).status).toBe(202)
    expect(await sent()).toHaveLength(1)
  })

  it('nothing else relaxes the cross-site rule: /tw/e and /tw/ctx still refuse Origin: null', async () => {
    tw = await app()
    for (const path of ['/tw/e', '/tw/ctx']) {
      const res = await tw.fetch(new Request(`http://shop.test${path}`, { method: 'POST', headers: { origin: 'null', 'content-type': 'text/plain' }, body: '{}' }))
      expect(res.status).toBe(403)
    }
  })

  it('validates strictly and names the problem; limits the body; answers a preflight', async () => {
    tw = await app()
    const { posts } = await snippetPosts([live('checkout_started')], { key: KEY })
    const body = JSON.parse(posts[0].init.body as string)
    const extra = structuredClone(body)
    extra.event.data.checkout.note = 'smuggled'
    let res = await post(extra)
    expect(res.status).toBe(400)
    expect((await res.json()).message).toMatch(/event\.data\.checkout: Unrecognized key: "note"/)
    res = await post({ ...body, event: { ...body.event, name: 'cart_viewed' } })
    expect(res.status).toBe(400)
    res = await post('x'.repeat(70_000))
    expect(res.status).toBe(413)
    res = await post(body, { 'content-type': 'application/x-www-form-urlencoded' })
    expect(res.status).toBe(415)
    const pre = await tw.fetch(new Request('http://shop.test/tw/shopify/pixel', { method: 'OPTIONS', headers: { origin: 'null', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } }))
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe('*')
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull()
    expect(await sent()).toEqual([])
  })

  it('rate-limits per client IP (TAGWARDEN_SHOPIFY_PIXEL_RATE_LIMIT), from rt.client only', async () => {
    tw = await app({ TAGWARDEN_SHOPIFY_PIXEL_RATE_LIMIT: '2/min' })
    const { posts } = await snippetPosts([live('page_viewed')], { key: KEY, mode: 'all' })
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await post(posts[0].init.body as string, { 'x-forwarded-for': `203.0.113.${i}` })).status)
    expect(statuses).toEqual([202, 202, 429])
    expect((await post(posts[0].init.body as string, {}, '192.0.2.9')).status).toBe(202)
  })

  it('checkout_completed joins the signed orders/paid webhook: one event per destination, id ord_450789469, the pixel\'s browser context', async () => {
    tw = await app()
    const answers = await pixel(['checkout_started', 'checkout_contact_info_submitted', 'payment_info_submitted', 'checkout_completed'])
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202])
    expect(answers[3].body).toMatchObject({ event_id: 'ord_450789469', status: 'joined' })
    const order = { ...shopifyOrder(), browser_ip: '10.0.0.1', client_details: { browser_ip: '10.0.0.1', user_agent: 'Shopify order system' } }
    const res = await postShopify(tw, order)
    expect(await res.json()).toMatchObject({ event_id: 'ord_450789469', status: 'accepted', context: 'joined' })
    const events = await sent()
    expect(events.map((e) => e.event_name).sort()).toEqual(['add_payment_info', 'checkout', 'initiate_checkout'])
    const purchase = events.filter((e) => e.event_id === 'ord_450789469')
    expect(purchase).toHaveLength(1)
    expect(purchase[0]).toMatchObject({ event_name: 'checkout', user_data: { client_ip_address: SHOPPER_IP, client_user_agent: UA }, custom_data: { order_id: '450789469' } })
    // The webhook again, or the pixel again: still one.
    await postShopify(tw, order)
    await pixel(['checkout_completed'])
    expect((await sent()).filter((e) => e.event_id === 'ord_450789469')).toHaveLength(1)
  })

  it('without SHOPIFY_WEBHOOK_SECRET the pixel\'s checkout_completed is the purchase itself, same id', async () => {
    tw = await app({ SHOPIFY_WEBHOOK_SECRET: '' })
    const [r] = await pixel(['checkout_completed'])
    expect(r.body).toMatchObject({ event_id: 'ord_450789469', status: 'accepted' })
    expect((await sent()).map((e) => [e.event_name, e.event_id])).toEqual([['checkout', 'ord_450789469']])
  })

  it('a shopper with marketingAllowed: false: every event and the joined purchase are suppressed by the shipped rules', async () => {
    tw = await app()
    const answers = await pixel(['page_viewed', 'checkout_started', 'checkout_completed'], { privacy: { ...ALLOWED, marketingAllowed: false } })
    expect(answers.map((a) => a.body.status)).toEqual(['suppressed', 'suppressed', 'joined'])
    expect(await (await postShopify(tw, shopifyOrder())).json()).toMatchObject({ event_id: 'ord_450789469', status: 'suppressed', context: 'joined' })
    expect(await sent()).toEqual([])
    const entry = tw.runtime.journal.recent().find((e) => e.event_id === 'ord_450789469')!
    expect(entry.destinations['pinterest-capi']).toMatchObject({ action: 'suppress', rule: 'no-ad-consent', consent: 'cmp:shopify (shopify)' })
  })
})
