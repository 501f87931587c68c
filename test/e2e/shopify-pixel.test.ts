// The shipped Shopify pixel in real Chromium: the snippet `tagwarden shopify-pixel` prints runs
// unchanged inside Shopify's pixel API reproduced in an `<iframe sandbox="allow-scripts">` (a real
// opaque origin: its posts carry `Origin: null`), posts to a running tagwarden, and the signed
// orders/paid webhook of the same order joins it: one event per destination at the fake Pinterest
// CAPI, id ord_450789469. A shopper Shopify reports with marketingAllowed: false is suppressed by
// the shipped consent rules; a post from the sandbox without the key is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../server/config'
import { createLogger } from '../../server/log'
import { PATH_BITS } from '../../server/report/recorder'
import { dayOf } from '../../server/report/report-store'
import { startServer, type Running } from '../../server/serve'
import { derivePixelKey } from '../../server/shopify/pixel-key'
import { shopifyPixelSnippet } from '../../server/shopify/snippet'
import { createStore } from '../../server/storage/create-store'
import { signWebhook } from '../../server/webhooks/verify'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { ALL_ALLOWED, fixtureEvent, startShopifyPixelSandbox, type PixelEventInput, type ShopifyPixelSandbox } from '../fakes/shopify-pixel-sandbox'
import { shopifyOrder, SHOPIFY_SECRET } from '../webhooks/helpers'
import { launch, skipWithoutChromium, type Browser } from './chromium'

const skip = skipWithoutChromium()

const SECRET = { kid: 'k1', secret: 'e2e0123456789abcdef0123456789abcdef' }
const KEY = derivePixelKey(SECRET)
const EPIK = 'dj0yJnU9U2hvcGlmeVBpeGVsRTJlRXBpazAx'
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 tagwarden-e2e'
const checkoutPath = (c: string, step: string) => `/checkouts/cn/c1-${c}/${step}`

let capi: FakeCapi
let running: Running
let shop: ShopifyPixelSandbox
let browser: Browser

/** A fixture checkout event for another shopper's checkout: its own token and order id. */
function checkoutEvent(name: 'checkout_started' | 'payment_info_submitted' | 'checkout_completed', token?: string, orderId?: number): PixelEventInput {
  const e = fixtureEvent(name) as { name: string; data: { checkout: Record<string, any> } }
  if (token) e.data.checkout.token = token
  if (orderId) e.data.checkout.order = { ...e.data.checkout.order, id: `gid://shopify/OrderIdentity/${orderId}` }
  return e
}

/** The signed orders/paid Shopify sends for the fixture order (paid just now), over HTTP. */
async function orderPaid(patch: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const now = new Date().toISOString()
  const body = JSON.stringify({ ...shopifyOrder(), created_at: now, processed_at: now, updated_at: now, ...patch })
  const res = await fetch(`${running.url}/tw/webhooks/shopify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/paid', 'x-shopify-hmac-sha256': signWebhook(SHOPIFY_SECRET, body), 'x-shopify-webhook-id': `e2e-${Math.random()}`, 'x-shopify-shop-domain': 'jsmith.myshopify.com' },
    body,
  })
  expect(res.status).toBe(200)
  return (await res.json()) as Record<string, unknown>
}

const journal = () => running.tw.runtime.journal.recent(500)
async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`[e2e] waited ${timeoutMs} ms for ${what}; journal: ${JSON.stringify(journal().map((e) => [e.event_id, e.name, e.source]))}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
async function untilAsync(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`[e2e] waited ${timeoutMs} ms for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
/** Whether the reconciliation report counts order `id` as reported by the pixel (the browser side of the purchase). */
async function pixelReported(id: string): Promise<boolean> {
  const { report } = running.tw.runtime
  await report.flush()
  const days = await report.read([dayOf(Date.now() - 86_400_000), dayOf(Date.now())])
  return [...days.values()].some((d) => ((d.f[`o|${id}`] ?? 0) & PATH_BITS.pixel) !== 0)
}
const capiFor = (id: string) => capi.received.filter((r) => r.event.event_id === id).map((r) => r.event)

describe.skipIf(skip)('the shipped Shopify pixel in Chromium → tagwarden → fake Pinterest CAPI', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    capi = await startFakeCapi()
    const config = parseConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      TAGWARDEN_STORAGE: 'memory:',
      TAGWARDEN_SECRET: `${SECRET.kid}:${SECRET.secret}`,
      TAGWARDEN_LOG_LEVEL: 'silent',
      SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET,
      PINTEREST_AD_ACCOUNT_ID: '549755885175',
      PINTEREST_ACCESS_TOKEN: 'pina_e2e_token_123',
      PINTEREST_API_URL: capi.url,
    })
    running = await startServer(config, { store: createStore({ kind: 'memory' }), log: createLogger('silent') })
    // What `tagwarden shopify-pixel --url …` prints, pasted unchanged.
    shop = await startShopifyPixelSandbox({ snippet: shopifyPixelSnippet({ url: `${running.url.replace('127.0.0.1', 'localhost')}/tw`, key: KEY }) })
    browser = await launch({ userAgent: UA })
  })

  afterAll(async () => {
    await browser?.close()
    await shop?.close()
    await running?.close()
    await capi?.close()
  })

  it('checkout events reach tagwarden from the opaque sandbox; checkout_completed joins the signed orders/paid: one event per destination, ord_450789469', async () => {
    const page = await browser.context.newPage()
    // Landing from a Pin: the storefront view is not sent (checkout mode) but its epik is kept in _epik for checkout.
    await shop.open(page, `/products/ipod-nano?epik=${EPIK}`)
    await shop.open(page, checkoutPath('7f0c2a9d41b85e36a1d0c4e92b7f58a3', 'information'))
    const started = await shop.publish(page, fixtureEvent('checkout_started'))
    const paying = await shop.publish(page, fixtureEvent('payment_info_submitted'))
    await shop.open(page, checkoutPath('7f0c2a9d41b85e36a1d0c4e92b7f58a3', 'thank-you'))
    await shop.publish(page, fixtureEvent('checkout_completed'))
    expect(await shop.errors(page)).toEqual([])
    await until('the checkout steps and two checkout page views', () => journal().filter((e) => e.source === 'pixel').length >= 4)
    await untilAsync('checkout_completed reported', () => pixelReported('ord_450789469'))
    expect(await running.tw.runtime.carts.get('bd5a8aa1ecd019dd3520ff791ee3a24c')).toMatchObject({ epik: EPIK, ua: UA, consent: { ad_storage: 'granted', source: 'shopify' } })

    expect(await orderPaid()).toMatchObject({ event_id: 'ord_450789469', status: 'accepted', context: 'joined' })
    await running.tw.runtime.dispatcher.flush()
    const purchase = capiFor('ord_450789469')
    expect(purchase).toHaveLength(1)
    expect(purchase[0]).toMatchObject({ event_name: 'checkout', custom_data: { order_id: '450789469' }, user_data: { click_id: EPIK, client_user_agent: UA, client_ip_address: expect.stringMatching(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/) } })
    for (const [e, name] of [[started, 'initiate_checkout'], [paying, 'add_payment_info']] as const) {
      expect(capiFor(e.id).map((x) => x.event_name)).toEqual([name])
      expect(capiFor(e.id)[0].user_data.click_id).toBe(EPIK)
    }
    const views = capi.received.filter((r) => r.event.event_name === 'page_visit').map((r) => r.event.event_source_url)
    expect(views).toEqual([`${shop.url}${checkoutPath('7f0c2a9d41b85e36a1d0c4e92b7f58a3', 'information')}`, `${shop.url}${checkoutPath('7f0c2a9d41b85e36a1d0c4e92b7f58a3', 'thank-you')}`])
    // Shopify's consent replays and a webhook redelivery change nothing: still one purchase.
    expect(await orderPaid()).toMatchObject({ status: 'duplicate' })
    await running.tw.runtime.dispatcher.flush()
    expect(capiFor('ord_450789469')).toHaveLength(1)
    await page.close()
  })

  it('a shopper Shopify reports with marketingAllowed: false: the pixel\'s events and the joined purchase are suppressed by the consent rules', async () => {
    await browser.context.clearCookies()
    shop.configure({ customerPrivacy: { ...ALL_ALLOWED, marketingAllowed: false } })
    const page = await browser.context.newPage()
    const token = '0d3e5f7a9b1c2d4e6f8a0b2c4d6e8f0a'
    await shop.open(page, checkoutPath('denied0001', 'information'))
    const started = await shop.publish(page, checkoutEvent('checkout_started', token))
    await shop.publish(page, checkoutEvent('checkout_completed', token, 450789470))
    await until('the denied shopper\'s checkout_started', () => journal().some((e) => e.event_id === started.id))
    await untilAsync('the denied shopper\'s checkout_completed', () => pixelReported('ord_450789470'))
    expect(await orderPaid({ id: 450789470, admin_graphql_api_id: 'gid://shopify/Order/450789470', checkout_token: token, cart_token: null })).toMatchObject({ event_id: 'ord_450789470', status: 'suppressed', context: 'joined' })
    for (const id of [started.id, 'ord_450789470']) {
      expect(journal().find((e) => e.event_id === id)!.destinations['pinterest-capi']).toMatchObject({ action: 'suppress', rule: 'no-ad-consent', state: 'suppressed' })
    }
    await running.tw.runtime.dispatcher.flush()
    expect(capiFor(started.id)).toEqual([])
    expect(capiFor('ord_450789470')).toEqual([])
    expect(await shop.errors(page)).toEqual([])
    shop.configure({ customerPrivacy: ALL_ALLOWED })
    await page.close()
  })

  it('a post from the sandbox (Origin: null) without the key is refused; nothing is accepted', async () => {
    const url = `${running.url.replace('127.0.0.1', 'localhost')}/tw/shopify/pixel`
    // The shipped snippet with the key cut out, plus a probe that reads the answers (CORS allows it).
    shop.configure({
      snippet: `${shopifyPixelSnippet({ url: `${running.url.replace('127.0.0.1', 'localhost')}/tw`, key: '' })}
        analytics.subscribe('checkout_started', function (event) {
          var base = { v: 1, privacy: init.customerPrivacy, event: { id: event.id, name: 'page_viewed', timestamp: event.timestamp, url: null, referrer: null, data: {} } };
          var keyless = JSON.stringify(base);
          base.key = 'twpx_k1_notTheKey0000000000000000000000';
          Promise.all([keyless, JSON.stringify(base)].map(function (b) {
            return fetch(${JSON.stringify(url)}, { method: 'POST', body: b }).then(function (r) { return r.json().then(function (j) { return [r.status, j.message]; }); });
          })).then(function (answers) { fetch('/collect/answers', { method: 'POST', body: JSON.stringify({ origin: self.origin, answers: answers }) }); });
        });`,
    })
    const page = await browser.context.newPage()
    await shop.open(page, checkoutPath('nokey0001', 'information'))
    const before = journal().length
    const sent = await shop.publish(page, checkoutEvent('checkout_started', 'nokeytoken000000000000000000000000'))
    const [hit] = await shop.waitForCollected((r) => r.path === '/collect/answers')
    const { origin, answers } = JSON.parse(hit.body) as { origin: string; answers: [number, string][] }
    expect(origin).toBe('null')
    expect(answers).toEqual([
      [403, expect.stringMatching(/missing Shopify pixel key/)],
      [403, expect.stringMatching(/unknown Shopify pixel key/)],
    ])
    expect(journal().length).toBe(before)
    expect(journal().some((e) => e.event_id === sent.id)).toBe(false)
    expect(await running.tw.runtime.carts.get('nokeytoken000000000000000000000000')).toBeUndefined()
    await page.close()
  })
})
