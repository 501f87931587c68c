// In real Chromium: Pinterest's main.js builds https://ct.pinterest.com at run time and beacons with
// `new Image().src`, while the server forwards to an upstream elsewhere (here a local fake beacon
// host, in production perhaps an egress proxy). The loader must still keep every beacon on the
// shop's origin: it keys on Pinterest's public hosts, not on the server's upstream setting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../server/config'
import { createLogger } from '../../server/log'
import { startServer, type Running } from '../../server/serve'
import { createStore } from '../../server/storage/create-store'
import { SNIPPET } from '../client/harness'
import { startFakeBeacon, type FakeBeacon } from '../fakes/fake-beacon'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { startFakeScripts, type FakeScripts } from '../fakes/fake-pinterest-scripts'
import { launch, skipWithoutChromium, type Browser } from './chromium'

const skip = skipWithoutChromium()
const TAG_ID = '2612345678901'
const GRANTED = JSON.stringify({ ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted' })

let capi: FakeCapi
let beacon: FakeBeacon
let scripts: FakeScripts
let running: Running
let browser: Browser | undefined

describe.skipIf(skip)('Chromium: beacons to a run-time-built ct.pinterest.com reach the proxy', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    capi = await startFakeCapi()
    beacon = await startFakeBeacon()
    scripts = await startFakeScripts({ style: 'runtime', send: 'image' })
    const config = parseConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      TAGWARDEN_STORAGE: 'memory:',
      TAGWARDEN_SECRET: 'k1:reroute0123456789abcdef0123456789abcdef',
      TAGWARDEN_DEMO: 'false',
      TAGWARDEN_LOG_LEVEL: 'silent',
      PINTEREST_TAG_ID: TAG_ID,
      PINTEREST_AD_ACCOUNT_ID: '549755885175',
      PINTEREST_ACCESS_TOKEN: 'pina_reroute_token_0123456789',
      PINTEREST_API_URL: capi.url,
      // The server's upstreams are not Pinterest's public hosts.
      PINTEREST_SCRIPT_ORIGIN: scripts.url,
      PINTEREST_BEACON_ORIGIN: beacon.url,
    })
    running = await startServer(config, { store: createStore({ kind: 'memory' }), log: createLogger('silent') }, { port: 0 })
  })

  afterAll(async () => {
    await browser?.close()
    await running?.close()
    await Promise.all([capi?.close(), beacon?.close(), scripts?.close()])
  })

  it('every image beacon goes to /tw/pin/ct/ on the shop, is forwarded upstream, and none leaves for Pinterest directly', async () => {
    const shop = running.url.replace('127.0.0.1', 'localhost')
    browser = await launch()
    const page = await browser.context.newPage()
    // The storefront page itself (the proxy serves only /tw/…): the README snippet and three calls.
    await page.route(`${shop}/products/tote`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><html><head>
          <script async src="/tw/loader.js"></script>
          <script>
            ${SNIPPET}
            tagwarden.q.push(['consent', ${GRANTED}])
            pintrk('page')
            pintrk('track', 'addtocart', { value: 24, currency: 'USD', order_quantity: 1 })
            pintrk('track', 'checkout', { order_id: '10042', value: 24, currency: 'USD' })
          </script></head><body>tote</body></html>`,
      }),
    )
    await page.goto(`${shop}/products/tote`)
    const events = () => beacon.hits.filter((h) => h.path === '/v3/').map((h) => h.query.get('event'))
    await expect.poll(events, { timeout: 15_000 }).toEqual(expect.arrayContaining(['pagevisit', 'addtocart', 'checkout']))
    // Image beacons, as main.js sent them, each through the proxy (it sets X-Forwarded-For).
    for (const hit of beacon.hits.filter((h) => h.path === '/v3/')) {
      expect(hit.query.get('noscript')).toBe('0')
      expect(hit.headers['x-forwarded-for']).toBe('127.0.0.1')
    }
    expect(browser.refused.filter((u) => u.includes('pinterest.com') || u.includes('pinimg.com'))).toEqual([])
    expect(browser.refused).toEqual([])
  })
})
