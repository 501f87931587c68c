import { describe, expect, it } from 'vitest'
import { parseBeacon } from '../../server/pinterest/beacon'
import { beaconToEvent, type Shopper } from '../../server/pinterest/beacon-event'
import { editPartnerData, editPartnerDataJson } from '../../server/pinterest/beacon-pd'
import { parseBracketForm } from '../../server/pinterest/bracket-form'
import { sha256 } from '../../server/identity/normalize'
import { validateCapiEvent } from '../fakes/fake-capi'
import { pinterestCapi } from '../../server/destinations/pinterest-capi'

const NOW = 1_767_225_600_000
const shopper: Shopper = { ip: '203.0.113.7', ua: 'Mozilla/5.0 test', language: 'en', epik: 'dj0yJnU9b2JDcFFH', visitorId: 'visitor-0123456789abcdef', consent: { ad_storage: 'granted', ad_user_data: 'granted' } }

describe('parseBracketForm', () => {
  it('nests bracket keys and turns index keys into arrays', () => {
    const p = new URLSearchParams('ed[value]=10.00&ed[order_quantity]=2&ed[line_items][1][product_id]=B&ed[line_items][0][product_id]=A&ed[line_items][0][product_price]=5&pd[em]=x&event=checkout')
    expect(parseBracketForm(p)).toEqual({
      ed: { value: '10.00', order_quantity: '2', line_items: [{ product_id: 'A', product_price: '5' }, { product_id: 'B' }] },
      pd: { em: 'x' },
      event: 'checkout',
    })
  })

  it('ignores prototype keys, malformed keys and over-deep nesting', () => {
    const p = new URLSearchParams('ed[__proto__][x]=1&__proto__[y]=2&ed[constructor]=3&ed[a b]=4&ed[a][b][c][d][e][f]=5&ed[ok]=6')
    const o = parseBracketForm(p)
    expect(o).toEqual({ ed: { ok: '6' } })
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })
})

describe('parseBeacon', () => {
  it('reads the JS tag form: ed/pd/ad as JSON in the query (docs/pinterest-tag.md)', () => {
    const q = new URLSearchParams({ tid: '2612345678901', event: 'checkout', ed: '{"event_id":"e1","value":116}', pd: '{"em":"abc"}', ad: '{"loc":"https://shop.test/ty"}', cb: '1583538016603' })
    expect(parseBeacon(q)).toEqual({ tid: '2612345678901', event: 'checkout', ed: { event_id: 'e1', value: 116 }, pd: { em: 'abc' }, ad: { loc: 'https://shop.test/ty' }, cb: 1583538016603 })
  })

  it('reads the image tag form: bracket keys (docs/pinterest-tag.md)', () => {
    const b = parseBeacon(new URLSearchParams('tid=1&event=checkout&ed[value]=10.00&ed[event_id]=e2&pd[opt_out_type]=LDP&noscript=1'))
    expect(b).toMatchObject({ event: 'checkout', ed: { value: '10.00', event_id: 'e2' }, pd: { opt_out_type: 'LDP' } })
  })

  it('reads a POST body, form-encoded or JSON, over the query', () => {
    const form = parseBeacon(new URLSearchParams('tid=1'), 'event=signup&ed=%7B%22event_id%22%3A%22f1%22%7D', 'application/x-www-form-urlencoded')
    expect(form).toMatchObject({ tid: '1', event: 'signup', ed: { event_id: 'f1' } })
    const json = parseBeacon(new URLSearchParams(), JSON.stringify({ event: 'lead', ed: { event_id: 'j1' }, pd: '{"em":"x"}', cb: 5 }), 'text/plain')
    expect(json).toMatchObject({ event: 'lead', ed: { event_id: 'j1' }, pd: { em: 'x' }, cb: 5 })
  })

  it('is lenient with junk: unreadable parts are left out', () => {
    expect(parseBeacon(new URLSearchParams('ed={oops&pd=[1]&cb=soon'))).toEqual({ tid: undefined, event: undefined, ed: {}, pd: {}, ad: {}, cb: undefined })
    expect(parseBeacon(new URLSearchParams(), '{not json', 'application/json').ed).toEqual({})
  })
})

describe('beaconToEvent (docs/pinterest-tag.md)', () => {
  const checkout = parseBeacon(
    new URLSearchParams({
      event: 'checkout',
      ed: JSON.stringify({
        event_id: 'ord_10042', value: 72.39, order_quantity: 3, currency: 'usd', order_id: 10042, promo_code: 'X', coupon: 'Y',
        line_items: [{ product_id: 'SKU-1', product_price: 14.99, product_quantity: 2, product_name: 'Tee', product_variant: 'red' }, { product_id: 'SKU-2', product_price: '42.41', product_quantity: '1' }],
      }),
      pd: JSON.stringify({ em: 'F660AB91'.toLowerCase() + 'a'.repeat(56) }),
      ad: JSON.stringify({ loc: 'https://shop.test/thank-you', ref: '' }),
      cb: String(NOW - 2500),
    }),
  )

  it('maps a checkout beacon field by field, with the same event_id', () => {
    const r = beaconToEvent(checkout, { ...shopper, pinUnauth: 'PinUnauthValue' }, NOW, 'tag')
    expect('event' in r).toBe(true)
    if (!('event' in r)) return
    expect(r.event).toEqual({
      name: 'checkout',
      event_id: 'ord_10042',
      time: Math.floor((NOW - 2500) / 1000),
      source: 'tag',
      action_source: 'web',
      platforms: ['pinterest'], // a Pinterest tag call is mirrored to Pinterest only
      url: 'https://shop.test/thank-you',
      language: 'en',
      user: {
        client_ip_address: '203.0.113.7',
        client_user_agent: 'Mozilla/5.0 test',
        ids: { 'pinterest.epik': 'dj0yJnU9b2JDcFFH' },
        em: ['f660ab91' + 'a'.repeat(56)],
        external_id: [sha256('pinunauthvalue'), sha256('visitor-0123456789abcdef')],
      },
      custom: {
        value: 72.39,
        currency: 'USD',
        order_id: '10042',
        num_items: 3,
        content_ids: ['SKU-1', 'SKU-2'],
        contents: [{ id: 'SKU-1', price: 14.99, quantity: 2, name: 'Tee' }, { id: 'SKU-2', price: 42.41, quantity: 1 }],
      },
      consent: shopper.consent,
    })
    // …and the wire payload is one the spec accepts, money as strings and the epik as click_id
    const payload = pinterestCapi().toPayload(r.event)!
    expect(validateCapiEvent(payload)).toEqual([])
    expect(payload.user_data.click_id).toBe('dj0yJnU9b2JDcFFH')
    expect(payload.custom_data).toEqual({
      value: '72.39', currency: 'USD', order_id: '10042', num_items: 3, content_ids: ['SKU-1', 'SKU-2'],
      contents: [{ id: 'SKU-1', item_price: '14.99', quantity: 2, item_name: 'Tee' }, { id: 'SKU-2', item_price: '42.41', quantity: 1 }],
    })
  })

  it('maps the tag names: AddToCart/addtocart → add_to_cart, pagevisit → page_visit, search_query → search_string', () => {
    const name = (event: string, ed: object = { event_id: 'x' }) => {
      const r = beaconToEvent({ event, ed: ed as Record<string, unknown>, pd: {}, ad: {} }, shopper, NOW, 'tag')
      return 'event' in r ? r.event : r.skip
    }
    expect(name('AddToCart')).toMatchObject({ name: 'add_to_cart' })
    expect(name('addtocart')).toMatchObject({ name: 'add_to_cart' })
    expect(name('pagevisit')).toMatchObject({ name: 'page_visit' })
    expect(name('viewcategory')).toMatchObject({ name: 'view_category' })
    expect(name('watchvideo')).toMatchObject({ name: 'watch_video' })
    expect(name('search', { event_id: 's', search_query: 'linen tote' })).toMatchObject({ name: 'search', custom: { search_string: 'linen tote' } })
  })

  it('does not mirror init, user-defined events, or events without event_id', () => {
    const skip = (event: string | undefined, ed: Record<string, unknown> = { event_id: 'x' }) => beaconToEvent({ event, ed, pd: {}, ad: {} }, shopper, NOW, 'tag')
    expect(skip('init')).toEqual({ skip: expect.stringMatching(/not a Pinterest conversion event/) })
    expect(skip('WishlistShare')).toEqual({ skip: expect.stringMatching(/not a Pinterest conversion event/) })
    expect(skip('checkout', {})).toEqual({ skip: expect.stringMatching(/no event_id/) })
    expect(skip(undefined)).toEqual({ skip: 'no event name' })
  })

  it('clamps a future cache buster to now and ignores an implausible one', () => {
    const at = (cb: number | undefined) => {
      const r = beaconToEvent({ event: 'lead', ed: { event_id: 'l' }, pd: {}, ad: {}, cb }, shopper, NOW, 'tag')
      return 'event' in r ? r.event.time : undefined
    }
    expect(at(NOW + 3_600_000)).toBe(NOW / 1000)
    expect(at(5)).toBe(NOW / 1000)
    expect(at(undefined)).toBe(NOW / 1000)
    expect(at(NOW - 60_000)).toBe(NOW / 1000 - 60)
  })

  it('takes only a SHA-256 email from pd; the cookie\'s hashed email wins', () => {
    const em = (pdEm: string, cookieEm?: string) => {
      const r = beaconToEvent({ event: 'lead', ed: { event_id: 'l' }, pd: { em: pdEm }, ad: {} }, { ...shopper, em: cookieEm }, NOW, 'tag')
      return 'event' in r ? r.event.user.em : undefined
    }
    expect(em('d41d8cd98f00b204e9800998ecf8427e')).toBeUndefined() // MD5 cannot become SHA-256
    expect(em('jane@example.com')).toBeUndefined() // plaintext is never taken from a beacon
    expect(em('A'.repeat(64))).toEqual(['a'.repeat(64)])
    expect(em('a'.repeat(64), 'c'.repeat(64))).toEqual(['c'.repeat(64)])
  })

  it('uses the page URL epik when the cookie has none yet (first page of an ad click)', () => {
    const r = beaconToEvent({ event: 'pagevisit', ed: { event_id: 'p' }, pd: {}, ad: { loc: 'https://shop.test/?epik=fromUrl123&utm=x' } }, { ...shopper, epik: undefined }, NOW, 'tag')
    expect('event' in r && r.event.user.ids?.['pinterest.epik']).toBe('fromUrl123')
  })

  it('carries LDP from pd: opt_out_type and hashed st/country', () => {
    const st = sha256('ca')
    const r = beaconToEvent({ event: 'checkout', ed: { event_id: 'c' }, pd: { opt_out_type: 'LDP', st, country: 'US' }, ad: {} }, shopper, NOW, 'tag')
    expect('event' in r && r.event).toMatchObject({ restricted: true, user: { st: [st], country: ['us'] } })
    const payload = 'event' in r ? pinterestCapi().toPayload(r.event)! : undefined
    expect(payload).toMatchObject({ custom_data: { opt_out_type: 'LDP' }, user_data: { st: [st], country: [sha256('us')] } })
  })

  it('drops values that cannot be valid instead of failing the event', () => {
    const r = beaconToEvent({ event: 'addtocart', ed: { event_id: 'a', value: 'lots', currency: 'dollars', order_quantity: -2, line_items: 'nope' }, pd: {}, ad: { loc: 'javascript:alert(1)' } }, shopper, NOW, 'tag')
    expect('event' in r && r.event).toMatchObject({ name: 'add_to_cart', custom: {} })
    expect('event' in r && r.event.url).toBeUndefined()
  })

  it('skips an event_id longer than the pipeline accepts', () => {
    const r = beaconToEvent({ event: 'lead', ed: { event_id: 'x'.repeat(300) }, pd: {}, ad: {} }, shopper, NOW, 'tag')
    expect(r).toEqual({ skip: expect.stringMatching(/event_id/) })
  })
})

describe('editPartnerData', () => {
  it('adds LDP inside a JSON pd, keeping what is there', () => {
    const out = editPartnerData(new URLSearchParams({ event: 'checkout', pd: '{"em":"h"}' }), { set: { opt_out_type: 'LDP', country: 'c' } })
    expect(JSON.parse(out.get('pd')!)).toEqual({ em: 'h', opt_out_type: 'LDP', country: 'c' })
  })
  it('uses the bracket form when the beacon does', () => {
    const out = editPartnerData(new URLSearchParams('ed[event_id]=x&pd[country]=keep'), { set: { opt_out_type: 'LDP', country: 'c' } })
    expect(out.get('pd[opt_out_type]')).toBe('LDP')
    expect(out.get('pd[country]')).toBe('keep')
  })
  it('adds a JSON pd when there is none, and removes a stripped email', () => {
    expect(editPartnerData(new URLSearchParams('event=x'), { set: { opt_out_type: 'LDP' } }).get('pd')).toBe('{"opt_out_type":"LDP"}')
    expect(editPartnerData(new URLSearchParams({ pd: '{"em":"h","np":"x"}' }), { remove: ['em'] }).get('pd')).toBe('{"np":"x"}')
    expect(JSON.parse(editPartnerDataJson('{"event":"x","pd":{"em":"h"}}', { set: { opt_out_type: 'LDP' } })!)).toEqual({ event: 'x', pd: { em: 'h', opt_out_type: 'LDP' } })
  })
})
