import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { sha256 } from '../../server/identity/normalize'
import { startFakeBeacon, GIF, type FakeBeacon } from '../fakes/fake-beacon'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { beaconQuery, buildTagApp, call, liveCapiEnv, setCtx, SHOPPER_IP, UA } from './build'

const EPIK = 'dj0yJnU9b2JDcFFHekV4SHJNcmVrbFBkUEdqakh0akdUT1VjVVUmcD0yJm49cnNBQ3F2Q2dOVDBXWWhkWklrUGxBUSZ0PUFBQUFBR1BaY3Bv'
const GRANTED = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted' }

let capi: FakeCapi
let beacon: FakeBeacon
let tw: TagwardenApp
let n = 0
const id = (p: string) => `${p}-${++n}`

beforeAll(async () => {
  capi = await startFakeCapi()
  beacon = await startFakeBeacon()
})
afterAll(async () => {
  await capi.close()
  await beacon.close()
})

async function app(env: Record<string, string> = {}) {
  tw = await buildTagApp({ ...liveCapiEnv(capi.url), PINTEREST_BEACON_ORIGIN: beacon.url, ...env })
}
afterEach(async () => {
  beacon.failWith(0)
  await tw?.close()
})

/** The cookie a shopper has after the loader posted epik + consent. */
async function shopperCookie(body: object = { epik: EPIK, epik_src: 'url', consent: GRANTED }): Promise<string> {
  const res = await call(tw, '/tw/ctx', { body })
  expect(res.status).toBe(200)
  return setCtx(res)!
}

const sendBeacon = (query: string, cookie?: string, headers: Record<string, string> = {}) => call(tw, `/tw/pin/ct/v3/?${query}`, { cookie, headers })
const hitsFor = (eventId: string) => beacon.hits.filter((h) => h.ed.event_id === eventId || h.query.get('ed[event_id]') === eventId)
const capiFor = (eventId: string) => capi.received.filter((r) => r.event.event_id === eventId).map((r) => r.event)

describe('beacon proxy + CAPI mirror', () => {
  beforeEach(() => app())

  it('each tag call reaches the beacon upstream and CAPI with the same event_id, epik, IP and UA', async () => {
    const cookie = await shopperCookie()
    const calls = [
      { event: 'pagevisit', ed: { event_id: id('pv') } },
      { event: 'addtocart', ed: { event_id: id('atc'), value: 24, currency: 'USD', order_quantity: 1, line_items: [{ product_id: 'TOTE', product_price: 24, product_quantity: 1 }] } },
      { event: 'checkout', ed: { event_id: id('ord'), order_id: '10042', value: 72.39, currency: 'USD', order_quantity: 3 } },
    ]
    for (const c of calls) {
      const query = beaconQuery(c.event, c.ed)
      const res = await sendBeacon(query, cookie)
      expect(beacon.hits.at(-1)!.raw, 'the query is forwarded byte for byte').toBe(`/v3/?${query}`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('image/gif')
      expect(Buffer.from(await res.arrayBuffer())).toEqual(GIF)
    }
    await tw.runtime.dispatcher.flush()
    for (const c of calls) {
      const [hit] = hitsFor(c.ed.event_id)
      expect(hit.path).toBe('/v3/')
      expect(hit.query.get('event')).toBe(c.event)
      expect(hit.headers['user-agent']).toBe(UA)
      expect(hit.headers['x-forwarded-for']).toBe(SHOPPER_IP)
      expect(hit.headers.cookie).toBeUndefined()
      const [sent] = capiFor(c.ed.event_id)
      expect(sent).toBeDefined()
      expect(sent.user_data).toMatchObject({ click_id: EPIK, client_ip_address: SHOPPER_IP, client_user_agent: UA })
      expect(sent.action_source).toBe('web')
      expect(sent.event_source_url).toBe('https://shop.test/products/tote')
    }
    expect(capiFor(calls[0].ed.event_id)[0].event_name).toBe('page_visit')
    expect(capiFor(calls[1].ed.event_id)[0]).toMatchObject({ event_name: 'add_to_cart', custom_data: { value: '24', currency: 'USD', num_items: 1, content_ids: ['TOTE'] } })
    expect(capiFor(calls[2].ed.event_id)[0]).toMatchObject({ event_name: 'checkout', custom_data: { order_id: '10042', value: '72.39', num_items: 3 } })
    const entry = tw.runtime.journal.recent().find((e) => e.event_id === calls[2].ed.event_id)!
    expect(entry.destinations['pinterest-tag']).toMatchObject({ action: 'allow', state: 'sent' })
  })

  it('forwards init, user-defined events and events without event_id, but mirrors none of them', async () => {
    const cookie = await shopperCookie()
    const before = beacon.hits.length
    await sendBeacon(beaconQuery('init', {}), cookie)
    await sendBeacon(beaconQuery('wishlistshare', { event_id: id('u') }), cookie)
    await sendBeacon(beaconQuery('checkout', { value: 5 }), cookie)
    await tw.runtime.dispatcher.flush()
    expect(beacon.hits.length - before).toBe(3)
    expect(tw.runtime.journal.recent()).toHaveLength(0)
  })

  it('one CAPI event per event_id: beacon then /e, /e then beacon, beacon twice', async () => {
    const cookie = await shopperCookie()
    const a = id('dup'), b = id('dup'), c = id('dup')
    await sendBeacon(beaconQuery('checkout', { event_id: a, value: 1 }), cookie)
    const e1 = await call(tw, '/tw/e', { cookie, body: { event: 'checkout', ed: { event_id: a, value: 1 }, pd: {}, ad: { loc: 'https://shop.test/ty', ref: '' } } })
    expect(((await e1.json()) as any).events[0]).toMatchObject({ event_id: a, status: 'duplicate' })
    await call(tw, '/tw/e', { cookie, body: [{ event: 'AddToCart', ed: { event_id: b }, ad: { loc: 'https://shop.test/p', ref: '' } }] })
    await sendBeacon(beaconQuery('addtocart', { event_id: b }), cookie)
    await sendBeacon(beaconQuery('lead', { event_id: c }), cookie)
    await sendBeacon(beaconQuery('lead', { event_id: c }), cookie)
    await tw.runtime.dispatcher.flush()
    expect([capi.countById(a), capi.countById(b), capi.countById(c)]).toEqual([1, 1, 1])
    expect(hitsFor(c)).toHaveLength(2) // the tag's own beacons are forwarded as they come; Pinterest dedups its own
  })

  it('POST /e makes the same canonical event as the beacon would (source loader)', async () => {
    const cookie = await shopperCookie({ epik: EPIK, consent: GRANTED, em: 'c'.repeat(64), pin_unauth: 'PU-1' })
    const eid = id('fb')
    const res = await call(tw, '/tw/e', {
      cookie,
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'accept-language': 'de-DE,de;q=0.9' },
      body: { event: 'checkout', ed: { event_id: eid, order_id: 77, value: 10, currency: 'EUR', line_items: [{ product_id: 'A', product_price: 10, product_quantity: 1 }] }, pd: { em: 'd'.repeat(64) }, ad: { loc: 'https://shop.test/ty', ref: 'https://shop.test/cart' } },
    })
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ accepted: 1, events: [{ event: 'checkout', event_id: eid, status: 'accepted' }] })
    expect(tw.runtime.journal.recent().find((e) => e.event_id === eid)?.source).toBe('loader')
    await tw.runtime.dispatcher.flush()
    const [sent] = capiFor(eid)
    expect(sent).toMatchObject({
      event_name: 'checkout',
      event_source_url: 'https://shop.test/ty',
      language: 'de',
      user_data: { click_id: EPIK, client_ip_address: SHOPPER_IP, client_user_agent: UA, em: ['c'.repeat(64)] },
      custom_data: { order_id: '77', value: '10', currency: 'EUR', content_ids: ['A'], contents: [{ id: 'A', item_price: '10', quantity: 1 }] },
    })
    expect(sent.user_data.external_id).toEqual([sha256('pu-1'), expect.stringMatching(/^[0-9a-f]{64}$/)])
    expect(beacon.hits.some((h) => h.ed.event_id === eid)).toBe(false)
  })

  it('POST /e hashes a plaintext pd.em (the loader sends it as given); a non-email and unknown pd keys are dropped', async () => {
    const cookie = await shopperCookie()
    const [plain, junk] = [id('em'), id('em')]
    const res = await call(tw, '/tw/e', {
      cookie,
      body: [
        { event: 'lead', ed: { event_id: plain }, pd: { em: '  Jane.Doe@Example.com ' }, ad: { loc: 'https://shop.test/' } },
        // The shop's own `load`/`set` options come along unfiltered: the keys the CAPI copy does not use are dropped, not refused.
        { event: 'lead', ed: { event_id: junk }, pd: { em: 'no email', opt_out_type: 'LDP', np: { any: ['thing'] }, note: 'x'.repeat(5000) }, ad: { loc: 'https://shop.test/' } },
      ],
    })
    expect(res.status).toBe(202)
    expect(((await res.json()) as any).accepted).toBe(2)
    await tw.runtime.dispatcher.flush()
    expect(capiFor(plain)[0].user_data.em).toEqual([sha256('jane.doe@example.com')])
    expect(capiFor(junk)[0].user_data.em).toBeUndefined()
    expect(capiFor(junk)[0].custom_data.opt_out_type).toBe('LDP')
    expect(JSON.stringify(tw.runtime.journal.recent())).not.toMatch(/jane|no email/i)
  })

  it('/e answers per event: skipped ones say why', async () => {
    const cookie = await shopperCookie()
    const res = await call(tw, '/tw/e', { cookie, body: [{ event: 'init', ed: {} }, { event: 'lead', ed: {} }, { event: 'signup', ed: { event_id: id('s') } }] })
    const body = (await res.json()) as any
    expect(body.accepted).toBe(1)
    expect(body.events.map((e: any) => e.status)).toEqual(['skipped', 'skipped', 'accepted'])
    expect(body.events[1].reason).toMatch(/no event_id/)
  })

  it('the verified cookie is the only source of epik and hashed email; a tampered one counts as none', async () => {
    const cookie = await shopperCookie({ epik: EPIK, consent: GRANTED, em: 'e'.repeat(64) })
    const forged = cookie.slice(0, -3) + (cookie.endsWith('abc') ? 'xyz' : 'abc')
    const eid = id('t')
    await sendBeacon(beaconQuery('lead', { event_id: eid }), forged)
    const entry = tw.runtime.journal.recent().find((e) => e.event_id === eid)!
    // no consent snapshot either → TAGWARDEN_DEFAULT_CONSENT (denied) → not sent to CAPI nor forwarded
    expect(entry.destinations['pinterest-capi'].state).toBe('suppressed')
    expect(entry.destinations['pinterest-tag']).toMatchObject({ action: 'suppress', state: 'suppressed' })
    expect(hitsFor(eid)).toHaveLength(0)
  })
})

describe('consent on the tag path', () => {
  it('consent denied: the beacon is not forwarded, the page still gets its pixel, and the decision is recorded', async () => {
    await app()
    const cookie = await shopperCookie({ epik: EPIK, consent: { ad_storage: 'denied', ad_user_data: 'denied' } })
    const eid = id('den')
    const res = await sendBeacon(beaconQuery('checkout', { event_id: eid }), cookie)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/gif')
    expect(hitsFor(eid)).toHaveLength(0)
    await tw.runtime.dispatcher.flush()
    expect(capi.countById(eid)).toBe(0)
    const entry = tw.runtime.journal.recent().find((e) => e.event_id === eid)!
    expect(entry.destinations['pinterest-tag']).toMatchObject({ action: 'suppress', rule: 'ad-storage-not-granted', state: 'suppressed' })
    expect(entry.destinations['pinterest-capi']).toMatchObject({ action: 'suppress', state: 'suppressed' })
  })

  it('Sec-GPC: 1 → the beacon goes with Pinterest LDP (+ hashed country from the trusted header), the CAPI copy too', async () => {
    await app({ TAGWARDEN_COUNTRY_HEADER: 'cf-ipcountry' })
    const cookie = await shopperCookie()
    const eid = id('gpc')
    await sendBeacon(beaconQuery('checkout', { event_id: eid, value: 3 }, { pd: { em: 'f'.repeat(64) } }), cookie, { 'sec-gpc': '1', 'cf-ipcountry': 'US' })
    const [hit] = hitsFor(eid)
    expect(hit.pd).toEqual({ em: 'f'.repeat(64), opt_out_type: 'LDP', country: sha256('us') })
    await tw.runtime.dispatcher.flush()
    const [sent] = capiFor(eid)
    expect(sent.custom_data.opt_out_type).toBe('LDP')
    expect(sent.user_data.country).toEqual([sha256('us')])
    expect(tw.runtime.journal.recent().find((e) => e.event_id === eid)!.destinations['pinterest-tag']).toMatchObject({ action: 'restricted', rule: 'sale-opt-out' })
  })

  it('the country header is believed only from a trusted proxy: from any other peer it is ignored', async () => {
    await app({ TAGWARDEN_COUNTRY_HEADER: 'cf-ipcountry' })
    const cookie = await shopperCookie()
    const eid = id('gpc-untrusted')
    await call(tw, `/tw/pin/ct/v3/?${beaconQuery('checkout', { event_id: eid, value: 3 })}`, { cookie, headers: { 'sec-gpc': '1', 'cf-ipcountry': 'US' }, peer: '203.0.113.200' })
    const [hit] = hitsFor(eid)
    expect(hit.pd).toEqual({ opt_out_type: 'LDP' })
    expect(hit.headers['x-forwarded-for']).toBe('203.0.113.200')
  })

  it('LDP on an image-tag (bracket form) beacon uses the bracket form', async () => {
    await app()
    const cookie = await shopperCookie()
    const eid = id('img')
    await call(tw, `/tw/pin/ct/v3/?tid=1&event=checkout&ed[event_id]=${eid}&ed[value]=10.00&noscript=1`, { cookie, headers: { 'sec-gpc': '1' } })
    const [hit] = hitsFor(eid)
    expect(hit.query.get('pd[opt_out_type]')).toBe('LDP')
    expect(hit.query.get('ed[value]')).toBe('10.00')
    await tw.runtime.dispatcher.flush()
    expect(capiFor(eid)[0]).toMatchObject({ event_name: 'checkout', custom_data: { value: '10', opt_out_type: 'LDP' } })
  })
})

describe('upstream behaviour and transport', () => {
  beforeEach(() => app())

  it('answers a pixel with 200 when the beacon upstream fails, and still mirrors', async () => {
    const cookie = await shopperCookie()
    beacon.failWith(500)
    const eid = id('down')
    const res = await sendBeacon(beaconQuery('lead', { event_id: eid }), cookie)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/gif')
    await tw.runtime.dispatcher.flush()
    expect(capi.countById(eid)).toBe(1)
    expect(tw.runtime.journal.recent().find((e) => e.event_id === eid)!.destinations['pinterest-tag'].state).toBe('failed')
  })

  it('answers a pixel when nothing listens upstream', async () => {
    await tw.close()
    tw = await buildTagApp({ ...liveCapiEnv(capi.url) })
    const res = await sendBeacon(beaconQuery('init', {}))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/gif')
  })

  it('passes other endpoints through as Pinterest answered them (/user/ JSON)', async () => {
    const res = await call(tw, '/tw/pin/ct/user/?tid=2612345678901&cb=1', { cookie: await shopperCookie() })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(await res.json()).toEqual({ aemEnabled: false, aemFnLnEnabled: false })
    expect(beacon.hits.at(-1)!.path).toBe('/user/')
  })

  it('forwards a POST beacon with its body, and mirrors from the body', async () => {
    const cookie = await shopperCookie()
    const eid = id('post')
    const body = new URLSearchParams({ tid: '1', event: 'signup', ed: JSON.stringify({ event_id: eid }), ad: JSON.stringify({ loc: 'https://shop.test/join' }) }).toString()
    const res = await call(tw, '/tw/pin/ct/v3/', { cookie, body, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(res.status).toBe(200)
    const hit = beacon.hits.at(-1)!
    expect(hit.method).toBe('POST')
    expect(new URLSearchParams(hit.body).get('event')).toBe('signup')
    await tw.runtime.dispatcher.flush()
    expect(capiFor(eid)[0]).toMatchObject({ event_name: 'signup', event_source_url: 'https://shop.test/join' })
  })
})
