// The fake Shopify pixel runtime in real Chromium: a pixel snippet inside the sandbox receives the
// events it subscribed to (and only those), sees `init` and the consent Shopify reports, reads the
// shop's cookies only through `browser.cookie.get`, and its requests carry `Origin: null` — the
// sandbox is a real opaque origin, not a same-origin frame that merely looks like one.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALL_ALLOWED, fixtureEvent, startShopifyPixelSandbox, type CollectedRequest, type ShopifyPixelSandbox } from '../fakes/shopify-pixel-sandbox'
import { launch, skipWithoutChromium, type Browser } from './chromium'

const skip = skipWithoutChromium()

const webhookOrder = JSON.parse(readFileSync(new URL('../fixtures/webhooks/shopify-order.json', import.meta.url), 'utf8')) as { id: number; checkout_token: string }
const EPIK = 'dj0yJnU9U2FuZGJveFNlbGZUZXN0RXBpazAx'
const THANK_YOU = '/checkouts/cn/c1-7f0c2a9d41b85e36a1d0c4e92b7f58a3/thank-you'
const json = (r: CollectedRequest) => JSON.parse(r.body) as Record<string, unknown>
const at = (path: string) => (r: CollectedRequest) => r.method === 'POST' && r.path === path

let sandbox: ShopifyPixelSandbox
let browser: Browser

describe.skipIf(skip)('Shopify pixel sandbox harness in Chromium', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    sandbox = await startShopifyPixelSandbox()
    browser = await launch()
  })

  afterAll(async () => {
    await browser?.close()
    await sandbox?.close()
  })

  it('runs the snippet in an opaque origin: no DOM, cookie or storage access of its own; fetch carries Origin: null', async () => {
    sandbox.configure({
      snippet: `
        var probe = { origin: self.origin, top: 'readable', cookie: 'readable', storage: 'readable' };
        try { void parent.document.title } catch (e) { probe.top = e.name }
        try { void document.cookie } catch (e) { probe.cookie = e.name }
        try { void localStorage.length } catch (e) { probe.storage = e.name }
        fetch('/collect/probe', { method: 'POST', body: JSON.stringify(probe) });`,
    })
    const page = await browser.context.newPage()
    await sandbox.open(page, '/')
    const [probe] = await sandbox.waitForCollected(at('/collect/probe'))
    expect(json(probe)).toEqual({ origin: 'null', top: 'SecurityError', cookie: 'SecurityError', storage: 'SecurityError' })
    expect(probe.headers.origin).toBe('null')
    await page.close()
  })

  it('delivers subscribed events with Shopify-shaped envelopes, in order, and nothing it did not subscribe to', async () => {
    sandbox.configure({
      snippet: `
        function send(event) {
          var c = event.data && event.data.checkout;
          fetch('/collect/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({
            id: event.id, name: event.name, type: event.type, seq: event.seq, timestamp: event.timestamp, clientId: event.clientId,
            href: event.context.document.location.href, ua: event.context.navigator.userAgent,
            token: c ? c.token : null, orderId: c && c.order ? c.order.id : null,
            total: c ? c.totalPrice.amount : null, currency: c ? c.currencyCode : null, skus: c ? c.lineItems.map(function (l) { return l.variant.sku }) : null
          }) });
        }
        analytics.subscribe('page_viewed', send);
        analytics.subscribe('checkout_completed', send);`,
    })
    const page = await browser.context.newPage()
    await sandbox.open(page, THANK_YOU)
    await sandbox.publish(page, fixtureEvent('product_added_to_cart'))
    const delivered = await sandbox.publish(page, fixtureEvent('checkout_completed'))
    const hits = await sandbox.waitForCollected(at('/collect/events'), 2)
    const viewed = hits.map(json).find((e) => e.name === 'page_viewed')!
    const completed = hits.map(json).find((e) => e.name === 'checkout_completed')!

    expect(viewed).toMatchObject({ name: 'page_viewed', type: 'standard', href: `${sandbox.url}${THANK_YOU}`, token: null })
    expect(completed).toMatchObject({
      id: delivered.id,
      name: 'checkout_completed',
      type: 'standard',
      clientId: 'a7d2f3c1-5b8e-4d6a-9f0e-2c4b6d8e1f3a',
      href: `${sandbox.url}${THANK_YOU}`,
      orderId: `gid://shopify/OrderIdentity/${webhookOrder.id}`,
      token: webhookOrder.checkout_token,
      total: 598.94,
      currency: 'USD',
      skus: ['IPOD2008GREEN', 'IPOD2008RED', 'IPOD2008BLACK'],
    })
    expect(completed.id).toMatch(/^sh-[0-9a-f-]{36}$/)
    expect(completed.seq).toBeGreaterThan(viewed.seq as number)
    expect(new Date(completed.timestamp as string).toISOString()).toBe(completed.timestamp)
    expect(String(completed.ua)).toMatch(/Chrome/)
    // Events reach the pixel in publish order, so once checkout_completed has been sent the unsubscribed
    // product_added_to_cart would have been too: two requests, not three.
    expect(sandbox.collected.filter(at('/collect/events'))).toHaveLength(2)
    expect(await sandbox.errors(page)).toEqual([])
    await page.close()
  })

  it('reports consent: init.customerPrivacy at render, then visitorConsentCollected through api.customerPrivacy', async () => {
    sandbox.configure({
      customerPrivacy: { analyticsProcessingAllowed: true, marketingAllowed: false, preferencesProcessingAllowed: true, saleOfDataAllowed: false },
      snippet: `
        var current = init.customerPrivacy;
        fetch('/collect/consent', { method: 'POST', body: JSON.stringify({ at: 'init', customerPrivacy: current, globalCustomerPrivacy: typeof customerPrivacy }) });
        api.customerPrivacy.subscribe('visitorConsentCollected', function (event) {
          current = event.customerPrivacy;
          fetch('/collect/consent', { method: 'POST', body: JSON.stringify({ at: 'update', customerPrivacy: current }) });
        });`,
    })
    const page = await browser.context.newPage()
    await sandbox.open(page, '/products/ipod-nano')
    await sandbox.setConsent(page, ALL_ALLOWED)
    const [first, second] = (await sandbox.waitForCollected(at('/collect/consent'), 2)).map(json)
    expect(first).toEqual({
      at: 'init',
      customerPrivacy: { analyticsProcessingAllowed: true, marketingAllowed: false, preferencesProcessingAllowed: true, saleOfDataAllowed: false },
      globalCustomerPrivacy: 'undefined',
    })
    expect(second).toEqual({ at: 'update', customerPrivacy: ALL_ALLOWED })
    sandbox.configure({ customerPrivacy: ALL_ALLOWED })
    await page.close()
  })

  it('reads the shop page cookies and landing URL only through browser.cookie.get and init; sendBeacon and JSON fetch carry Origin: null', async () => {
    await browser.context.addCookies([
      { name: '_epik', value: EPIK, domain: 'localhost', path: '/', sameSite: 'Lax' },
      { name: 'tw_ctx', value: 'signed.context.token', domain: 'localhost', path: '/', httpOnly: true, sameSite: 'Lax' },
    ])
    sandbox.configure({
      snippet: `
        Promise.all([browser.cookie.get('_epik'), browser.cookie.get('tw_ctx'), browser.cookie.get('_fbp')]).then(function (v) {
          var body = JSON.stringify({ epik: v[0], twCtx: v[1], fbp: v[2], landing: init.context.document.location.href, shop: init.data.shop.myshopifyDomain });
          return browser.sendBeacon('/collect/beacon', body).then(function (queued) {
            fetch('/collect/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ queued: queued }) });
          });
        });`,
    })
    const page = await browser.context.newPage()
    await sandbox.open(page, `/products/ipod-nano?epik=${EPIK}`)
    const [beacon] = await sandbox.waitForCollected(at('/collect/beacon'))
    const [posted] = await sandbox.waitForCollected(at('/collect/json'))
    expect(json(beacon)).toEqual({ epik: EPIK, twCtx: '', fbp: '', landing: `${sandbox.url}/products/ipod-nano?epik=${EPIK}`, shop: 'jsmith.myshopify.com' })
    expect(beacon.headers.origin).toBe('null')
    expect(beacon.headers['content-type']).toBe('text/plain;charset=UTF-8')
    // A first-party cookie is not sent with the sandbox's requests: they are cross-site.
    expect(beacon.headers.cookie).toBeUndefined()
    expect(json(posted)).toEqual({ queued: true })
    expect(posted.headers.origin).toBe('null')
    expect(posted.headers['content-type']).toBe('application/json')
    // A JSON body makes this a CORS request that needs a preflight, but with request interception on
    // (chromium.ts routes every request) Playwright answers preflights itself: no OPTIONS reaches a
    // local server. Whether a server answers `OPTIONS` from `Origin: null` must be tested over plain HTTP.
    expect(sandbox.collected.filter((r) => r.method === 'OPTIONS')).toEqual([])
    await browser.context.clearCookies()
    await page.close()
  })

  it('with sendBeaconFrom: "top", browser.sendBeacon leaves from the shop page and carries its origin', async () => {
    sandbox.configure({ sendBeaconFrom: 'top', snippet: `browser.sendBeacon('/collect/top', 'from-top');` })
    const page = await browser.context.newPage()
    await sandbox.open(page, '/')
    const [hit] = await sandbox.waitForCollected(at('/collect/top'))
    expect(hit.body).toBe('from-top')
    expect(hit.headers.origin).toBe(sandbox.url)
    sandbox.configure({ sendBeaconFrom: 'sandbox' })
    await page.close()
  })

  it('surfaces errors the snippet throws, at load and in callbacks, instead of hiding them', async () => {
    sandbox.configure({
      snippet: `
        analytics.subscribe('checkout_started', function () { throw new Error('callback broke') });
        analytics.subscribe('checkout_started', function () { fetch('/collect/after-error', { method: 'POST', body: 'still delivered' }) });
        undefinedFunctionAtLoad();`,
    })
    const page = await browser.context.newPage()
    await sandbox.open(page, '/checkouts/cn/c1-7f0c2a9d41b85e36a1d0c4e92b7f58a3/information')
    await sandbox.publish(page, fixtureEvent('checkout_started'))
    await sandbox.waitForCollected(at('/collect/after-error'))
    const errors = await sandbox.errors(page)
    expect(errors).toHaveLength(2)
    expect(errors[0]).toMatch(/undefinedFunctionAtLoad is not defined/)
    expect(errors[1]).toMatch(/callback broke/)
    await page.close()
  })
})
