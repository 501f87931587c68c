// Meta and TikTok destinations, piece by piece: name mapping, each platform's normalization before
// hashing, restricted modes, and how their answers are read (Graph error codes; TikTok's code in a
// 200 body). The contract suite covers the same destinations end to end.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { metaCapi, tiktokEvents } from '../../server/destinations'
import { EVENT_NAMES, type CanonicalEvent } from '../../server/event'
import { purchase } from './harnesses'

const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const NOW_S = 1_767_225_600
const meta = metaCapi({ pixelId: '1234567890', accessToken: 'EAAB-meta-test-token-0123456789', eventSourceUrl: 'https://shop.example.com/' })
const tiktok = tiktokEvents({ pixelCode: 'C4ABCDEF12345678901G', accessToken: 'tt-test-access-token-0123456789' })
const ev = (over: Partial<CanonicalEvent> = {}) => purchase('e1', NOW_S, over)
const H = new Headers()

describe('event names', () => {
  const EXPECTED: Record<string, [string | undefined, string | undefined]> = {
    page_visit: ['PageView', undefined], view_content: ['ViewContent', 'ViewContent'], view_category: ['ViewContent', 'ViewContent'],
    search: ['Search', 'Search'], add_to_cart: ['AddToCart', 'AddToCart'], add_to_wishlist: ['AddToWishlist', 'AddToWishlist'],
    initiate_checkout: ['InitiateCheckout', 'InitiateCheckout'], add_payment_info: ['AddPaymentInfo', 'AddPaymentInfo'],
    checkout: ['Purchase', 'Purchase'], lead: ['Lead', 'Lead'], signup: ['CompleteRegistration', 'CompleteRegistration'],
    subscribe: ['Subscribe', 'Subscribe'], watch_video: ['WatchVideo', 'WatchVideo'], app_install: [undefined, undefined], custom: [undefined, undefined],
  }
  it('maps every neutral name (TikTok page views off by default)', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...EVENT_NAMES].sort())
    for (const name of EVENT_NAMES) {
      const e = ev({ name })
      expect([meta.toPayload(e)?.event_name, tiktok.toPayload(e)?.event], name).toEqual(EXPECTED[name])
    }
    expect(tiktokEvents({ pixelCode: 'C4ABCDEF12345678901G', pageViews: true }).toPayload(ev({ name: 'page_visit' }))?.event).toBe('Pageview')
  })
  it('passes a custom name through, and keeps the page pixel’s own spelling (legacy CompletePayment)', () => {
    const custom = ev({ name: 'custom', custom_name: 'SizeGuideOpened' })
    expect(meta.toPayload(custom)?.event_name).toBe('SizeGuideOpened')
    expect(tiktok.toPayload(custom)?.event).toBe('SizeGuideOpened')
    expect(meta.toPayload(ev({ name: 'custom', custom_name: 'x'.repeat(51) }))).toBeUndefined()
    const legacy = ev({ pixel_names: { tiktok: 'CompletePayment' } })
    expect(tiktok.toPayload(legacy)?.event).toBe('CompletePayment')
    expect(meta.toPayload(legacy)?.event_name).toBe('Purchase')
  })
})

describe('meta-capi payload', () => {
  it('hashes by Meta’s rules: names and city stripped, no gender n, given hashes kept, fbc/fbp and IP/UA raw', () => {
    const p = meta.toPayload(ev({ user: { ...ev().user, fn: ['mary-ann'], ct: ['münchen'], ge: ['n'], external_id: [sha('customer-123')] } }))!
    expect(p.user_data.fn).toEqual([sha('maryann')])
    expect(p.user_data.ct).toEqual([sha('mnchen')])
    expect(p.user_data.ge).toBeUndefined()
    expect(p.user_data.ph).toEqual([sha('15551234567')])
    expect(p.user_data.external_id).toEqual([sha('customer-123')])
    expect(p.user_data.fbc).toBe(ev().user.ids!['meta.fbc'])
    expect(p.user_data.client_user_agent).toBe('Mozilla/5.0 (X11; Linux x86_64)')
    expect(p).toMatchObject({ action_source: 'website', event_time: NOW_S - 60, event_id: 'e1' })
    expect(meta.validate(p)).toBeUndefined()
  })
  it('drops a malformed fbc (a seconds timestamp) instead of failing the batch', () => {
    const p = meta.toPayload(ev({ user: { client_user_agent: 'UA', ids: { 'meta.fbc': 'fb.1.1767225600.abc' } } }))!
    expect(p.user_data.fbc).toBeUndefined()
  })
  it('sends money as numbers rounded to the currency', () => {
    const p = meta.toPayload(ev({ custom: { value: 1234.5, currency: 'JPY', contents: [{ id: 'A', price: 99.999, quantity: 2 }, { price: 1 }] } }))!
    expect(p.custom_data).toMatchObject({ value: 1235, currency: 'JPY', contents: [{ id: 'A', item_price: 100, quantity: 2 }] })
  })
  it('LDU: California US → 1/1000, elsewhere 0/0 (Meta geolocates), none when not restricted', () => {
    expect(meta.toPayload(ev({ restricted: true }))).toMatchObject({ data_processing_options: ['LDU'], data_processing_options_country: 1, data_processing_options_state: 1000 })
    expect(meta.toPayload(ev({ restricted: true, user: { client_user_agent: 'UA' } }))).toMatchObject({ data_processing_options: ['LDU'], data_processing_options_country: 0, data_processing_options_state: 0 })
    expect(meta.toPayload(ev())?.data_processing_options).toBeUndefined()
  })
  it('an order webhook without a page URL takes META_EVENT_SOURCE_URL; without it the event is refused with the fix named', () => {
    expect(meta.toPayload(ev({ url: undefined, source: 'webhook' }))?.event_source_url).toBe('https://shop.example.com/')
    const bare = metaCapi({ pixelId: '1234567890' })
    expect(bare.validate(bare.toPayload(ev({ url: undefined }))!)).toMatch(/META_EVENT_SOURCE_URL/)
  })
  it('keeps the token out of the URL, and names the test event code', () => {
    const req = metaCapi({ pixelId: '1234567890', accessToken: 'EAAB-meta-test-token-0123456789', testEventCode: 'TEST123' }).toRequest([meta.toPayload(ev())!])
    expect(req.url).toBe('https://graph.facebook.com/v26.0/1234567890/events')
    expect(JSON.parse(req.body)).toMatchObject({ test_event_code: 'TEST123', access_token: 'EAAB-meta-test-token-0123456789' })
  })
  it('reads Graph answers by error code, not HTTP status', () => {
    const err = (code: number, sub?: number) => ({ error: { message: 'm', code, ...(sub ? { error_subcode: sub } : {}) } })
    expect(meta.fromResponse(200, { events_received: 2 }, H, 2).kind).toBe('done')
    expect(meta.fromResponse(200, { events_received: 1 }, H, 2).kind).toBe('retry')
    expect(meta.fromResponse(400, err(190), H, 1).kind).toBe('auth')
    expect(meta.fromResponse(400, err(200), H, 1).kind).toBe('auth')
    expect(meta.fromResponse(400, err(4), H, 1)).toMatchObject({ kind: 'retry', wait: 'rate-limited' })
    expect(meta.fromResponse(500, err(2), H, 1)).toMatchObject({ kind: 'retry', wait: 'upstream-5xx' })
    expect(meta.fromResponse(400, err(100, 2804003), H, 3)).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('subcode 2804003') })
  })
  it('options: the version lives in META_API_URL; a token without a pixel id is refused', () => {
    const problems: string[] = []
    expect(metaCapi.fromEnv({ META_ACCESS_TOKEN: 'EAAB-meta-test-token-0123456789' }, problems)).toBeUndefined()
    expect(problems.join()).toMatch(/META_PIXEL_ID/)
    const p2: string[] = []
    metaCapi.fromEnv({ META_PIXEL_ID: '1', META_API_URL: 'https://graph.facebook.com' }, p2)
    expect(p2.join()).toMatch(/META_API_URL.*version/)
  })
})

describe('tiktok-events payload', () => {
  it('hashes email, external_id and the phone in E.164 with its +; ttclid, ttp, IP and UA raw; nothing else personal', () => {
    const p = tiktok.toPayload(ev({ language: 'en' }))!
    expect(p.user).toEqual({
      email: [sha('jane.doe@example.com')],
      phone: [sha('+15551234567')],
      external_id: [sha('customer-123')],
      ttclid: ev().user.ids!['tiktok.ttclid'],
      ttp: ev().user.ids!['tiktok.ttp'],
      ip: '203.0.113.7',
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
      locale: 'en',
    })
    expect(p).toMatchObject({ event: 'Purchase', event_time: NOW_S - 60, event_id: 'e1', limited_data_use: false, page: { url: 'https://shop.example.com/checkout/thank-you' } })
    expect(p.properties).toEqual({ contents: [{ content_id: 'SKU-1', quantity: 1, price: 72.39 }], content_type: 'product', currency: 'USD', value: 72.39, order_id: 'ORDER-10042', num_items: 1 })
    expect(tiktok.validate(p)).toBeUndefined()
  })
  it('limited data use on a restricted event', () => {
    expect(tiktok.toPayload(ev({ restricted: true }))?.limited_data_use).toBe(true)
  })
  it('reads the code in the body: 40100 is a rate limit, 4010x token errors pause, 20001 lists failures', () => {
    const a = (code: number, data = {}) => ({ code, message: 'm', request_id: 'r', data })
    expect(tiktok.fromResponse(200, a(0), H, 2)).toEqual({ kind: 'done', results: [{ status: 'processed' }, { status: 'processed' }] })
    expect(tiktok.fromResponse(200, a(40100), H, 1)).toMatchObject({ kind: 'retry', wait: 'rate-limited' })
    for (const code of [40001, 40102, 40104, 40105]) expect(tiktok.fromResponse(200, a(code), H, 1).kind).toBe('auth')
    expect(tiktok.fromResponse(200, a(50000), H, 1)).toMatchObject({ kind: 'retry', wait: 'upstream-5xx' })
    expect(tiktok.fromResponse(200, a(40002), H, 2).kind).toBe('rejected')
    const part = tiktok.fromResponse(200, a(20001, { failed_events: [{ index: 1, event_id: 'x', message: 'bad' }] }), H, 2)
    expect(part).toMatchObject({ kind: 'done', results: [{ status: 'processed' }, { status: 'failed' }] })
    expect(tiktok.fromResponse(200, 'gateway says hi', H, 1).kind).toBe('retry')
  })
})
