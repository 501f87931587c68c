// The demo storefront in real Chromium, through the real server, against local fakes of Pinterest's
// script host, beacon host and Conversions API: accept → add to cart → checkout → thank-you, a reload,
// a shopper who rejects, then the inspector showing all of it (screenshots in test-artifacts/).
import { mkdir } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../server/config'
import type { AcceptResult } from '../../server/pipeline'
import { createLogger } from '../../server/log'
import { startServer, type Running } from '../../server/serve'
import { createStore } from '../../server/storage/create-store'
import { startFakeBeacon, type FakeBeacon } from '../fakes/fake-beacon'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { startFakeScripts, type FakeScripts } from '../fakes/fake-pinterest-scripts'
import { launch, skipWithoutChromium, type Browser } from './chromium'

const skip = skipWithoutChromium()

const TAG_ID = '2612345678901'
const ADMIN_TOKEN = 'e2e-admin-token-0123456789'
const ACCESS_TOKEN = 'pina_e2e_token_0123456789'
const EPIK = 'dj0yJnU9ZTJlQWNjZXB0RXBpa1ZhbHVlMDEyMzQ1Njc4OQ'
const EPIK_DENIED = 'dj0yJnU9ZTJlRGVuaWVkRXBpa1ZhbHVlOTg3NjU0MzIxMA'
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 tagwarden-e2e/1'
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url)

let capi: FakeCapi
let beacon: FakeBeacon
let scripts: FakeScripts
let running: Running
/** The shop as the browser sees it: localhost (a secure context, so the Secure tw_ctx cookie is kept). */
let shop: string
const logs: string[] = []
let shopper: Browser | undefined
let orderId = ''
let addToCartId = ''

/** Wait until `check` passes (delivering the outbox between tries). */
async function eventually(check: () => void | Promise<void>, timeout = 15_000): Promise<void> {
  const until = Date.now() + timeout
  for (;;) {
    try {
      await check()
      return
    } catch (error) {
      if (Date.now() > until) throw error
      await running.tw.runtime.dispatcher.flush()
      await new Promise((r) => setTimeout(r, 150))
    }
  }
}

const beaconsFor = (event: string) => beacon.hits.filter((h) => h.path === '/v3/' && h.query.get('event') === event)
const capiFor = (id: string) => capi.received.filter((r) => r.event.event_id === id)

describe.skipIf(skip)('demo storefront in Chromium → tagwarden → fake Pinterest', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    capi = await startFakeCapi()
    beacon = await startFakeBeacon()
    scripts = await startFakeScripts({ style: 'runtime' })
    const config = parseConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      TAGWARDEN_STORAGE: 'memory:',
      TAGWARDEN_SECRET: 'k1:e2e0123456789abcdef0123456789abcdef',
      TAGWARDEN_ADMIN_TOKEN: ADMIN_TOKEN,
      TAGWARDEN_DEMO: 'true',
      PINTEREST_TAG_ID: TAG_ID,
      PINTEREST_AD_ACCOUNT_ID: '549755885175',
      PINTEREST_ACCESS_TOKEN: ACCESS_TOKEN,
      PINTEREST_API_URL: capi.url,
      PINTEREST_SCRIPT_ORIGIN: scripts.url,
      PINTEREST_BEACON_ORIGIN: beacon.url,
    })
    running = await startServer(config, { store: createStore({ kind: 'memory' }), log: createLogger('info', (l) => logs.push(l)) }, { port: 0 })
    shop = running.url.replace('127.0.0.1', 'localhost')
    await mkdir(ARTIFACTS, { recursive: true })
  })

  afterAll(async () => {
    await shopper?.close()
    await running?.close()
    await Promise.all([capi?.close(), beacon?.close(), scripts?.close()])
  })

  it('accept → add to cart → checkout: the beacon upstream and CAPI get the same event_ids, with epik, IP and UA', async () => {
    shopper = await launch({ userAgent: UA })
    const page = await shopper.context.newPage()
    await page.goto(`${shop}/demo/?epik=${EPIK}`)
    await page.getByRole('button', { name: 'Accept' }).click()
    await page.locator('#add').click()
    // The tag sends the add-to-cart beacon once it has loaded; leaving the page before that sends the
    // event through the /e fallback instead (no beacon), which a busy machine can make happen.
    await eventually(() => expect(beaconsFor('addtocart')).toHaveLength(1))
    await page.getByRole('link', { name: /Go to checkout/ }).click()
    await page.locator('#pay').click()
    await page.waitForURL(/thank-you\.html\?order=/)
    orderId = (await page.locator('#order-id').textContent())!.trim()
    expect(orderId).toMatch(/^D\d+$/)

    await eventually(() => {
      expect(beaconsFor('addtocart')).toHaveLength(1)
      expect(beaconsFor('checkout')).toHaveLength(1)
    })
    addToCartId = String(beaconsFor('addtocart')[0].ed.event_id)
    expect(addToCartId).toMatch(/\S{8,}/)
    expect(beaconsFor('checkout')[0].ed.event_id).toBe(`ord_${orderId}`)
    for (const hit of beacon.hits) {
      expect(hit.query.get('tid')).toBe(TAG_ID)
      expect(hit.headers['x-forwarded-for']).toBe('127.0.0.1')
      expect(hit.headers['user-agent']).toBe(UA)
      expect(hit.headers.cookie).toBeUndefined()
    }

    await eventually(() => {
      expect(capiFor(addToCartId)).toHaveLength(1)
      expect(capiFor(`ord_${orderId}`)).toHaveLength(1)
    })
    for (const id of [addToCartId, `ord_${orderId}`]) {
      const [{ event, authorization }] = capiFor(id)
      expect(authorization).toBe(`Bearer ${ACCESS_TOKEN}`)
      expect(event.action_source).toBe('web')
      expect(event.user_data).toMatchObject({ click_id: EPIK, client_ip_address: '127.0.0.1', client_user_agent: UA })
    }
    expect(capiFor(addToCartId)[0].event).toMatchObject({ event_name: 'add_to_cart', custom_data: { currency: 'USD', value: '24' } })
    expect(capiFor(`ord_${orderId}`)[0].event).toMatchObject({ event_name: 'checkout', custom_data: { order_id: orderId, value: '24' } })
    expect(shopper.refused).toEqual([])
  })

  it('a reload of the thank-you page beacons again but makes no second conversion at CAPI', async () => {
    const page = shopper!.context.pages().at(-1)!
    // What the pipeline decides for each server-side copy from here on (every path ends in runtime.ingest).
    const rt = running.tw.runtime
    const decided: AcceptResult[] = []
    const ingest = rt.ingest
    rt.ingest = async (events) => {
      const results = await ingest(events)
      decided.push(...results)
      return results
    }
    try {
      await page.reload()
      await eventually(() => expect(beaconsFor('checkout')).toHaveLength(2))
      expect(beaconsFor('checkout')[1].ed.event_id).toBe(`ord_${orderId}`)
      // The reload's copy was judged (persisted before its beacon was forwarded): a repeat, nothing queued.
      await eventually(() => expect(decided.filter((r) => r.event_id === `ord_${orderId}`).length).toBeGreaterThan(0))
    } finally {
      rt.ingest = ingest
    }
    // (A copy through /e as well, should the reloaded tag come up late, is judged the same way.)
    expect(new Set(decided.filter((r) => r.event_id === `ord_${orderId}`).map((r) => r.status))).toEqual(new Set(['duplicate']))
    await rt.dispatcher.flush()
    expect(await rt.outbox.depth('pinterest-capi')).toBe(0)
    expect(capi.countById(`ord_${orderId}`)).toBe(1)
    expect(capi.received.filter((r) => r.event.event_name === 'checkout')).toHaveLength(1)
    await shopper!.close()
    shopper = undefined
  })

  it('a shopper who rejects (fresh profile): no tag, no beacon, and the CAPI copy is suppressed', async () => {
    const beaconsBefore = beacon.hits.length
    const capiBefore = capi.received.length
    shopper = await launch({ userAgent: UA })
    const page = await shopper.context.newPage()
    await page.goto(`${shop}/demo/?epik=${EPIK_DENIED}`)
    await page.getByRole('button', { name: 'Reject' }).click()
    await page.locator('#add').click()
    await page.getByRole('link', { name: /Go to checkout/ }).click()
    await page.locator('#pay').click()
    await page.waitForURL(/thank-you\.html\?order=/)
    const deniedOrder = (await page.locator('#order-id').textContent())!.trim()

    // The calls still reach tagwarden (loader fallback, /e) and are judged there...
    await eventually(() => {
      const entry = running.tw.runtime.journal.recent().find((e) => e.event_id === `ord_${deniedOrder}`)
      expect(entry?.source).toBe('loader')
      expect(entry?.destinations['pinterest-capi']).toMatchObject({ action: 'suppress', state: 'suppressed' })
    })
    await running.tw.runtime.dispatcher.flush()
    // ...and nothing leaves: no Pinterest script, no beacon, no CAPI event, no trace of the click id.
    expect(beacon.hits.length).toBe(beaconsBefore)
    // A copy of the first shopper's last beacon (the reloaded page's) may still be delivered now on a
    // busy machine; whatever reached CAPI during this test must be that shopper's, never this one's.
    for (const { event } of capi.received.slice(capiBefore)) expect(event.user_data.click_id, JSON.stringify(event)).toBe(EPIK)
    expect(JSON.stringify(capi.requests)).not.toContain(EPIK_DENIED)
    expect(shopper.refused).toEqual([])
    await shopper.close()
    shopper = undefined
  })

  it('the inspector shows those events, readable at 1440×900 and 1366×768 (screenshots in test-artifacts/)', async () => {
    for (const [width, height, file] of [[1440, 900, 'inspector.png'], [1366, 768, 'inspector-1366x768.png']] as const) {
      const viewer = await launch({ viewport: { width, height } })
      try {
        const page = await viewer.context.newPage()
        expect((await page.goto(`${shop}/tw/_/inspect`))!.status()).toBe(401)
        const errors: string[] = []
        page.on('pageerror', (e) => errors.push(String(e)))
        page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
        await page.goto(`${shop}/tw/_/inspect?token=${ADMIN_TOKEN}`)
        const rows = page.locator('#rows tr')
        await eventually(async () => expect(await rows.count()).toBeGreaterThanOrEqual(4))

        const row = (id: string) => page.locator(`#rows tr[data-event-id="${id}"]`)
        await expect.poll(() => row(`ord_${orderId}`).count()).toBe(1)
        expect(await row(`ord_${orderId}`).locator('.c-pair').textContent()).toBe('tag ✓capi ✓')
        expect(await row(`ord_${orderId}`).locator('.c-source').textContent()).toBe('tag')
        expect(await row(`ord_${orderId}`).locator('td.dest').first().textContent()).toContain('sent')
        expect(await row(addToCartId).locator('.name').textContent()).toBe('add_to_cart')
        const denied = page.locator('#rows tr', { hasText: 'suppress' }).first()
        expect(await denied.locator('.c-source').textContent()).toBe('fallback')
        expect(await page.locator('.card').count()).toBe(6)
        expect(await page.locator('.card', { hasText: 'Dedup coverage' }).locator('.big').textContent()).toMatch(/^\d+%$/)
        expect(await page.locator('svg.spark polyline').count()).toBe(1)
        // Names only: no identifier value is on the page.
        const text = (await page.locator('body').textContent())!
        for (const v of [EPIK, EPIK_DENIED, UA, '127.0.0.1']) expect(text).not.toContain(v)

        // Layout: nothing sticks out of its card or cell, cards do not overlap, no sideways scrolling.
        const layout = await page.evaluate(() => {
          const boxes = [...document.querySelectorAll('.card')].map((c) => c.getBoundingClientRect())
          const overlaps = boxes.some((a, i) => boxes.some((b, j) => j > i && a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1))
          const spill = [...document.querySelectorAll('.card > *, .events td, .events th')].filter((el) => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflow === 'visible').map((el) => `${el.className}: ${el.textContent?.slice(0, 40)}`)
          const header = document.querySelector('.top')!.getBoundingClientRect()
          return { overlaps, spill, pageScrollsSideways: document.documentElement.scrollWidth > window.innerWidth, headerHeight: header.height }
        })
        expect(layout).toEqual({ overlaps: false, spill: [], pageScrollsSideways: false, headerHeight: expect.any(Number) })
        expect(layout.headerHeight).toBeLessThan(120)
        await page.screenshot({ path: new URL(file, ARTIFACTS).pathname })
        if (file === 'inspector.png') await page.screenshot({ path: new URL('inspector-full.png', ARTIFACTS).pathname, fullPage: true })
        expect(errors).toEqual([])
        expect(viewer.refused).toEqual([])
      } finally {
        await viewer.close()
      }
    }
  })

  it('kept the click ids, the shopper IP and the tokens out of the server log', () => {
    const all = logs.join('\n')
    for (const v of [EPIK, EPIK_DENIED, ACCESS_TOKEN, ADMIN_TOKEN]) expect(all).not.toContain(v)
  })
})
