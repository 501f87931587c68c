import { afterEach, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { createKeyring } from '../../server/context/keys'
import { buildTagApp, call, claimsOf, headerOf, setCtx, TEST_SECRET, SHOPPER_IP, UA } from '../tag/build'
import { racingBodies } from './racing-posts'

let tw: TagwardenApp | undefined
afterEach(async () => {
  await tw?.close()
  tw = undefined
})

let clock = 1_767_225_600_000
const app = async (env: Record<string, string> = {}) => (tw = await buildTagApp(env, { now: () => clock }))
const post = (body: unknown, cookie?: string, headers: Record<string, string> = {}) =>
  call(tw!, '/tw/ctx', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), cookie, headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers } })

describe('POST /tw/ctx', () => {
  it('answers 200 with the decision for the browser tag and sets a signed tw_ctx with the attributes the contract names', async () => {
    await app()
    const res = await post({ epik: 'dj0yJnU9b2JDcFFH', epik_src: 'url', consent: { ad_storage: 'granted', ad_user_data: 'granted' } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ decisions: { 'pinterest-tag': { action: 'allow', rule: 'allow' }, 'meta-pixel': { action: 'allow', rule: 'allow' }, 'tiktok-pixel': { action: 'allow', rule: 'allow' } } })
    const line = res.headers.getSetCookie().find((l) => l.startsWith('tw_ctx='))!
    expect(line).toMatch(/; HttpOnly/)
    expect(line).toMatch(/; Secure/)
    expect(line).toMatch(/; SameSite=Lax/)
    expect(line).toMatch(/; Path=\//)
    const maxAge = Number(/Max-Age=(\d+)/.exec(line)![1])
    expect(maxAge).toBeLessThanOrEqual(390 * 86400)
    const token = setCtx(res)!
    expect(headerOf(token)).toMatchObject({ alg: 'HS256', kid: 'k1' })
    const claims = claimsOf(token)
    expect(claims).toMatchObject({ epik: 'dj0yJnU9b2JDcFFH', epik_src: 'url', epik_at: clock / 1000, first_seen: clock / 1000, consent: { ad_storage: 'granted', ad_user_data: 'granted' } })
    expect(claims.vid).toMatch(/^[A-Za-z0-9_-]{16,}$/)
    expect(claims.exp - claims.iat).toBe(390 * 86400)
  })

  it('re-issues the cookie only when something changed', async () => {
    await app()
    const first = setCtx(await post({ epik: 'e1', epik_src: 'url' }))!
    const same = await post({ epik: 'e1', epik_src: 'url' }, first)
    expect(same.status).toBe(200)
    expect(setCtx(same)).toBeUndefined()
    const changed = await post({ consent: { ad_storage: 'denied' } }, first)
    const next = setCtx(changed)!
    // An explicit ad_storage denial also drops the click id (see below).
    expect(claimsOf(next).epik).toBeUndefined()
    expect(claimsOf(next)).toMatchObject({ vid: claimsOf(first).vid, consent: { ad_storage: 'denied' } })
  })

  it('keeps no click id for a shopper who explicitly denied ad_storage, and keeps it without a signal or with a grant', async () => {
    await app()
    const denied = await post({ epik: 'e-denied', epik_src: 'url', cart: { token: 'cart-d' }, consent: { ad_storage: 'denied', ad_user_data: 'denied', source: 'hook' } })
    expect(claimsOf(setCtx(denied)!).epik).toBeUndefined()
    expect((await tw!.runtime.carts.get('cart-d'))?.epik).toBeUndefined()
    // GDPR applies and no valid TC string: no consent, no click id.
    expect(claimsOf(setCtx(await post({ epik: 'e-gdpr', consent: { gdpr_applies: true, source: 'tcf' } }))!).epik).toBeUndefined()
    // No signal yet (the banner has not been answered): kept, and never sent while consent is missing.
    const unknown = setCtx(await post({ epik: 'e-unknown', epik_src: 'url' }))!
    expect(claimsOf(unknown).epik).toBe('e-unknown')
    // A later denial removes it; a grant after that brings the loader's epik back.
    const withdrawn = setCtx(await post({ consent: { ad_storage: 'denied', source: 'hook' } }, unknown))!
    expect(claimsOf(withdrawn).epik).toBeUndefined()
    const granted = setCtx(await post({ epik: 'e-unknown', epik_src: 'url', consent: { ad_storage: 'granted', ad_user_data: 'granted', source: 'hook' } }, withdrawn))!
    expect(claimsOf(granted).epik).toBe('e-unknown')
  })

  it('refreshes an unchanged cookie once it is a month old, keeping its claims', async () => {
    await app()
    const first = setCtx(await post({ epik: 'e1' }))!
    clock += 31 * 86400 * 1000
    const refreshed = setCtx(await post({ epik: 'e1' }, first))!
    expect(claimsOf(refreshed)).toMatchObject({ vid: claimsOf(first).vid, epik: 'e1', first_seen: claimsOf(first).first_seen })
    expect(claimsOf(refreshed).iat).toBe(clock / 1000)
  })

  it('newest epik wins across requests; first-seen and visitor id are kept', async () => {
    await app()
    const first = setCtx(await post({ epik: 'old', epik_src: 'url' }))!
    clock += 3600_000
    const next = setCtx(await post({ epik: 'new', epik_src: 'url' }, first))!
    expect(claimsOf(next)).toMatchObject({ epik: 'new', epik_at: clock / 1000, first_seen: claimsOf(first).first_seen, vid: claimsOf(first).vid })
  })

  it('ignores and replaces a tampered cookie (never an error)', async () => {
    await app()
    const good = setCtx(await post({ epik: 'e1', consent: { ad_storage: 'denied' } }))!
    const [h, , sig] = good.split('.')
    const forgedClaims = { ...claimsOf(good), consent: { ad_storage: 'granted' } }
    const forged = `${h}.${Buffer.from(JSON.stringify(forgedClaims)).toString('base64url')}.${sig}`
    const res = await post({ pin_unauth: 'pu' }, forged)
    expect(res.status).toBe(200)
    const replaced = claimsOf(setCtx(res)!)
    expect(replaced.vid).not.toBe(claimsOf(good).vid)
    expect(replaced.consent).toBeUndefined()
    expect(replaced.epik).toBeUndefined()
  })

  it('ignores an expired cookie, an unknown kid and alg none', async () => {
    await app()
    const old = await createKeyring([{ kid: 'k1', secret: TEST_SECRET.slice(3) }]).sign({ vid: 'visitor-expired-000000', first_seen: 1 }, clock - 400 * 86400_000, 390 * 86400)
    const foreign = await createKeyring([{ kid: 'zz', secret: 'z'.repeat(32) }]).sign({ vid: 'visitor-foreign-000000', first_seen: 1 }, clock, 3600)
    const none = `${Buffer.from('{"alg":"none","kid":"k1"}').toString('base64url')}.${Buffer.from(JSON.stringify({ vid: 'visitor-none-0000000000', first_seen: 1, iat: clock / 1000, exp: clock / 1000 + 3600 })).toString('base64url')}.`
    for (const bad of [old, foreign, none, 'garbage', 'a.b.c']) {
      const res = await post({ epik: 'e' }, bad)
      expect(res.status).toBe(200)
      const c = claimsOf(setCtx(res)!)
      expect(c.vid).not.toMatch(/expired|foreign|none/)
    }
  })

  it('key rotation: a cookie signed with the old key is honoured and re-signed with the new kid on change', async () => {
    await app({ TAGWARDEN_SECRET: TEST_SECRET })
    const old = setCtx(await post({ epik: 'e1' }))!
    await tw!.close()
    await app({ TAGWARDEN_SECRET: `k2:${'n'.repeat(32)},${TEST_SECRET}` })
    const unchanged = await post({ epik: 'e1' }, old)
    expect(setCtx(unchanged)).toBeUndefined()
    const rotated = setCtx(await post({ pin_unauth: 'pu' }, old))!
    expect(headerOf(rotated).kid).toBe('k2')
    expect(claimsOf(rotated)).toMatchObject({ vid: claimsOf(old).vid, epik: 'e1', pin_unauth: 'pu' })
  })

  it('stores the cart/checkout tokens with the context for webhooks (no raw PII)', async () => {
    await app()
    const em = 'b'.repeat(64)
    const res = await post({ epik: 'e1', em, cart: { id: 7, token: 'cart-tok', checkout_token: 'chk-tok', currency: 'usd', value: '24.00', items: [{ id: 'TOTE', price: 24, quantity: 1, name: 'Tote' }] }, consent: { ad_storage: 'granted' } }, undefined, { 'sec-gpc': '1' })
    expect(res.status).toBe(200)
    const claims = claimsOf(setCtx(res)!)
    expect(claims.cart).toEqual({ id: '7', token: 'cart-tok', checkout_token: 'chk-tok' })
    expect(JSON.stringify(claims)).not.toMatch(/Tote|24/)
    for (const token of ['7', 'cart-tok', 'chk-tok']) {
      const ctx = await tw!.runtime.carts.get(token)
      expect(ctx).toMatchObject({ epik: 'e1', ip: SHOPPER_IP, ua: UA, em, visitor_id: claims.vid, consent: { ad_storage: 'granted', gpc: true } })
    }
  })

  it('stores Meta’s and TikTok’s ids with the cart for the order webhook (cookie over context), none under a denial', async () => {
    await app()
    const fbp = 'fb.1.1767225000000.1098115397'
    const res = await post({ fbclid: 'IwAR2F4-dbP0l7Mn1Iaw', ttclid: 'E.C.P.CscBYmVlNTdh', ttp: 'from-body', cart: { token: 'cart-ids' }, consent: { ad_storage: 'granted' } }, undefined, { cookie: `_fbp=${fbp}; _ttp=from-cookie` })
    expect(res.status).toBe(200)
    expect((await tw!.runtime.carts.get('cart-ids'))?.ids).toEqual({
      'meta.fbc': `fb.1.${clock}.IwAR2F4-dbP0l7Mn1Iaw`,
      'meta.fbp': fbp,
      'tiktok.ttclid': 'E.C.P.CscBYmVlNTdh',
      'tiktok.ttp': 'from-cookie',
    })
    await post({ cart: { token: 'cart-no' }, consent: { ad_storage: 'denied' } }, undefined, { cookie: `_fbp=${fbp}; _ttp=from-cookie` })
    const denied = await tw!.runtime.carts.get('cart-no')
    expect(denied?.consent).toEqual({ ad_storage: 'denied' })
    expect(denied?.ids).toBeUndefined()
  })

  it('updates the stored cart context when consent changes later', async () => {
    await app()
    const first = setCtx(await post({ cart: { token: 'cart-1' }, consent: { ad_storage: 'granted' } }))!
    await post({ consent: { ad_storage: 'denied' } }, first)
    expect((await tw!.runtime.carts.get('cart-1'))?.consent).toEqual({ ad_storage: 'denied' })
  })

  it('answers bad input with a 400 naming every problem', async () => {
    await app()
    const bad = await post({ epik: 'has space', em: 42, consent: { ad_storage: 'yes' }, cart: { currency: 'dollars', items: [{ price: 1 }] }, extra: 1 })
    expect(bad.status).toBe(400)
    const body = (await bad.json()) as { data: { problems: string[] } }
    const text = body.data.problems.join('\n')
    for (const p of ['epik', 'em', 'consent.ad_storage', 'cart.currency', 'cart.items[0].id']) expect(text).toContain(p)
    expect(text).not.toContain('extra')
    expect((await post('not json')).status).toBe(400)
    expect((await post('')).status).toBe(400)
    expect((await post('[]')).status).toBe(400)
    expect((await post({ em: `${'x'.repeat(600)}@example.com` })).status).toBe(400)
    expect((await post('x'.repeat(17 * 1024))).status).toBe(413)
  })

  it('drops unknown keys at every level (the loader passes what the shop gives) and keeps the known ones', async () => {
    await app()
    const res = await post({
      epik: 'e1',
      note: 'gift',
      cart: { token: 'c1', currency: 'USD', note: 'x', items: [{ id: 'TOTE', price: 24, sku: 'T-1' }] },
      // The country comes from the trusted header only; functionality_storage is no signal we use.
      consent: { ad_storage: 'granted', functionality_storage: 'granted', country: 'US', source: 'hook' },
    })
    expect(res.status).toBe(200)
    const claims = claimsOf(setCtx(res)!)
    expect(claims).toMatchObject({ epik: 'e1', cart: { token: 'c1' }, consent: { ad_storage: 'granted', source: 'hook' } })
    expect(claims.consent).toEqual({ ad_storage: 'granted', source: 'hook' })
    expect(JSON.stringify(claims)).not.toMatch(/gift|note|sku|functionality|country/)
    expect((await tw!.runtime.carts.get('c1'))?.consent).toEqual({ ad_storage: 'granted', source: 'hook' })
  })

  it('hashes a plaintext email before anything stores it; a SHA-256 passes through; a non-email is dropped', async () => {
    await app()
    // sha256("jane.doe@example.com") (docs/pinterest-capi.md "Worked example"): trimmed and lowercased first.
    const hashed = '86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d'
    const res = await post({ em: '  Jane.Doe@Example.com ', cart: { token: 'c-em' } })
    expect(res.status).toBe(200)
    const token = setCtx(res)!
    expect(claimsOf(token).em).toBe(hashed)
    expect(Buffer.from(token.split('.')[1], 'base64url').toString()).not.toMatch(/jane|example/i)
    expect((await tw!.runtime.carts.get('c-em'))?.em).toBe(hashed)
    expect(JSON.stringify(await tw!.runtime.carts.get('c-em'))).not.toMatch(/jane/i)

    const upper = hashed.toUpperCase()
    expect(claimsOf(setCtx(await post({ em: upper }))!).em).toBe(hashed)
    const none = await post({ em: 'not an email', epik: 'e2' })
    expect(none.status).toBe(200)
    expect(claimsOf(setCtx(none)!)).not.toHaveProperty('em')
  })

  it('combines a per-source consent list on the server: a "no" from any source wins, region defaults by the country header', async () => {
    await app({ TAGWARDEN_COUNTRY_HEADER: 'cf-ipcountry' })
    const eea = ['DE', 'FR', 'AT']
    const page = [
      { source: 'gcm-default', region: eea, ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied' },
      { source: 'gcm-default', ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted' },
    ]
    const us = await post({ consent: page }, undefined, { 'cf-ipcountry': 'US' })
    expect(claimsOf(setCtx(us)!).consent).toMatchObject({ ad_storage: 'granted', ad_user_data: 'granted', source: 'gcm-default' })
    expect((await us.json()).decisions['pinterest-tag'].action).toBe('allow')
    const de = await post({ consent: page }, undefined, { 'cf-ipcountry': 'DE' })
    expect(claimsOf(setCtx(de)!).consent).toMatchObject({ ad_storage: 'denied', ad_user_data: 'denied', source: 'gcm-default' })
    expect((await de.json()).decisions['pinterest-tag'].action).toBe('suppress')
    // An explicit hook grant beats the default, but the CMP's "no" beats the grant.
    const hook = { source: 'hook', ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted' }
    const granted = await post({ consent: [...page, hook] }, undefined, { 'cf-ipcountry': 'DE' })
    expect((await granted.json()).decisions['pinterest-tag'].action).toBe('allow')
    const no = await post({ consent: [...page, hook, { source: 'onetrust', ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied' }] }, undefined, { 'cf-ipcountry': 'DE' })
    expect(claimsOf(setCtx(no)!).consent).toMatchObject({ ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'granted', source: 'onetrust' })
    expect((await no.json()).decisions['pinterest-tag']).toEqual({ action: 'suppress', rule: 'ad-storage-not-granted' })
  })

  it('a click id under a default denial is kept (unsent) and used after a grant; an explicit "no" still drops it', async () => {
    await app()
    const denied = [{ source: 'gcm-default', ad_storage: 'denied', ad_user_data: 'denied' }]
    const kept = setCtx(await post({ epik: 'e-default', epik_src: 'url', consent: denied }))!
    expect(claimsOf(kept)).toMatchObject({ epik: 'e-default', consent: { ad_storage: 'denied', source: 'gcm-default' } })
    const granted = setCtx(await post({ consent: [...denied, { source: 'gcm', ad_storage: 'granted', ad_user_data: 'granted' }] }, kept))!
    expect(claimsOf(granted)).toMatchObject({ epik: 'e-default', consent: { ad_storage: 'granted', source: 'gcm' } })
    const no = setCtx(await post({ consent: [...denied, { source: 'gcm', ad_storage: 'denied' }] }, granted))!
    expect(claimsOf(no).epik).toBeUndefined()
  })

  it('concurrent posts with the same cookie lose no field: each merges against what the one before wrote', async () => {
    await app()
    let cookie = setCtx(await post({ pin_unauth: 'pu-0' }))!
    for (let round = 1; round <= 5; round++) {
      const bodies = racingBodies(round)
      const done: string[] = []
      await Promise.all(bodies.map((b) => post(b, cookie).then((res) => done.push(setCtx(res)!))))
      // The browser keeps the cookie of the answer that arrived last: it holds every field.
      cookie = done.at(-1)!
      const claims = claimsOf(cookie)
      expect(claims).toMatchObject({ epik: `e-${round}`, pin_unauth: `pu-${round}`, cart: { token: `cart-${round}`, checkout_token: `co-${round}` }, consent: { gpc: true, sale_opt_out: true } })
      expect(claims.em).toMatch(/^[0-9a-f]{64}$/)
    }
  })

  it('Sec-GPC: 1 (the browser sends it with every request; page scripts cannot set it) makes the decision LDP', async () => {
    await app({ TAGWARDEN_DEFAULT_CONSENT: 'granted' })
    const gpc = await post({}, undefined, { 'sec-gpc': '1' })
    expect((await gpc.json()).decisions['pinterest-tag']).toEqual({ action: 'restricted', rule: 'sale-opt-out' })
    expect((await (await post({})).json()).decisions['pinterest-tag'].action).toBe('allow')
  })

  it('the click id cookies follow the decision: _epik kept from the landing URL where the tag is allowed, both deleted on an explicit "no"', async () => {
    await app()
    const cookies = (res: Response) => res.headers.getSetCookie().filter((l) => !l.startsWith('tw_ctx='))
    const grant = [{ source: 'hook', ad_storage: 'granted', ad_user_data: 'granted' }]
    // No decision yet (default denied): nothing written.
    const first = await post({ epik: 'dj0yJnU9b2JD', epik_src: 'url' })
    expect(cookies(first)).toEqual([])
    const granted = await post({ consent: grant }, setCtx(first))
    expect(cookies(granted)).toEqual(['_epik=dj0yJnU9b2JD; Max-Age=31536000; Path=/; Secure; SameSite=Lax'])
    // Already there: not written again. An epik from the cookie itself is not the tag's to keep.
    expect(cookies(await post({ cart: { token: 'c' } }, setCtx(granted), { cookie: '_epik=dj0yJnU9b2JD' }))).toEqual([])
    expect(cookies(await post({ epik: 'ZnJvbUNvb2tpZQ', epik_src: 'cookie', consent: grant }))).toEqual([])
    const no = await post({ consent: [{ source: 'onetrust', ad_storage: 'denied' }] }, setCtx(granted), { cookie: '_epik=dj0yJnU9b2JD; _derived_epik=x' })
    expect(cookies(no)).toEqual(['_epik=; Max-Age=0; Path=/; Secure; SameSite=Lax', '_derived_epik=; Max-Age=0; Path=/; Secure; SameSite=Lax'])
  })

  it('refuses a cross-site post (consent cannot be granted from another site)', async () => {
    await app()
    const res = await post({ consent: { ad_storage: 'granted' } }, undefined, { 'sec-fetch-site': 'cross-site' })
    expect(res.status).toBe(403)
    expect(setCtx(res)).toBeUndefined()
    expect((await post({ epik: 'e' }, undefined, { 'sec-fetch-site': 'same-origin' })).status).toBe(200)
  })
})
