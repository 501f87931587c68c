// Meta's and TikTok's pixel calls through the loader (client/px/) on the server: `/tw/ctx` keeps
// their click and browser ids (and Meta's `_fbc`/`_fbp` first-party), answers a decision for each
// browser pixel, and `/tw/e` turns each pixel call into that platform's server copy only, with the
// pixel's id — at the spec-strict fakes over real HTTP.
import { createHash } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { buildTagApp, call, claimsOf, setCtx, SHOPPER_IP, UA } from '../tag/build'
import { HARNESSES, type AnyFake } from './harnesses'

const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const NAMES = ['pinterest-capi', 'meta-capi', 'tiktok-events'] as const
const NOW_MS = 1_767_225_600_000
const now = () => NOW_MS
const GRANTED = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted' }
const FBCLID = 'IwAR2F4-dbP0l7Mn1Iaw'
const TTCLID = 'E.C.P.CscBYmVlNTdh'

let fakes: Record<(typeof NAMES)[number], AnyFake>
let tw: TagwardenApp | undefined
beforeAll(async () => {
  fakes = Object.fromEntries(await Promise.all(NAMES.map(async (n) => [n, await HARNESSES[n].start(now)]))) as typeof fakes
})
afterAll(() => Promise.all(NAMES.map((n) => fakes[n].close())))
afterEach(async () => {
  await tw?.close()
  tw = undefined
  for (const n of NAMES) fakes[n].received.length = 0
})

const app = async () => (tw = await buildTagApp(Object.assign({}, ...NAMES.map((n) => HARNESSES[n].live(fakes[n].url))), { now }))
const got = (n: (typeof NAMES)[number], id: string) => fakes[n].received.filter((r) => r.event.event_id === id).map((r) => r.event)
const setCookies = (res: Response) => Object.fromEntries(res.headers.getSetCookie().map((l) => [l.split('=')[0], l]))
const ctx = (body: object, c: { cookie?: string; headers?: Record<string, string> } = {}) => call(tw!, '/tw/ctx', { body, ...c })
const e = (body: unknown, c: { cookie?: string; headers?: Record<string, string> } = {}) => call(tw!, '/tw/e', { body: body as object, ...c })
const purchase = { px: 'meta', name: 'Purchase', id: 'ord_1001', data: { value: 72.39, currency: 'USD', order_id: '1001', content_ids: ['TOTE'], contents: [{ id: 'TOTE', quantity: 3, item_price: 24.13 }], content_type: 'product' }, loc: 'https://shop.test/thank-you', ref: '' }
const completePayment = { px: 'tiktok', name: 'CompletePayment', id: 'ord_1001', data: { value: '72.39', currency: 'USD', contents: [{ content_id: 'TOTE', quantity: 3, price: 24.13 }], order_id: '1001' }, loc: 'https://shop.test/thank-you' }

describe('/tw/ctx: Meta and TikTok ids', () => {
  it('keeps fbc (made from the landing fbclid), a new fbp, ttclid and ttp; sets _fbc and _fbp first-party; answers all three browser tags', async () => {
    await app()
    const res = await ctx({ consent: [{ ...GRANTED, source: 'hook' }], fbclid: FBCLID, ttclid: TTCLID, ttp: '2Zq9k0bQn1XyL7hS0aW3cE5tU8m' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ decisions: { 'pinterest-tag': { action: 'allow', rule: 'allow' }, 'meta-pixel': { action: 'allow', rule: 'allow' }, 'tiktok-pixel': { action: 'allow', rule: 'allow' } } })
    const claims = claimsOf(setCtx(res)!)
    // shop.test: one dot → subdomain index 1; the server's clock in ms (docs/meta-capi.md §7).
    expect(claims.fbc).toBe(`fb.1.${NOW_MS}.${FBCLID}`)
    expect(claims.fbp).toMatch(new RegExp(`^fb\\.1\\.${NOW_MS}\\.\\d{1,10}$`))
    expect(claims).toMatchObject({ ttclid: TTCLID, ttp: '2Zq9k0bQn1XyL7hS0aW3cE5tU8m' })
    const set = setCookies(res)
    expect(set._fbc).toBe(`_fbc=${claims.fbc}; Max-Age=7776000; Path=/; Secure; SameSite=Lax`)
    expect(set._fbp).toBe(`_fbp=${claims.fbp}; Max-Age=7776000; Path=/; Secure; SameSite=Lax`)
  })

  it('a _fbc cookie that already carries this fbclid is kept as it is; another fbclid replaces it; the shopper\'s own _fbp is never replaced', async () => {
    await app()
    const mine = 'fb.2.1767000000000.IwAR2F4-dbP0l7Mn1Iaw.AQ'
    const same = await ctx({ consent: GRANTED, fbclid: FBCLID, fbc: mine, fbp: 'fb.1.1767000000000.42' }, { headers: { cookie: `_fbc=${mine}; _fbp=fb.1.1767000000000.42` } })
    expect(claimsOf(setCtx(same)!)).toMatchObject({ fbc: mine, fbp: 'fb.1.1767000000000.42' })
    expect(setCookies(same)._fbc).toBeUndefined()
    expect(setCookies(same)._fbp).toBeUndefined()
    const other = await ctx({ fbclid: 'IwAR-other-click' }, { cookie: setCtx(same), headers: { cookie: `_fbc=${mine}; _fbp=fb.1.1767000000000.42` } })
    expect(claimsOf(setCtx(other)!).fbc).toBe(`fb.1.${NOW_MS}.IwAR-other-click`)
    expect(setCookies(other)._fbc).toContain(`_fbc=fb.1.${NOW_MS}.IwAR-other-click;`)
  })

  it('an explicit no to ad storage keeps none of them and deletes _fbc, _fbp and _ttp; no Meta cookie is set', async () => {
    await app()
    const denied = { ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', source: 'hook' }
    const res = await ctx({ consent: [denied], fbclid: FBCLID, ttclid: TTCLID, fbp: 'fb.1.1767000000000.42', ttp: 'abc' }, { headers: { cookie: '_fbc=fb.1.1767000000000.x; _fbp=fb.1.1767000000000.42; _ttp=abc' } })
    const body = await res.json()
    expect(body.decisions['meta-pixel'].action).toBe('suppress')
    expect(body.decisions['tiktok-pixel'].action).toBe('suppress')
    const claims = claimsOf(setCtx(res)!)
    for (const k of ['fbc', 'fbp', 'ttclid', 'ttp']) expect(claims[k]).toBeUndefined()
    const set = setCookies(res)
    for (const name of ['_fbc', '_fbp', '_ttp']) expect(set[name]).toMatch(new RegExp(`^${name}=; Max-Age=0`))
  })

  it('malformed ids read from cookies or the URL are dropped, not refused: the consent update still lands', async () => {
    await app()
    const res = await ctx({ consent: GRANTED, fbc: 'not-a-meta-cookie', fbp: 'fb.1.12.x', ttp: 'has space', fbclid: 'with space' })
    expect(res.status).toBe(200)
    const claims = claimsOf(setCtx(res)!)
    expect(claims.consent).toMatchObject({ ad_storage: 'granted' })
    expect(claims.fbc).toBeUndefined()
    expect(claims.ttp).toBeUndefined()
    expect(claims.fbp).toMatch(/^fb\.1\.\d{13}\.\d+$/)
  })
})

describe('/tw/e: pixel calls', () => {
  /** A shopper who granted, landed from a Meta and a TikTok ad, and gave an email: their tw_ctx. */
  const shopper = async (consent: object = GRANTED, headers: Record<string, string> = {}) =>
    setCtx(await ctx({ consent, fbclid: FBCLID, ttclid: TTCLID, ttp: '2Zq9k0bQn1XyL7hS0aW3cE5tU8m', em: ' Jane.Doe@Example.com' }, { headers }))!

  it('each call reaches only its own platform, with the pixel\'s id and name, its data, the shopper\'s hashed email and that platform\'s ids', async () => {
    await app()
    const cookie = await shopper()
    const { fbc, fbp } = claimsOf(cookie)
    const res = await e([purchase, completePayment], { cookie })
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ accepted: 2, events: [{ event: 'Purchase', event_id: 'ord_1001', status: 'accepted' }, { event: 'CompletePayment', event_id: 'ord_1001', status: 'accepted' }] })
    await tw!.runtime.dispatcher.flush()
    expect(got('pinterest-capi', 'ord_1001')).toEqual([])
    const [m] = got('meta-capi', 'ord_1001')
    const [t] = got('tiktok-events', 'ord_1001')
    expect(m).toMatchObject({ event_name: 'Purchase', action_source: 'website', event_source_url: 'https://shop.test/thank-you' })
    expect(m.custom_data).toMatchObject({ value: 72.39, currency: 'USD', order_id: '1001', content_ids: ['TOTE'], contents: [{ id: 'TOTE', quantity: 3, item_price: 24.13 }] })
    expect(m.user_data).toEqual({ em: [sha('jane.doe@example.com')], client_ip_address: SHOPPER_IP, client_user_agent: UA, fbc, fbp })
    expect(t).toMatchObject({ event: 'CompletePayment', properties: { value: 72.39, currency: 'USD' }, page: { url: 'https://shop.test/thank-you' } })
    expect(t.user).toEqual({ email: [sha('jane.doe@example.com')], ttclid: TTCLID, ttp: '2Zq9k0bQn1XyL7hS0aW3cE5tU8m', ip: SHOPPER_IP, user_agent: UA })
  })

  it('trackCustom and unknown names go as custom events under their own name; a repeated id counts once', async () => {
    await app()
    const cookie = await shopper()
    const loc = 'https://shop.test/products/tote'
    const calls = [{ px: 'meta', name: 'SizeGuide', id: 'c-1', custom: 1, data: { size: 'M' }, loc }, { px: 'tiktok', name: 'ClickButton', id: 'c-2', loc }]
    const first = await (await e(calls, { cookie })).json()
    expect(first).toMatchObject({ accepted: 2 })
    const again = await (await e(calls, { cookie })).json()
    expect(again.events.map((x: { status: string }) => x.status)).toEqual(['duplicate', 'duplicate'])
    await tw!.runtime.dispatcher.flush()
    expect(got('meta-capi', 'c-1').map((x) => x.event_name)).toEqual(['SizeGuide'])
    expect(got('tiktok-events', 'c-2').map((x) => x.event)).toEqual(['ClickButton'])
  })

  it('ad_user_data denied strips the email and click ids from both copies, IP and user agent stay; GPC gives LDU and limited data use', async () => {
    await app()
    const stripCookie = await shopper({ ...GRANTED, ad_user_data: 'denied' })
    await e([{ ...purchase, id: 'strip-1' }, { ...completePayment, id: 'strip-1' }], { cookie: stripCookie })
    const gpcCookie = await shopper(GRANTED, { 'sec-gpc': '1' })
    await e([{ ...purchase, id: 'gpc-1' }, { ...completePayment, id: 'gpc-1' }], { cookie: gpcCookie, headers: { 'sec-gpc': '1' } })
    await tw!.runtime.dispatcher.flush()
    expect(got('meta-capi', 'strip-1')[0].user_data).toEqual({ client_ip_address: SHOPPER_IP, client_user_agent: UA })
    expect(got('tiktok-events', 'strip-1')[0].user).toEqual({ ip: SHOPPER_IP, user_agent: UA })
    expect(got('meta-capi', 'gpc-1')[0].data_processing_options).toEqual(['LDU'])
    expect(got('tiktok-events', 'gpc-1')[0].limited_data_use).toBe(true)
  })

  it('answers 400 naming the entry and field for a bad call; data the copy cannot carry skips that call with the reason', async () => {
    await app()
    const bad = async (body: unknown) => ((await e(body)).status === 400 ? (await (await e(body)).json()).message : 'accepted')
    expect(await bad([{ px: 'snap', name: 'Purchase', id: 'x' }])).toMatch(/\[0\]\.px/)
    expect(await bad([purchase, { px: 'meta', name: 'Purchase' }])).toMatch(/\[1\]\.id/)
    expect(await bad([{ ...purchase, name: '<script>' }])).toMatch(/\[0\]\.name/)
    expect(await bad([{ ...purchase, extra: 1 }])).toMatch(/\[0\]/)
    const res = await e([{ ...purchase, id: 'v-1', data: { value: 'lots', currency: 'USD' } }])
    expect(res.status).toBe(202)
    expect((await res.json()).events[0]).toMatchObject({ event: 'Purchase', status: 'skipped', reason: expect.stringMatching(/^data\.value: /) })
  })
})
