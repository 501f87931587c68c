// Forged, tampered and malformed tw_ctx cookies: each reads as "no context" (never an error, never
// its claims), /ctx replaces it with a fresh signed one, and the verified-token cache stays bounded.
import { SignJWT, UnsecuredJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_SECRET, beaconQuery, call, claimsOf, setCtx } from '../tag/build'
import { createRandom, heapMb, startAbuseEnv, type AbuseEnv } from './helpers'

const [KID, SECRET] = TEST_SECRET.split(':')
const key = new TextEncoder().encode(SECRET)
const NOW = Math.floor(Date.now() / 1000)
const FORGED = { vid: 'forgedvisitor0000000', first_seen: NOW - 100, epik: 'forged-epik', consent: { ad_storage: 'granted', ad_user_data: 'granted' }, em: 'f'.repeat(64) }

let env: AbuseEnv
let genuine: string
beforeAll(async () => {
  env = await startAbuseEnv({ TAGWARDEN_DEFAULT_CONSENT: 'denied' })
  const res = await call(env.tw, '/tw/ctx', { body: { epik: 'real-epik', consent: { ad_storage: 'granted', ad_user_data: 'granted' } } })
  genuine = setCtx(res)!
})
afterAll(() => env.close())

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
const sign = (claims: object, header: Record<string, unknown>, secret = key, iat = NOW, exp = NOW + 3600) =>
  new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', ...header }).setIssuedAt(iat).setExpirationTime(exp).sign(secret)

async function forgeries(): Promise<[string, string][]> {
  const [h, p, s] = genuine.split('.')
  const flipped = s.slice(0, -2) + (s.at(-2) === 'A' ? 'B' : 'A') + s.at(-1)
  return [
    ['alg none (unsecured JWT)', new UnsecuredJWT({ ...FORGED }).setIssuedAt(NOW).setExpirationTime(NOW + 3600).encode()],
    ['alg none with our kid', `${b64({ alg: 'none', kid: KID, typ: 'JWT' })}.${b64({ ...FORGED, iat: NOW, exp: NOW + 3600 })}.`],
    ['alg None, signature kept', `${b64({ alg: 'None', kid: KID })}.${b64({ ...FORGED, iat: NOW, exp: NOW + 3600 })}.${s}`],
    ['payload swapped, signature kept', `${h}.${b64({ ...FORGED, iat: NOW, exp: NOW + 3600 })}.${s}`],
    ['signature flipped', `${h}.${p}.${flipped}`],
    ['signature removed', `${h}.${p}.`],
    ['HS512 with the right secret', await new SignJWT({ ...FORGED }).setProtectedHeader({ alg: 'HS512', kid: KID }).setIssuedAt(NOW).setExpirationTime(NOW + 3600).sign(key)],
    ['unknown kid', await sign(FORGED, { kid: 'k9' })],
    ['no kid', await sign(FORGED, {})],
    ['kid = __proto__', await sign(FORGED, { kid: '__proto__' })],
    ['kid = constructor', await sign(FORGED, { kid: 'constructor' })],
    ['another secret, our kid', await sign(FORGED, { kid: KID }, new TextEncoder().encode('x'.repeat(32)))],
    ['expired, genuinely signed', await sign(FORGED, { kid: KID }, key, NOW - 7200, NOW - 3600)],
    ['genuinely signed, claims off-schema', await sign({ ...FORGED, vid: 'x', em: 'jane@example.com' }, { kid: KID })],
    ['genuinely signed, no exp', await new SignJWT({ ...FORGED }).setProtectedHeader({ alg: 'HS256', kid: KID }).setIssuedAt(NOW).sign(key)],
    ['JWE-looking five parts', `${h}.${p}.${s}.x.y`],
    ['not base64', '%%%.!!!.***'],
    ['huge', `${h}.${'A'.repeat(9000)}.${s}`],
    ['empty', ''],
  ]
}

describe('forged tw_ctx cookies', () => {
  it('each reads as no context: its epik, email and consent are never used, and /ctx issues a fresh cookie', async () => {
    for (const [name, token] of await forgeries()) {
      // A beacon with a forged cookie: with TAGWARDEN_DEFAULT_CONSENT=denied and no real consent, nothing is mirrored.
      const id = `forged-${name.replace(/\W+/g, '-')}`
      const res = await call(env.tw, `/tw/pin/ct/v3/?${beaconQuery('checkout', { event_id: id, order_id: '1' })}`, { headers: { cookie: `tw_ctx=${token}` } })
      expect(res.status, name).toBe(200)
      const entry = env.tw.runtime.journal.recent().find((e) => e.event_id === id)
      expect(entry?.destinations['pinterest-capi']?.action, `${name}: the forged consent was not believed`).toBe('suppress')

      const ctx = await call(env.tw, '/tw/ctx', { body: { cart: { token: 'c-1' } }, headers: { cookie: `tw_ctx=${token}` } })
      expect(ctx.status, name).toBe(200)
      const fresh = setCtx(ctx)
      expect(fresh, `${name}: replaced`).toBeTruthy()
      const claims = claimsOf(fresh!)
      expect(claims.vid, name).not.toBe(FORGED.vid)
      expect(claims.epik, name).toBeUndefined()
      expect(claims.em, name).toBeUndefined()
      expect(claims.consent, name).toBeUndefined()
    }
    await env.tw.runtime.dispatcher.flush()
    expect(env.capi.received.filter((r) => r.event.user_data?.click_id === 'forged-epik')).toEqual([])
  })

  it('the genuine cookie still works (the checks above can pass for the right reason)', async () => {
    const res = await call(env.tw, `/tw/pin/ct/v3/?${beaconQuery('checkout', { event_id: 'genuine-1', order_id: '1' })}`, { cookie: genuine })
    expect(res.status).toBe(200)
    await env.tw.runtime.dispatcher.flush()
    expect(env.capi.received.find((r) => r.event.event_id === 'genuine-1')?.event.user_data.click_id).toBe('real-epik')
  })

  it('many cookies, repeated names and garbage bytes never cause a 5xx', async () => {
    const r = createRandom(0xc00c)
    const headers = [
      `tw_ctx=${genuine}; tw_ctx=${'x'.repeat(100)}`,
      `tw_ctx=x; tw_ctx=${genuine}`,
      Array.from({ length: 500 }, (_, i) => `c${i}=${'v'.repeat(20)}`).join('; '),
      `tw_ctx="${genuine}"`,
      'tw_ctx=%E0%A4%A; _pin_unauth=%%',
      `_pin_unauth=${'z'.repeat(5000)}; tw_ctx=${genuine}`,
      ...Array.from({ length: 40 }, () => Array.from({ length: 1 + r.int(6) }, () => `${r.pick(['tw_ctx', '_pin_unauth', r.string(6)])}=${r.string(60)}`).join('; ').replace(/[\r\n\0]|[^\x00-\xff]/g, '?')),
    ]
    for (const cookie of headers) {
      for (const [path, body] of [['/tw/ctx', {}], ['/tw/e', { event: 'lead', ed: { event_id: `ck-${r.int(1e9)}` } }], [`/tw/pin/ct/v3/?${beaconQuery('lead', { event_id: `ck-${r.int(1e9)}` })}`, undefined]] as const) {
        const res = await call(env.tw, path, { body, headers: { cookie } })
        expect(res.status, `${path} ${cookie.slice(0, 80)}`).toBeLessThan(400)
        await res.arrayBuffer()
      }
    }
  })

  it('the verified-token cache is bounded: 5,000 distinct genuine cookies do not grow the heap without limit', async () => {
    const tokens = await Promise.all(Array.from({ length: 5000 }, (_, i) => sign({ vid: `visitor${String(i).padStart(12, '0')}`, first_seen: NOW, epik: 'e'.repeat(1000) }, { kid: KID })))
    const send = (t: string) => call(env.tw, '/tw/ctx', { body: {}, headers: { cookie: `tw_ctx=${t}` } }).then((res) => res.arrayBuffer())
    for (const t of tokens.slice(0, 2500)) await send(t)
    const mid = heapMb()
    for (const t of tokens.slice(2500)) await send(t)
    const growth = heapMb() - mid
    // 2,500 more ~1.4 kB tokens would be ~3.5 MB if the cache kept them all (plus their payloads).
    expect(growth, `heap grew ${growth.toFixed(1)} MB`).toBeLessThan(2.5)
  })
})
