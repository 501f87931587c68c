// A new platform's browser id is one declaration in its driver (context/browser-ids.ts), nothing
// else: /ctx takes it from the landing URL or its cookie, tw_ctx keeps it, a later page's cart
// stores it, and the platform's server copy gets it from an order webhook and from /v1/events.
import { afterEach, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { collectBrowserIds } from '../../server/context/browser-ids'
import { API_KEY, postEvents } from '../helpers/build-app'
import { buildTagApp, call, claimsOf, setCtx } from '../tag/build'
import { NOW_MS, SHOPIFY_SECRET, postShopify, shopifyOrder } from '../webhooks/helpers'
import { ACID, acme, type AcmeEvent } from './acme-driver'

const GRANTED = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted', source: 'hook' }
const CART = '68778783ad298f1c80c3bafcddeea02f' // the fixture order's cart_token
const FROM_URL = `AC.${NOW_MS}.click-2001`

let tw: TagwardenApp | undefined
afterEach(async () => {
  await tw?.close()
  tw = undefined
})
const app = async () =>
  (tw = await buildTagApp({ SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET, TAGWARDEN_API_KEYS: API_KEY }, { destinations: [acme()], now: () => NOW_MS }))
const ctx = (body: object, c: { cookie?: string; headers?: Record<string, string> } = {}) => call(tw!, '/tw/ctx', { body, ...c })
const payload = (id: string) => tw!.runtime.journal.recent().find((e) => e.event_id === id)?.destinations['acme-capi']?.payload as AcmeEvent | undefined

describe('a browser id declared by a driver that is not registered', () => {
  it('from the landing URL: /ctx → tw_ctx → a later page\'s cart → the order webhook and /v1/events', async () => {
    await app()
    const landing = setCtx(await ctx({ consent: [GRANTED], acclid: 'click-2001' }))!
    expect(claimsOf(landing).acid).toBe(FROM_URL)
    // The next page has no parameter: the cart is joined to the id the cookie carries.
    const cart = await ctx({ cart: { token: CART } }, { cookie: landing })
    expect(cart.status).toBe(200)
    expect((await tw!.runtime.carts.get(CART))?.ids).toEqual({ 'acme.acid': FROM_URL })

    expect((await postShopify(tw!, shopifyOrder())).status).toBe(200)
    const api = await postEvents(tw!, { data: [{ event_name: 'checkout', event_id: 'api-acme-1', context: CART, consent: GRANTED, user_data: { em: 'jane@example.com' } }] })
    expect(api.status).toBeLessThan(300)
    await tw!.runtime.dispatcher.flush()
    expect(payload('ord_450789469')).toEqual({ id: 'ord_450789469', acid: FROM_URL })
    expect(payload('api-acme-1')).toEqual({ id: 'api-acme-1', acid: FROM_URL })
  })

  it('its cookie as the page posts it is kept; a landing click it already carries keeps it; an invalid one is dropped, the post still lands', async () => {
    await app()
    const mine = 'AC.1767000000000.click-1999'
    const first = setCtx(await ctx({ consent: [GRANTED], acid: mine }, { headers: { cookie: `_acid=${mine}` } }))!
    expect(claimsOf(first).acid).toBe(mine)
    const same = await ctx({ acclid: 'click-1999', acid: mine }, { cookie: first, headers: { cookie: `_acid=${mine}` } })
    expect(setCtx(same)).toBeUndefined()
    const bad = await ctx({ consent: [GRANTED], acid: 'not an acme id', acclid: 'has space' })
    expect(bad.status).toBe(200)
    expect(claimsOf(setCtx(bad)!).acid).toBeUndefined()
  })

  it('an explicit no to ad storage keeps none and deletes its cookie', async () => {
    await app()
    const denied = { ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', source: 'hook' }
    const res = await ctx({ consent: [denied], acclid: 'click-2001', cart: { token: CART } }, { headers: { cookie: '_acid=AC.1767000000000.click-1999' } })
    expect(claimsOf(setCtx(res)!).acid).toBeUndefined()
    expect(res.headers.getSetCookie()).toContain('_acid=; Max-Age=0; Path=/; Secure; SameSite=Lax')
    expect((await tw!.runtime.carts.get(CART))?.ids).toBeUndefined()
  })
})

describe('a landing click id on a page that does not post it (no pixel chunk there)', () => {
  it('is read from the Referer of the page\'s /ctx post (the shop\'s own page); a value the page posts wins', async () => {
    await app()
    const landing = await ctx({ consent: [GRANTED] }, { headers: { referer: 'http://shop.test/landing?utm_source=acme&acclid=click-2001' } })
    expect(claimsOf(setCtx(landing)!).acid).toBe(FROM_URL)
    // The browser says the request is same-origin: the shop's host as the browser saw it counts even behind a proxy that changed Host.
    const proxied = await ctx({ consent: [GRANTED] }, { headers: { referer: 'https://www.shop.example/landing?acclid=click-2002', 'sec-fetch-site': 'same-origin' } })
    expect(claimsOf(setCtx(proxied)!).acid).toBe(`AC.${NOW_MS}.click-2002`)
    // Without Sec-Fetch-Site, the shop's host as the trusted proxy forwarded it (X-Forwarded-Host) counts as the origin check counts it.
    const forwarded = await ctx({ consent: [GRANTED] }, { headers: { referer: 'https://www.shop.example/landing?acclid=click-2006', 'x-forwarded-host': 'www.shop.example' } })
    expect(claimsOf(setCtx(forwarded)!).acid).toBe(`AC.${NOW_MS}.click-2006`)
    // Another site's page is refused before anything is read (server/guards/same-site.ts).
    const other = await ctx({ consent: [GRANTED] }, { headers: { referer: 'http://elsewhere.test/?acclid=click-2003' } })
    expect(other.status).toBe(403)
    // What the page posts beats its Referer; a malformed parameter is dropped and the post still lands.
    const both = await ctx({ consent: [GRANTED], acclid: 'click-2004' }, { headers: { referer: 'http://shop.test/?acclid=click-2005' } })
    expect(claimsOf(setCtx(both)!).acid).toBe(`AC.${NOW_MS}.click-2004`)
    const bad = await ctx({ consent: [GRANTED] }, { headers: { referer: 'http://shop.test/?acclid=has%20space' } })
    expect(bad.status).toBe(200)
    expect(claimsOf(setCtx(bad)!).acid).toBeUndefined()
  })

  it('an explicit no keeps none of it', async () => {
    await app()
    const denied = { ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', source: 'hook' }
    const res = await ctx({ consent: [denied] }, { headers: { referer: 'http://shop.test/landing?acclid=click-2001' } })
    expect(claimsOf(setCtx(res)!).acid).toBeUndefined()
  })
})

describe('collectBrowserIds', () => {
  const id = { key: 'acme.acid' as const, claim: 'acid', pattern: ACID }
  it('refuses a name the context uses or another id already has, naming the driver', () => {
    expect(() => collectBrowserIds([{ name: 'acme-capi', browserIds: [{ ...id, claim: 'epik' }] }], ['epik'])).toThrow('[tagwarden] [browser-ids] acme-capi: "epik" (acme.acid) is already used by the context itself')
    expect(() => collectBrowserIds([{ name: 'a', browserIds: [id] }, { name: 'b', browserIds: [{ ...id, key: 'b.acid' }] }], [])).toThrow('b: "acid" (b.acid) is already used by acme.acid')
    expect(() => collectBrowserIds([{ name: 'a', browserIds: [{ ...id, fromUrl: (v) => v }] }], [])).toThrow('needs a param other than its claim')
  })

  it('keeps the first declaration of a key (a configured destination of a registered driver repeats it)', () => {
    expect(collectBrowserIds([{ name: 'a', browserIds: [id] }, { name: 'a', browserIds: [{ ...id, claim: 'other' }] }], []).map((d) => d.claim)).toEqual(['acid'])
  })
})
