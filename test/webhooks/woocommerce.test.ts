import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import type { TagwardenApp } from '../../server/app'
import { fakeCapiSuite } from '../helpers/fake-capi-suite'
import { buildApp, liveCapi } from '../helpers/build-app'
import { EPIK, GRANTED, NOW_MS, PAID_AT_S, UA, WOO_SECRET, keysUnder, postWoo, wooOrder } from './helpers'

const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const EVENT_ID = 'ord_727'

let tw: TagwardenApp
const fake = fakeCapiSuite(() => tw)

const app = (env: Record<string, string> = {}) =>
  buildApp({ ...liveCapi(fake().url), WOOCOMMERCE_WEBHOOK_SECRET: WOO_SECRET, ...env }, { now: () => NOW_MS })

async function sent() {
  await tw.runtime.dispatcher.flush()
  return fake().received.map((r) => r.event)
}

/** The documented order 727 with tagwarden's cart token in its meta (the README checkout hook). */
function orderWithToken(token = 'tw-cart-9b2c') {
  const order = wooOrder()
  order.meta_data.push({ id: 13107, key: '_tw_cart', value: token })
  return order
}

/** The same order before payment: what order.created sends for a pending order. */
function unpaid(status: string) {
  return { ...orderWithToken(), status, date_paid: null, date_paid_gmt: null }
}

describe('POST /tw/webhooks/woocommerce', () => {
  it("answers WooCommerce's delivery ping (form body webhook_id=…, unsigned) with 200 and stores nothing", async () => {
    tw = await app()
    const res = await tw.fetch(
      new Request('http://shop.test/tw/webhooks/woocommerce', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'WooCommerce/8.9.1 Hookshot (WordPress/6.5.3)' },
        body: 'webhook_id=3',
      }),
    )
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true, status: 'ping' })
    expect(await keysUnder(tw, 'wh')).toEqual([])
  })

  it('turns a paid order into one checkout joined to the browser context by the _tw_cart order meta', async () => {
    tw = await app()
    await tw.runtime.carts.put(['tw-cart-9b2c'], { epik: EPIK, ip: '198.51.100.23', ua: UA, consent: GRANTED as any, visitor_id: 'V-7f3c2a', at: NOW_MS })
    const res = await postWoo(tw, orderWithToken(), { topic: 'order.created' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true, event_id: EVENT_ID, status: 'accepted', context: 'joined' })

    const events = await sent()
    expect(events).toEqual([
      {
        event_name: 'checkout',
        action_source: 'web',
        event_time: PAID_AT_S, // date_paid_gmt, read as UTC
        event_id: EVENT_ID,
        user_data: {
          em: [sha('john.doe@example.com')],
          ph: [sha('15555555555')], // "(555) 555-5555" in a US order: with the country code, as user_data.ph asks
          fn: [sha('john')],
          ln: [sha('doe')],
          ct: [sha('sanfrancisco')],
          st: [sha('ca')],
          zp: [sha('94103')],
          country: [sha('us')],
          external_id: [sha('v-7f3c2a')],
          click_id: EPIK,
          client_ip_address: '198.51.100.23',
          client_user_agent: UA,
        },
        custom_data: {
          value: '18', // line totals 6.00 + 12.00: after discounts, before tax (1.35) and shipping (10.00)
          currency: 'USD',
          order_id: '727',
          num_items: 3,
          content_ids: ['93', '22'],
          contents: [
            { id: '93', item_price: '3', quantity: 2, item_name: 'Woo Single #1' },
            { id: '22', item_price: '12', quantity: 1, item_name: 'Ship Your Idea – Color: Black, Size: M Test' },
          ],
        },
      },
    ])
  })

  it('sends nothing for unpaid orders (pending, failed, on-hold: not-paid) or cancelled ones', async () => {
    tw = await app({ TAGWARDEN_DEFAULT_CONSENT: 'granted' })
    for (const status of ['pending', 'failed', 'on-hold']) {
      const res = await postWoo(tw, unpaid(status), { topic: 'order.created' })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ ok: true, status: 'not-paid', reason: `order 727 is not paid (status ${status})` })
    }
    const cancelled = await postWoo(tw, unpaid('cancelled'), { topic: 'order.updated' })
    expect(await cancelled.json()).toMatchObject({ ok: true, status: 'cancelled', counted: false, reason: expect.stringContaining('nothing sent to Pinterest') })
    expect(await tw.runtime.outbox.depth('pinterest-capi')).toBe(0)
    expect(await sent()).toEqual([])
  })

  it('makes the purchase once across created → updated (paid) → updated (completed) deliveries', async () => {
    tw = await app({ TAGWARDEN_DEFAULT_CONSENT: 'granted' })
    const answers = []
    answers.push(await (await postWoo(tw, unpaid('pending'), { topic: 'order.created' })).json())
    answers.push(await (await postWoo(tw, orderWithToken(), { topic: 'order.updated' })).json())
    answers.push(await (await postWoo(tw, { ...orderWithToken(), status: 'completed', date_completed_gmt: '2025-12-31T23:59:50' }, { topic: 'order.updated' })).json())
    expect(answers.map((a) => a.status)).toEqual(['not-paid', 'accepted', 'duplicate'])
    await sent()
    expect(fake().countById(EVENT_ID)).toBe(1)
  })

  it('answers a replayed X-WC-Webhook-Delivery-ID with 200 and sends nothing twice', async () => {
    tw = await app({ TAGWARDEN_DEFAULT_CONSENT: 'granted' })
    const first = await postWoo(tw, orderWithToken(), { deliveryId: '36e520ebabc2fa725092ff4a47acedf2' })
    expect((await first.json()).status).toBe('accepted')
    const replay = await postWoo(tw, orderWithToken(), { deliveryId: '36e520ebabc2fa725092ff4a47acedf2' })
    expect(replay.status).toBe(200)
    expect(await replay.json()).toMatchObject({ ok: true, status: 'duplicate' })
    await sent()
    expect(fake().countById(EVENT_ID)).toBe(1)
  })

  it('keeps two orders apart that share a delivery id (Woo derives it from webhook id + second)', async () => {
    tw = await app({ TAGWARDEN_DEFAULT_CONSENT: 'granted' })
    await postWoo(tw, orderWithToken(), { deliveryId: 'same-second' })
    const other = { ...orderWithToken(), id: 728, number: '728' }
    expect((await (await postWoo(tw, other, { deliveryId: 'same-second' })).json()).status).toBe('accepted')
    await sent()
    expect(fake().received.map((r) => r.event.event_id).sort()).toEqual(['ord_727', 'ord_728'])
  })

  it('refuses a bad or missing signature with 401 and stores nothing', async () => {
    tw = await app()
    expect((await postWoo(tw, orderWithToken(), { signature: null })).status).toBe(401)
    const bad = await postWoo(tw, orderWithToken(), { signature: 'bm90IHRoZSByaWdodCBzaWduYXR1cmUgYXQgYWxsIQ==' })
    expect(bad.status).toBe(401)
    expect((await bad.json()).message).toMatch(/X-WC-Webhook-Signature.*WOOCOMMERCE_WEBHOOK_SECRET/)
    // A ping-shaped body with a wrong signature is not a ping.
    expect((await postWoo(tw, 'webhook_id=3', { signature: 'AAAA' })).status).toBe(401)
    expect(await tw.runtime.outbox.depth('pinterest-capi')).toBe(0)
    expect(tw.runtime.journal.recent()).toEqual([])
    expect(await keysUnder(tw, 'wh')).toEqual([])
    expect(await sent()).toEqual([])
  })

  it('without a stored context uses customer_ip_address / customer_user_agent and the default consent', async () => {
    tw = await app({ TAGWARDEN_DEFAULT_CONSENT: 'granted' })
    const order = wooOrder()
    order.customer_ip_address = '203.0.113.7'
    order.customer_user_agent = UA
    const res = await postWoo(tw, order)
    expect(await res.json()).toEqual({ ok: true, event_id: EVENT_ID, status: 'accepted', context: 'none' })
    expect(tw.runtime.journal.recent()[0].destinations['pinterest-capi'].detail).toMatch(/webhook-no-context/)
    const [event] = await sent()
    expect(event.user_data).toMatchObject({ client_ip_address: '203.0.113.7', client_user_agent: UA })
    expect(event.user_data.click_id).toBeUndefined()
  })

  it('finds the context by cart_hash and takes epik from the order attribution entry URL as a last resort', async () => {
    tw = await app()
    await tw.runtime.carts.put(['a1b2c3d4e5f60718293a4b5c6d7e8f90'], { ip: '198.51.100.5', ua: UA, consent: GRANTED as any, at: NOW_MS })
    const order = wooOrder()
    order.cart_hash = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'
    order.meta_data.push({ id: 13110, key: '_wc_order_attribution_session_entry', value: `https://example.com/shop/?epik=${EPIK}` })
    expect((await (await postWoo(tw, order)).json()).context).toBe('joined')
    const [event] = await sent()
    expect(event.user_data).toMatchObject({ click_id: EPIK, client_ip_address: '198.51.100.5' })
  })

  it('ignores topics without an order, and answers 400 naming the field for a bad order', async () => {
    tw = await app()
    const product = await postWoo(tw, { id: 93, name: 'Woo Single #1' }, { topic: 'product.updated' })
    expect(await product.json()).toMatchObject({ ok: true, status: 'ignored' })
    const bad = await postWoo(tw, { ...wooOrder(), status: 7 })
    expect(bad.status).toBe(400)
    expect((await bad.json()).message).toMatch(/^status: /)
    expect((await postWoo(tw, 'webhook_id=3')).status).toBe(400) // signed but not JSON: not the ping
  })

  it('is disabled (404 naming the env var) without WOOCOMMERCE_WEBHOOK_SECRET', async () => {
    tw = await buildApp(liveCapi(fake().url))
    const res = await postWoo(tw, wooOrder())
    expect(res.status).toBe(404)
    expect((await res.json()).message).toMatch(/WOOCOMMERCE_WEBHOOK_SECRET/)
  })
})
