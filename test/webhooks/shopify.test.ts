import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import type { TagwardenApp } from '../../server/app'
import { orderEventId } from '../../server/webhooks/order-event'
import { fakeCapiSuite } from '../helpers/fake-capi-suite'
import { buildApp, liveCapi, postEvents } from '../helpers/build-app'
import { EPIK, GRANTED, NOW_MS, PAID_AT_S, SHOPIFY_SECRET, UA, keysUnder, postShopify, shopifyOrder } from './helpers'

const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const CART_TOKEN = '68778783ad298f1c80c3bafcddeea02f' // the documented order's cart_token
const EVENT_ID = 'ord_450789469'

let tw: TagwardenApp
const fake = fakeCapiSuite(() => tw)

const app = (env: Record<string, string> = {}) =>
  buildApp({ ...liveCapi(fake().url), SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET, ...env }, { now: () => NOW_MS })

/** What the loader's /tw/ctx stored for the shopper who owned this cart. */
const storeContext = (tokens: string[], consent: Record<string, unknown> = GRANTED) =>
  tw.runtime.carts.put(tokens, { epik: EPIK, ip: '198.51.100.23', ua: UA, consent: consent as any, visitor_id: 'V-7f3c2a', at: NOW_MS - 3_600_000 })

async function sent() {
  await tw.runtime.dispatcher.flush()
  return fake().received.map((r) => r.event)
}

describe('POST /tw/webhooks/shopify', () => {
  it('turns a signed orders/paid into one checkout joined to the browser context (epik, IP, UA, consent)', async () => {
    tw = await app()
    await storeContext([CART_TOKEN])
    const res = await postShopify(tw, shopifyOrder())
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true, event_id: EVENT_ID, status: 'accepted', context: 'joined' })

    const events = await sent()
    expect(events).toHaveLength(1)
    // The thank-you page names the same conversion: the loader fills the same template with checkout.order_id.
    expect(events[0].event_id).toBe(orderEventId(tw.runtime.config.eventIdTemplate, 450789469))
    expect(events[0]).toEqual({
      event_name: 'checkout',
      action_source: 'web',
      event_time: PAID_AT_S, // processed_at, in seconds
      event_id: EVENT_ID,
      user_data: {
        em: [sha('bob.norman@mail.example.com')],
        ph: [sha('557734881234'), sha('15024592181'), sha('16136120707')],
        fn: [sha('bob')],
        ln: [sha('norman')],
        ct: [sha('louisville')],
        st: [sha('ky')],
        zp: [sha('40202')],
        country: [sha('us')],
        external_id: [sha('v-7f3c2a')],
        click_id: EPIK,
        client_ip_address: '198.51.100.23',
        client_user_agent: UA,
      },
      custom_data: {
        value: '597', // subtotal_price: after discounts, before tax and shipping
        currency: 'USD',
        order_id: '450789469',
        num_items: 3,
        content_ids: ['632910392'],
        contents: [
          { id: '632910392', item_price: '199', quantity: 1, item_name: 'IPod Nano - 8gb - green' },
          { id: '632910392', item_price: '199', quantity: 1, item_name: 'IPod Nano - 8gb - red' },
          { id: '632910392', item_price: '199', quantity: 1, item_name: 'IPod Nano - 8gb - black' },
        ],
      },
    })
  })

  it('sends nothing twice when the thank-you page already sent the checkout with the same event_id', async () => {
    tw = await app()
    await storeContext([CART_TOKEN])
    // The browser path (here through the events API, as the loader fallback would) with the template id.
    const page = await postEvents(tw, {
      data: [{ event_name: 'checkout', event_id: EVENT_ID, user_data: { client_ip_address: '198.51.100.23', client_user_agent: UA }, custom_data: { order_id: '450789469' }, consent: GRANTED }],
    })
    expect(page.status).toBe(202)
    const res = await postShopify(tw, shopifyOrder())
    expect(res.status).toBe(200)
    expect((await res.json()).status).toBe('duplicate')
    await sent()
    expect(fake().countById(EVENT_ID)).toBe(1)
  })

  it('refuses a bad or missing signature with 401 and stores nothing', async () => {
    tw = await app()
    const order = shopifyOrder()
    const wrongKey = await postShopify(tw, order, { secret: 'shpss_someone_elses_secret' })
    expect(wrongKey.status).toBe(401)
    expect((await wrongKey.json()).message).toMatch(/X-Shopify-Hmac-Sha256.*SHOPIFY_WEBHOOK_SECRET/)
    expect((await postShopify(tw, order, { hmac: null })).status).toBe(401)
    expect((await postShopify(tw, order, { hmac: 'not base64 at all!' })).status).toBe(401)
    // Signed over other bytes (re-serialized body) → the raw body is what counts.
    const raw = JSON.stringify(order)
    const { signWebhook } = await import('../../server/webhooks/verify')
    const tampered = await postShopify(tw, JSON.stringify(order, null, 2), { hmac: signWebhook(SHOPIFY_SECRET, raw) })
    expect(tampered.status).toBe(401)

    expect(await tw.runtime.outbox.depth('pinterest-capi')).toBe(0)
    expect(tw.runtime.journal.recent()).toEqual([])
    expect(await keysUnder(tw, 'wh')).toEqual([])
    expect(await sent()).toEqual([])
  })

  it('answers a replayed X-Shopify-Webhook-Id with 200 and sends the order once', async () => {
    tw = await app({ TAGWARDEN_DEFAULT_CONSENT: 'granted' })
    const order = shopifyOrder()
    const first = await postShopify(tw, order, { webhookId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043' })
    expect((await first.json()).status).toBe('accepted')
    const replay = await postShopify(tw, order, { webhookId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043' })
    expect(replay.status).toBe(200)
    expect(await replay.json()).toMatchObject({ ok: true, status: 'duplicate', reason: expect.stringContaining('X-Shopify-Webhook-Id') })
    // A second delivery under a new webhook id (orders/paid fired again) is still the same order.
    const again = await postShopify(tw, order, { webhookId: 'c0ffee00-0000-4000-8000-000000000001' })
    expect(again.status).toBe(200)
    expect((await again.json()).status).toBe('duplicate')
    await sent()
    expect(fake().countById(EVENT_ID)).toBe(1)
  })

  it('without a stored context uses browser_ip / user agent from the order, the default consent, and says so', async () => {
    tw = await app({ TAGWARDEN_DEFAULT_CONSENT: 'granted' })
    const order = shopifyOrder()
    // The docs' sample has browser_ip 0.0.0.0 and a null user agent; a real checkout records both.
    order.browser_ip = '203.0.113.7'
    order.client_details = { ...order.client_details, browser_ip: '203.0.113.7', user_agent: UA }
    order.landing_site = `/products/ipod-nano?utm_source=pinterest&epik=${EPIK}`
    const res = await postShopify(tw, order)
    expect(await res.json()).toEqual({ ok: true, event_id: EVENT_ID, status: 'accepted', context: 'none' })

    const entry = tw.runtime.journal.recent().find((e) => e.event_id === EVENT_ID)!
    expect(entry.source).toBe('webhook')
    expect(entry.destinations['pinterest-capi'].detail).toMatch(/no browser context.*webhook-no-context/)
    const [event] = await sent()
    expect(event.user_data).toMatchObject({ client_ip_address: '203.0.113.7', client_user_agent: UA, click_id: EPIK })
    expect(event.user_data.external_id).toBeUndefined()
    // Once sent, the record still says which consent applied and why.
    expect(tw.runtime.journal.recent().find((e) => e.event_id === EVENT_ID)!.destinations['pinterest-capi']).toMatchObject({ state: 'sent', consent: 'region-default (webhook-no-context)' })
  })

  it('without a context and TAGWARDEN_DEFAULT_CONSENT=denied (the default) suppresses a purchase from outside the US, and the audit says why', async () => {
    tw = await app()
    const order = shopifyOrder()
    for (const a of ['billing_address', 'shipping_address']) order[a] = { ...order[a], country_code: 'CA', province_code: 'ON' }
    const res = await postShopify(tw, order)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true, event_id: EVENT_ID, status: 'suppressed', context: 'none' })
    const rec = tw.runtime.journal.recent()[0].destinations['pinterest-capi']
    expect(rec).toMatchObject({ action: 'suppress', rule: 'no-ad-consent', state: 'suppressed' })
    expect(rec.detail).toMatch(/webhook-no-context/)
    expect(await sent()).toEqual([])
  })

  it('without a context, a US order is sent under the shipped US region default (an opt-out regime)', async () => {
    tw = await app()
    expect(await (await postShopify(tw, shopifyOrder())).json()).toEqual({ ok: true, event_id: EVENT_ID, status: 'accepted', context: 'none' })
    expect(tw.runtime.journal.recent()[0].destinations['pinterest-capi']).toMatchObject({ action: 'allow', consent: 'region-default (webhook-no-context)' })
    expect(await sent()).toHaveLength(1)
  })

  it('ignores topics other than the purchase trigger, and follows SHOPIFY_PURCHASE_TOPIC', async () => {
    tw = await app({ TAGWARDEN_DEFAULT_CONSENT: 'granted' })
    const updated = await postShopify(tw, shopifyOrder(), { topic: 'orders/updated' })
    expect(updated.status).toBe(200)
    expect(await updated.json()).toMatchObject({ ok: true, status: 'ignored', reason: expect.stringContaining('orders/paid') })
    expect((await (await postShopify(tw, shopifyOrder(), { topic: 'orders/create' })).json()).status).toBe('ignored')
    expect(await tw.runtime.outbox.depth('pinterest-capi')).toBe(0)
    await tw.close()

    tw = await app({ TAGWARDEN_DEFAULT_CONSENT: 'granted', SHOPIFY_PURCHASE_TOPIC: 'orders/create' })
    expect((await (await postShopify(tw, shopifyOrder(), { topic: 'orders/paid' })).json()).status).toBe('ignored')
    expect((await (await postShopify(tw, shopifyOrder(), { topic: 'orders/create' })).json()).status).toBe('accepted')
  })

  it('ignores Shopify test orders (test: true): nothing is queued, the delivery is acknowledged', async () => {
    tw = await app({ TAGWARDEN_DEFAULT_CONSENT: 'granted' })
    const order = { ...shopifyOrder(), test: true }
    const res = await postShopify(tw, order, { webhookId: 'wh-test-order' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ ok: true, status: 'ignored', reason: expect.stringContaining('test order') })
    expect(await tw.runtime.outbox.depth('pinterest-capi')).toBe(0)
    expect(tw.runtime.journal.recent()).toEqual([])
    // The same order as a real one (test: false) is a conversion.
    expect((await (await postShopify(tw, { ...shopifyOrder(), test: false })).json()).status).toBe('accepted')
  })

  it('joins by a tagwarden cart attribute first, then checkout_token, then cart_token', async () => {
    tw = await app()
    await tw.runtime.carts.put([CART_TOKEN], { ip: '192.0.2.1', ua: 'old', consent: GRANTED as any, at: NOW_MS })
    await tw.runtime.carts.put(['tw-cart-5e1f'], { epik: EPIK, ip: '198.51.100.99', ua: UA, consent: GRANTED as any, at: NOW_MS })
    const order = shopifyOrder()
    order.note_attributes = [...order.note_attributes, { name: '_tw_cart', value: 'tw-cart-5e1f' }]
    await postShopify(tw, order)
    const [event] = await sent()
    expect(event.user_data).toMatchObject({ click_id: EPIK, client_ip_address: '198.51.100.99', client_user_agent: UA })
  })

  it('applies TAGWARDEN_ORDER_VALUE=total and TAGWARDEN_CONTENT_ID=sku / variant_id', async () => {
    tw = await app({ TAGWARDEN_DEFAULT_CONSENT: 'granted', TAGWARDEN_ORDER_VALUE: 'total', TAGWARDEN_CONTENT_ID: 'sku' })
    await postShopify(tw, shopifyOrder())
    let [event] = await sent()
    expect(event.custom_data.value).toBe('598.94')
    expect(event.custom_data.content_ids).toEqual(['IPOD2008GREEN', 'IPOD2008RED', 'IPOD2008BLACK'])
    await tw.close()
    fake().received.length = 0

    tw = await app({ TAGWARDEN_DEFAULT_CONSENT: 'granted', TAGWARDEN_CONTENT_ID: 'variant_id' })
    await postShopify(tw, shopifyOrder())
    ;[event] = await sent()
    expect(event.custom_data.content_ids).toEqual(['39072856', '49148385', '457924702'])
  })

  it('answers clear 4xx for bad JSON, a bad shape and an oversized body; 404 naming the env var when disabled', async () => {
    tw = await app()
    const badJson = await postShopify(tw, '{"id": 1,')
    expect(badJson.status).toBe(400)
    expect((await badJson.json()).message).toMatch(/not valid JSON/)
    const { id: _drop, ...noId } = shopifyOrder()
    const noIdRes = await postShopify(tw, noId)
    expect(noIdRes.status).toBe(400)
    expect((await noIdRes.json()).message).toMatch(/^id: /)
    const badItem = shopifyOrder()
    badItem.line_items[1].quantity = 'two'
    const badItemRes = await postShopify(tw, badItem)
    expect(badItemRes.status).toBe(400)
    expect((await badItemRes.json()).message).toMatch(/^line_items\[1\]\.quantity: /)
    const huge = JSON.stringify({ ...shopifyOrder(), note: 'x'.repeat(4 * 1024 * 1024) })
    expect((await postShopify(tw, huge)).status).toBe(413)
    expect(await tw.runtime.outbox.depth('pinterest-capi')).toBe(0)
    await tw.close()

    tw = await buildApp({ ...liveCapi(fake().url) })
    const disabled = await postShopify(tw, shopifyOrder())
    expect(disabled.status).toBe(404)
    expect((await disabled.json()).message).toMatch(/SHOPIFY_WEBHOOK_SECRET/)
  })
})
