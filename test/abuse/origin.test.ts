// Browser POSTs to /ctx and /e come from the shop's own pages: Sec-Fetch-Site where the browser sends
// it, else Origin, else Referer must name the shop (or TAGWARDEN_ALLOWED_ORIGINS); neither header
// passes (no browser in use sends a POST that way). A refused request sets no cookie and stores nothing.
import { afterEach, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { ConfigError, parseConfig } from '../../server/config'
import { buildTagApp, call, setCtx } from '../tag/build'

let tw: TagwardenApp | undefined
afterEach(async () => {
  await tw?.close(0)
  tw = undefined
})

const CTX = { epik: 'dj0yJnU9attacker', consent: { ad_storage: 'granted', ad_user_data: 'granted' }, cart: { token: 'cart-attacker-1' } }
const postCtx = (headers: Record<string, string>, o: { peer?: string; url?: string } = {}) => call(tw!, '/tw/ctx', { body: CTX, headers, peer: o.peer })
const postE = (headers: Record<string, string>) => call(tw!, '/tw/e', { body: { event: 'lead', ed: { event_id: `o-${Math.random()}` } }, headers })

describe('origin check on /ctx and /e', () => {
  it('Origin https://evil.example without Sec-Fetch-Site: 403, no cookie, nothing stored or journaled', async () => {
    tw = await buildTagApp({ TAGWARDEN_DEFAULT_CONSENT: 'granted' })
    const res = await postCtx({ origin: 'https://evil.example' })
    expect(res.status).toBe(403)
    expect((await res.json()).message).toMatch(/Origin https:\/\/evil\.example is not this shop/)
    expect(setCtx(res)).toBeUndefined()
    expect(await tw.runtime.carts.get('cart-attacker-1')).toBeUndefined()
    const e = await postE({ origin: 'https://evil.example' })
    expect(e.status).toBe(403)
    expect(tw.runtime.journal.recent()).toHaveLength(0)
  })

  it.each([
    ['the shop\'s own origin', { origin: 'http://shop.test' }, 200],
    ['the shop on another scheme or port (same host name)', { origin: 'https://shop.test:8443' }, 200],
    ['a look-alike host', { origin: 'https://shop.test.evil.example' }, 403],
    ['a sibling subdomain (same site, not the shop)', { origin: 'https://blog.shop.test', 'sec-fetch-site': 'same-site' }, 403],
    ['Origin: null (sandboxed frame, data: page)', { origin: 'null' }, 403],
    ['a malformed Origin', { origin: 'not a url' }, 403],
    ['no Origin, a foreign Referer', { referer: 'https://evil.example/page' }, 403],
    ['no Origin, the shop\'s Referer', { referer: 'https://shop.test/cart?x=1' }, 200],
    ['neither header (curl, a server: not a browser)', {}, 200],
    ['Sec-Fetch-Site: cross-site, even with the shop\'s Origin', { 'sec-fetch-site': 'cross-site', origin: 'http://shop.test' }, 403],
    ['Sec-Fetch-Site: same-origin (the browser vouches; scripts cannot set it)', { 'sec-fetch-site': 'same-origin', origin: 'null' }, 200],
    ['Sec-Fetch-Site: none (typed by the user): Origin decides', { 'sec-fetch-site': 'none', origin: 'https://evil.example' }, 403],
  ])('%s → %i', async (_what, headers, status) => {
    tw = await buildTagApp({ TAGWARDEN_DEFAULT_CONSENT: 'granted' })
    expect((await postCtx(headers)).status).toBe(status)
    expect((await postE(headers)).status).toBe(status === 200 ? 202 : status)
  })

  it('TAGWARDEN_ALLOWED_ORIGINS lets a listed origin post, and only that one', async () => {
    tw = await buildTagApp({ TAGWARDEN_ALLOWED_ORIGINS: 'https://checkout.shop.test, https://blog.shop.test' })
    expect((await postCtx({ origin: 'https://checkout.shop.test' })).status).toBe(200)
    expect((await postCtx({ origin: 'https://blog.shop.test', 'sec-fetch-site': 'same-site' })).status).toBe(200)
    expect((await postCtx({ origin: 'http://checkout.shop.test' })).status).toBe(403) // scheme is part of the origin
    expect((await postCtx({ referer: 'https://checkout.shop.test/pay' })).status).toBe(200)
  })

  it('X-Forwarded-Host names the shop only when a trusted proxy sent it', async () => {
    tw = await buildTagApp({})
    const internal = (peer: string) =>
      tw!.fetch(new Request('http://tagwarden.internal:8787/tw/ctx', { method: 'POST', headers: { origin: 'https://shop.test', 'x-forwarded-host': 'shop.test', 'x-forwarded-for': '203.0.113.7' }, body: '{}' }), { clientAddress: peer })
    expect((await internal('127.0.0.1')).status).toBe(200)
    expect((await internal('203.0.113.99')).status).toBe(403)
  })

  it('TAGWARDEN_ALLOWED_ORIGINS takes origins only', () => {
    expect(parseConfig({ TAGWARDEN_ALLOWED_ORIGINS: 'https://a.example, http://b.example:8080/' }).allowedOrigins).toEqual(['https://a.example', 'http://b.example:8080'])
    for (const bad of ['shop.example', 'https://shop.example/path', 'https://*.shop.example', 'ftp://shop.example', 'https://user@shop.example']) {
      try {
        parseConfig({ TAGWARDEN_ALLOWED_ORIGINS: bad })
        expect.unreachable(bad)
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError)
        expect((error as ConfigError).problems[0]).toMatch(/^TAGWARDEN_ALLOWED_ORIGINS: .* must be an origin like https:\/\/shop\.example/)
      }
    }
  })
})
