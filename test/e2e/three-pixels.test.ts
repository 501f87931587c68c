// Pinterest, Meta and TikTok pixels on one page in real Chromium, with the tagwarden loader and the
// snippet's stub lines before the platforms' own base codes (README "Meta and TikTok pixels on the
// page"). The platforms' scripts are local fakes that behave like the real ones (they read their
// queues and send beacons to the platforms' real hosts, caught here: test/fakes/platform-pixels.ts);
// Pinterest's come through the proxy as always. Each server API is a spec-strict local fake.
// One purchase → each fake server API gets exactly one event whose id is its pixel call's id; a
// reload adds none; a denied ad_user_data strips the hashed identifiers from all three copies; GPC
// gives Pinterest LDP, Meta LDU and TikTok limited data use.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../server/config'
import { createLogger } from '../../server/log'
import { startServer, type Running } from '../../server/serve'
import { createStore } from '../../server/storage/create-store'
import { startFakeBeacon, type FakeBeacon } from '../fakes/fake-beacon'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { startFakeMetaCapi, type FakeMetaCapi } from '../fakes/fake-meta-capi'
import { startFakeScripts, type FakeScripts } from '../fakes/fake-pinterest-scripts'
import { startFakeTikTokEvents, type FakeTikTokEvents } from '../fakes/fake-tiktok-events'
import { metaBaseCode } from '../fakes/meta-pixel'
import { routePlatformPixels, type PlatformPixels } from '../fakes/platform-pixels'
import { tiktokBaseCode } from '../fakes/tiktok-pixel'
import { PIXEL_STUBS, SNIPPET } from '../client/harness'
import { baseCode } from '../fakes/pinterest-base-code'
import { launch, LOCAL, skipWithoutChromium, type Browser } from './chromium'

const skip = skipWithoutChromium()

const TAG_ID = '2612345678901'
const META_PIXEL = '1234567890123456'
const TIKTOK_CODE = 'CTAGWARDENE2E0001'
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 tagwarden-three/1'
const GRANTED = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted' }
const EMAIL = 'Jane.Doe@Example.com'
const FBCLID = 'IwAR2e2eThreePixels_01'
const TTCLID = 'E.C.P.e2eThreePixels01'
const EPIK = 'dj0yJnU9ZTJlVGhyZWVQaXhlbHMwMQ'

let capi: FakeCapi
let meta: FakeMetaCapi
let tiktok: FakeTikTokEvents
let beacon: FakeBeacon
let scripts: FakeScripts
let running: Running
let shop: string
let browser: Browser | undefined

/** A shop page: the loader and snippet (with the pixel stubs), the three base codes, then `body` (the page's own calls). */
const page = (body: string, consent: object = GRANTED) => `<!doctype html><html><head><meta charset="utf-8">
<script async src="/tw/loader.js"></script>
<script>${SNIPPET}; ${PIXEL_STUBS}; tagwarden.q.push(['consent', ${JSON.stringify(consent)}])</script>
<script>${baseCode(TAG_ID)}</script>
<script>${metaBaseCode(META_PIXEL)}</script>
<script>${tiktokBaseCode(TIKTOK_CODE)}</script>
<script>${body}</script>
</head><body><h1>Linen tote</h1></body></html>`

const PURCHASE = `pintrk('track', 'checkout', { order_id: '10042', value: 72.39, currency: 'USD', order_quantity: 3 });
fbq('track', 'Purchase', { value: 72.39, currency: 'USD', order_id: '10042', content_ids: ['TOTE'], num_items: 3 });
ttq.track('CompletePayment', { value: 72.39, currency: 'USD', order_id: '10042', contents: [{ content_id: 'TOTE', quantity: 3, price: 24.13 }] })`

/** A browser whose pages at `{shop}/shop/<name>` are `pages[name]`; everything else local goes through, platform hosts to the fakes. */
async function openBrowser(pages: Record<string, string>, headers?: Record<string, string>): Promise<{ browser: Browser; px: PlatformPixels }> {
  const b = await launch({ userAgent: UA })
  if (headers) await b.context.setExtraHTTPHeaders(headers)
  await b.context.route('**/*', (route) => {
    const url = new URL(route.request().url())
    if (!LOCAL.has(url.hostname)) return route.fallback()
    const name = url.pathname.startsWith('/shop/') ? url.pathname.slice(6) : undefined
    if (name !== undefined && pages[name] !== undefined) return route.fulfill({ contentType: 'text/html', body: pages[name] })
    return route.fallback()
  })
  const px = await routePlatformPixels(b.context)
  return { browser: (browser = b), px }
}

/** Wait until `check` passes, delivering every outbox between tries. */
async function eventually(check: () => void | Promise<void>, timeout = 20_000): Promise<void> {
  const until = Date.now() + timeout
  for (;;) {
    try {
      await check()
      return
    } catch (error) {
      if (Date.now() > until) throw error
      await running.tw.runtime.dispatcher.flush()
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

const pinBeacons = (event: string) => beacon.hits.filter((h) => h.path === '/v3/' && h.query.get('event') === event)
const pinCopies = (id: string) => capi.received.filter((r) => r.event.event_id === id).map((r) => r.event)
const metaCopies = (id: string) => meta.received.filter((r) => r.event.event_id === id).map((r) => r.event)
const tiktokCopies = (id: string) => tiktok.received.filter((r) => r.event.event_id === id).map((r) => r.event)

describe.skipIf(skip)('Pinterest, Meta and TikTok pixels in Chromium → tagwarden → three fake server APIs', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    ;[capi, meta, tiktok, beacon, scripts] = await Promise.all([startFakeCapi(), startFakeMetaCapi(), startFakeTikTokEvents(), startFakeBeacon(), startFakeScripts({ style: 'runtime' })])
    const config = parseConfig({
      TAGWARDEN_STORAGE: 'memory:',
      TAGWARDEN_SECRET: 'k1:e2e0123456789abcdef0123456789abcdef',
      TAGWARDEN_DEMO: 'false',
      PINTEREST_TAG_ID: TAG_ID,
      PINTEREST_AD_ACCOUNT_ID: '549755885175',
      PINTEREST_ACCESS_TOKEN: 'pina_e2e_token_0123456789',
      PINTEREST_API_URL: capi.url,
      PINTEREST_SCRIPT_ORIGIN: scripts.url,
      PINTEREST_BEACON_ORIGIN: beacon.url,
      META_PIXEL_ID: META_PIXEL,
      META_ACCESS_TOKEN: 'EAAe2eThreePixelsToken0123456789',
      META_API_URL: `${meta.url}/v26.0`,
      META_EVENT_SOURCE_URL: 'https://shop.example/',
      TIKTOK_PIXEL_CODE: TIKTOK_CODE,
      TIKTOK_ACCESS_TOKEN: 'tt_e2e_three_pixels_token_0123456789',
      TIKTOK_API_URL: tiktok.url,
    })
    running = await startServer(config, { store: createStore({ kind: 'memory' }), log: createLogger('silent') }, { host: '127.0.0.1', port: 0 })
    shop = running.url.replace('127.0.0.1', 'localhost')
  })

  afterEach(async () => {
    await browser?.close()
    browser = undefined
  })

  afterAll(async () => {
    await running?.close()
    await Promise.all([capi?.close(), meta?.close(), tiktok?.close(), beacon?.close(), scripts?.close()])
  })

  it('one purchase: each server API gets exactly one event whose id is its pixel call\'s id; click ids reach each; a reload adds none', async () => {
    const { browser: b, px } = await openBrowser({
      product: page(`fbq('track', 'AddToCart', { value: 24.13, currency: 'USD', content_ids: ['TOTE'] }); ttq.track('AddToCart', { value: 24.13, currency: 'USD', content_id: 'TOTE' })`),
      'thank-you': page(PURCHASE),
    })
    const tab = await b.context.newPage()
    await tab.goto(`${shop}/shop/product?epik=${EPIK}&fbclid=${FBCLID}&ttclid=${encodeURIComponent(TTCLID)}`)
    // The pixels' own beacons carry the ids the loader gave the calls.
    await eventually(() => {
      expect(px.meta.filter((h) => h.ev === 'AddToCart')).toHaveLength(1)
      expect(px.tiktok.filter((h) => h.event === 'AddToCart')).toHaveLength(1)
    })
    const metaAdd = px.meta.find((h) => h.ev === 'AddToCart')!.eid!
    const ttAdd = px.tiktok.find((h) => h.event === 'AddToCart')!.event_id!
    expect(metaAdd).toMatch(/^[0-9a-f-]{36}$/)
    expect(ttAdd).toMatch(/^[0-9a-f-]{36}$/)
    await eventually(() => {
      expect(metaCopies(metaAdd)).toHaveLength(1)
      expect(tiktokCopies(ttAdd)).toHaveLength(1)
    })
    expect(metaCopies(metaAdd)[0]).toMatchObject({ event_name: 'AddToCart', action_source: 'website', custom_data: { value: 24.13, currency: 'USD', content_ids: ['TOTE'] } })
    expect(metaCopies(metaAdd)[0].user_data.fbc).toMatch(new RegExp(`^fb\\.\\d\\.\\d{13}\\.${FBCLID}$`))
    expect(metaCopies(metaAdd)[0].user_data.fbp).toMatch(/^fb\.\d\.\d{13}\.\d+$/)
    expect(tiktokCopies(ttAdd)[0]).toMatchObject({ event: 'AddToCart', user: { ttclid: TTCLID } })
    // A pixel's call is mirrored to its own platform only.
    expect(pinCopies(metaAdd)).toEqual([])
    expect(tiktokCopies(metaAdd)).toEqual([])
    // Meta's cookies are first-party, set by the server (docs/meta-capi.md §7).
    const cookies = await b.context.cookies(shop)
    expect(cookies.find((c) => c.name === '_fbc')?.value).toBe(metaCopies(metaAdd)[0].user_data.fbc)
    expect(cookies.find((c) => c.name === '_fbp')).toBeDefined()

    await tab.goto(`${shop}/shop/thank-you`)
    await eventually(() => {
      expect(pinBeacons('checkout')).toHaveLength(1)
      expect(px.meta.filter((h) => h.ev === 'Purchase')).toHaveLength(1)
      expect(px.tiktok.filter((h) => h.event === 'CompletePayment')).toHaveLength(1)
    })
    expect(pinBeacons('checkout')[0].ed.event_id).toBe('ord_10042')
    expect(px.meta.find((h) => h.ev === 'Purchase')!.eid).toBe('ord_10042')
    expect(px.tiktok.find((h) => h.event === 'CompletePayment')!.event_id).toBe('ord_10042')
    await eventually(() => {
      expect(pinCopies('ord_10042')).toHaveLength(1)
      expect(metaCopies('ord_10042')).toHaveLength(1)
      expect(tiktokCopies('ord_10042')).toHaveLength(1)
    })
    expect(pinCopies('ord_10042')[0]).toMatchObject({ event_name: 'checkout', user_data: { click_id: EPIK } })
    expect(metaCopies('ord_10042')[0]).toMatchObject({ event_name: 'Purchase', custom_data: { value: 72.39, currency: 'USD', order_id: '10042' } })
    expect(tiktokCopies('ord_10042')[0]).toMatchObject({ event: 'CompletePayment', properties: { value: 72.39, currency: 'USD' } })

    // The reload: every pixel reports again with the same id, and no server API gets a second event.
    await tab.reload()
    await eventually(() => {
      expect(pinBeacons('checkout')).toHaveLength(2)
      expect(px.meta.filter((h) => h.ev === 'Purchase')).toHaveLength(2)
      expect(px.tiktok.filter((h) => h.event === 'CompletePayment')).toHaveLength(2)
    })
    await eventually(() => {
      const ids = running.tw.runtime.journal.recent(500).filter((e) => e.event_id === 'ord_10042')
      expect(ids.length).toBeGreaterThanOrEqual(1)
    })
    await running.tw.runtime.dispatcher.flush()
    expect(pinCopies('ord_10042')).toHaveLength(1)
    expect(metaCopies('ord_10042')).toHaveLength(1)
    expect(tiktokCopies('ord_10042')).toHaveLength(1)
  })

  it('a landing page without Meta\'s or TikTok\'s pixel: their click ids are kept all the same, read from the page address Chromium sends with /tw/ctx', async () => {
    const landing = `<!doctype html><html><head><script async src="/tw/loader.js"></script>
<script>${SNIPPET}; tagwarden.q.push(['consent', ${JSON.stringify(GRANTED)}])</script></head><body><h1>Spring sale</h1></body></html>`
    const { browser: b } = await openBrowser({ landing })
    const tab = await b.context.newPage()
    const asked: string[] = []
    tab.on('request', (r) => asked.push(new URL(r.url()).pathname))
    await tab.goto(`${shop}/shop/landing?utm_source=meta&fbclid=${FBCLID}&ttclid=${encodeURIComponent(TTCLID)}`)
    await eventually(async () => {
      const cookie = (await b.context.cookies()).find((c) => c.name === 'tw_ctx')
      expect(cookie).toBeDefined()
      const claims = JSON.parse(Buffer.from(cookie!.value.split('.')[1], 'base64url').toString())
      expect(claims.fbc).toMatch(new RegExp(`^fb\\.\\d\\.\\d{13}\\.${FBCLID}$`))
      expect(claims.ttclid).toBe(TTCLID)
    })
    // No client code read them: the pixel chunk is for pages with fbq or ttq.
    expect(asked).toContain('/tw/ctx')
    expect(asked).not.toContain('/tw/px.js')
  })

  it('a denied ad_user_data strips the hashed identifiers from all three server copies; IP and user agent stay', async () => {
    const consent = { ...GRANTED, ad_user_data: 'denied' }
    const { browser: b } = await openBrowser({
      lead: page(`pintrk('set', { em: '${EMAIL}' }); fbq('init', '${META_PIXEL}', { em: '${EMAIL}' }); ttq.identify({ email: '${EMAIL}' });
        pintrk('track', 'lead', { event_id: 'lead-strip-1' }); fbq('track', 'Lead', {}, { eventID: 'lead-strip-1' }); ttq.track('Lead', {}, { event_id: 'lead-strip-1' })`, consent),
    })
    const tab = await b.context.newPage()
    await tab.goto(`${shop}/shop/lead?fbclid=${FBCLID}&ttclid=${encodeURIComponent(TTCLID)}`)
    await eventually(() => {
      expect(pinCopies('lead-strip-1')).toHaveLength(1)
      expect(metaCopies('lead-strip-1')).toHaveLength(1)
      expect(tiktokCopies('lead-strip-1')).toHaveLength(1)
    })
    const [pin] = pinCopies('lead-strip-1')
    const [fb] = metaCopies('lead-strip-1')
    const [tt] = tiktokCopies('lead-strip-1')
    expect(pin.user_data.em).toBeUndefined()
    expect(pin.user_data.client_user_agent).toBe(UA)
    expect(fb.user_data.em).toBeUndefined()
    expect(fb.user_data.fbc).toBeUndefined()
    expect(fb.user_data.client_user_agent).toBe(UA)
    expect(tt.user.email).toBeUndefined()
    expect(tt.user.ttclid).toBeUndefined()
    expect(tt.user.user_agent).toBe(UA)
    // The decision each made, and its rule, are in the journal.
    const entry = running.tw.runtime.journal.recent(500).find((e) => e.event_id === 'lead-strip-1' && e.destinations['meta-capi'])
    expect(entry?.destinations['meta-capi'].action).toBe('strip')
  })

  it('GPC: Pinterest gets LDP, Meta LDU (also on its pixel), TikTok limited data use', async () => {
    const { browser: b, px } = await openBrowser({ signup: page(`pintrk('track', 'signup', { event_id: 'gpc-1' }); fbq('track', 'CompleteRegistration', {}, { eventID: 'gpc-1' }); ttq.track('CompleteRegistration', {}, { event_id: 'gpc-1' })`) }, { 'Sec-GPC': '1' })
    const tab = await b.context.newPage()
    await tab.goto(`${shop}/shop/signup`)
    await eventually(() => {
      expect(pinCopies('gpc-1')).toHaveLength(1)
      expect(metaCopies('gpc-1')).toHaveLength(1)
      expect(tiktokCopies('gpc-1')).toHaveLength(1)
    })
    expect(pinCopies('gpc-1')[0].custom_data.opt_out_type).toBe('LDP')
    expect(metaCopies('gpc-1')[0].data_processing_options).toEqual(['LDU'])
    expect(tiktokCopies('gpc-1')[0].limited_data_use).toBe(true)
    await eventually(() => expect(px.meta.filter((h) => h.ev === 'CompleteRegistration')).toHaveLength(1))
    expect(px.meta.find((h) => h.ev === 'CompleteRegistration')!.dpo).toBe('LDU')
  })
})
