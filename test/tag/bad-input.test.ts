import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { buildTagApp, call, type Call } from './build'

let tw: TagwardenApp
beforeAll(async () => {
  tw = await buildTagApp({ TAGWARDEN_DEMO: 'true', TAGWARDEN_DEFAULT_CONSENT: 'granted' })
})
afterAll(() => tw.close())

const cases: [string, string, Call, number][] = [
  ['ctx: not JSON', '/tw/ctx', { method: 'POST', body: '{"epik":' }, 400],
  ['ctx: empty', '/tw/ctx', { method: 'POST', body: '' }, 400],
  ['ctx: a string', '/tw/ctx', { method: 'POST', body: '"hi"' }, 400],
  ['ctx: null', '/tw/ctx', { method: 'POST', body: 'null' }, 400],
  ['ctx: wrong types', '/tw/ctx', { method: 'POST', body: { epik: 5, cart: { items: 'x' }, consent: { gpc: 'yes' } } }, 400],
  ['ctx: too many items', '/tw/ctx', { method: 'POST', body: { cart: { items: Array.from({ length: 501 }, (_, i) => ({ id: String(i) })) } } }, 400],
  ['ctx: too big', '/tw/ctx', { method: 'POST', body: JSON.stringify({ epik: 'x'.repeat(20_000) }) }, 413],
  ['ctx: GET (no such route)', '/tw/ctx', { method: 'GET' }, 404],
  ['e: not JSON', '/tw/e', { method: 'POST', body: 'event=checkout' }, 400],
  ['e: empty array', '/tw/e', { method: 'POST', body: [] }, 400],
  ['e: 51 events', '/tw/e', { method: 'POST', body: Array.from({ length: 51 }, () => ({ event: 'lead', ed: { event_id: 'x' } })) }, 400],
  ['e: no event name', '/tw/e', { method: 'POST', body: { ed: { event_id: 'x' } } }, 400],
  ['e: ed not an object', '/tw/e', { method: 'POST', body: { event: 'lead', ed: 'x' } }, 400],
  ['e: unknown key', '/tw/e', { method: 'POST', body: { event: 'lead', ed: {}, extra: 1 } }, 400],
  ['e: ad.loc not a string', '/tw/e', { method: 'POST', body: { event: 'lead', ed: {}, ad: { loc: 5 } } }, 400],
  ['e: too big', '/tw/e', { method: 'POST', body: JSON.stringify({ event: 'lead', ed: { x: 'y'.repeat(200_000) } }) }, 413],
  ['e: cross-site', '/tw/e', { method: 'POST', body: { event: 'lead', ed: { event_id: 'x' } }, headers: { 'sec-fetch-site': 'cross-site' } }, 403],
  ['beacon: PUT', '/tw/pin/ct/v3/', { method: 'PUT', body: 'x' }, 405],
  ['beacon: DELETE', '/tw/pin/ct/v3/', { method: 'DELETE' }, 405],
  ['beacon: encoded slash', '/tw/pin/ct/..%2f..%2fadmin', {}, 404],
  ['beacon: host in path', '/tw/pin/ct/%2F%2Fevil.example/x', {}, 404],
  ['beacon: dot segment spelled out', '/tw/pin/ct/.hidden/', {}, 404],
  ['beacon: root', '/tw/pin/ct/', {}, 404],
  ['beacon: too big', '/tw/pin/ct/v3/', { method: 'POST', body: 'x'.repeat(70_000) }, 413],
  ['script: odd name', '/tw/pin/lib/x', {}, 404],
  ['script: encoded slash', '/tw/pin/lib/a%2fb.js', {}, 404],
]

describe('bad input gets a clear 4xx, never a 5xx', () => {
  it.each(cases)('%s', async (_name, path, c, status) => {
    const res = await call(tw, path, c)
    expect(res.status).toBe(status)
    if (status !== 405 && status !== 404) {
      const body = (await res.json()) as { message?: string }
      expect(body.message, 'says what was wrong').toBeTruthy()
    }
  })

  it('lenient beacons: malformed parameters are forwarded (upstream down here → pixel), not refused', async () => {
    for (const q of ['ed=%7Bbroken', 'ed[__proto__][polluted]=1&event=checkout', 'event=' + 'x'.repeat(5000), 'cb=NaN&event=lead&ed={"event_id":[1,2]}', 'ed=%E0%A4%A']) {
      const res = await call(tw, `/tw/pin/ct/v3/?${q}`)
      expect(res.status, q).toBe(200)
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('garbage cookies and bytes never cause a 5xx', async () => {
    const junk = [Buffer.from([0xff, 0xfe, 0x00, 0x80]).toString('latin1'), '\u0000\u0001', '{"__proto__":{"x":1}}', '[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]', '{"event":"lead","ed":{"event_id":{"$gt":""}}}']
    for (const body of junk) {
      for (const path of ['/tw/ctx', '/tw/e', '/tw/pin/ct/v3/']) {
        const res = await call(tw, path, { method: 'POST', body, cookie: 'eyJhbGciOiJub25lIn0.e30.' })
        expect(res.status, `${path} ${JSON.stringify(body)}`).toBeLessThan(500)
      }
    }
    const odd = await call(tw, '/tw/pin/ct/v3/?event=lead', { headers: { cookie: 'tw_ctx=%%%; _pin_unauth=%E0; other=1' } })
    expect(odd.status).toBeLessThan(500)
  })
})
