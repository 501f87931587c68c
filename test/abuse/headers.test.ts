// Header injection (real server, raw bytes): CR/LF and junk in the request values that end up in
// headers — Set-Cookie, Location, the X-Forwarded-For, User-Agent and Referer forwarded to
// Pinterest — never split a header, never reflect into a response header, never reach Pinterest.
import { isIP } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../server/config'
import { createLogger } from '../../server/log'
import { startServer, type Running } from '../../server/serve'
import { createStore } from '../../server/storage/create-store'
import { startFakeBeacon, type FakeBeacon } from '../fakes/fake-beacon'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { beaconQuery, liveCapiEnv, TEST_SECRET } from '../tag/build'
import { rawGet, rawRequest } from './raw-http'

const MARK = 'zzinjected'
let server: Running
let port: number
let capi: FakeCapi
let beacon: FakeBeacon

beforeAll(async () => {
  capi = await startFakeCapi()
  beacon = await startFakeBeacon()
  const config = parseConfig({
    PORT: '0',
    TAGWARDEN_STORAGE: 'memory:',
    TAGWARDEN_SECRET: TEST_SECRET,
    TAGWARDEN_LOG_LEVEL: 'silent',
    TAGWARDEN_DEMO: 'true',
    TAGWARDEN_DEFAULT_CONSENT: 'granted',
    // The raw requests come from this machine, as the shop's reverse proxy's would.
    TAGWARDEN_TRUSTED_PROXIES: 'loopback',
    PINTEREST_SCRIPT_ORIGIN: 'http://127.0.0.1:9',
    PINTEREST_BEACON_ORIGIN: beacon.url,
    ...liveCapiEnv(capi.url),
  })
  server = await startServer(config, { store: createStore({ kind: 'memory' }), log: createLogger('silent') }, { port: 0 })
  port = Number(new URL(server.url).port)
})
afterAll(async () => {
  await server.close(0)
  await Promise.all([capi.close(), beacon.close()])
})

const post = (path: string, body: string, lines: string[] = []) =>
  rawRequest(port, [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Content-Type: text/plain', `Content-Length: ${Buffer.byteLength(body, 'latin1')}`, ...lines, 'Connection: close', '', body].join('\r\n'))

describe('header injection', () => {
  it('CR, LF, NUL and obs-fold inside header values are refused by the parser (400), never split into headers', async () => {
    const attempts = [
      `User-Agent: a\rSet-Cookie: ${MARK}=1`,
      `Referer: https://shop.test/\rLocation: https://${MARK}.example/`,
      `X-Forwarded-For: 203.0.113.7\u0000${MARK}`,
      `X-Forwarded-For: 203.0.113.7,\r\n ${MARK}: folded`,
      `Cookie: tw_ctx=a\rSet-Cookie: ${MARK}=1`,
    ]
    for (const line of attempts) {
      const res = await rawGet(port, `/tw/pin/ct/v3/?${beaconQuery('lead', { event_id: 'inj-1' })}`, [line])
      expect(res.status, JSON.stringify(line)).toBe(400)
      expect(res.headers.some(([k, v]) => k.includes(MARK) || v.includes(MARK)), JSON.stringify(line)).toBe(false)
    }
    const health = await rawGet(port, '/tw/_/health')
    expect(health.status, 'the server is still up').toBe(200)
  })

  it('encoded CR/LF in the path or query stays encoded: no injected response header, nothing raw forwarded', async () => {
    const targets = [
      `/tw/pin/ct/v3/?event=lead&ed=%7B%22event_id%22%3A%22inj-2%22%7D&x=%0d%0aSet-Cookie:%20${MARK}=1`,
      `/tw/pin/ct/%0d%0aSet-Cookie:%20${MARK}=1/`,
      `/tw/pin/lib/%0d%0aLocation:%20${MARK}.js`,
      `/demo?next=%0d%0aLocation:%20https://${MARK}.example/`,
      `/demo/%0d%0aSet-Cookie:${MARK}=1.html`,
    ]
    for (const target of targets) {
      const res = await rawGet(port, target)
      expect(res.status, target).toBeLessThan(500)
      expect(res.headers.some(([k, v]) => k.includes(MARK) || v.includes(MARK)), target).toBe(false)
      const location = res.headers.find(([k]) => k === 'location')?.[1]
      if (location) expect(location, target).toBe('/demo/')
    }
    for (const hit of beacon.hits) expect(JSON.stringify(hit.headers)).not.toContain(MARK)
  })

  it('request values are never reflected into response headers; /ctx sets ours and, where consent allows, the click id cookie', async () => {
    const lines = [`User-Agent: Mozilla/5.0 ${MARK}`, `Referer: https://127.0.0.1/?${MARK}`, `Accept-Language: ${MARK}`, `X-Forwarded-For: ${MARK}`, `Cookie: tw_ctx=${MARK}; _pin_unauth=${MARK}`, `Sec-GPC: ${MARK}`]
    const res = await post('/tw/ctx', JSON.stringify({ epik: MARK, cart: { token: MARK } }), lines)
    expect(res.status).toBe(200)
    const cookies = res.headers.filter(([k]) => k === 'set-cookie').map(([, v]) => v)
    expect(cookies[0]).toMatch(/^tw_ctx=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
    // The one value a response carries back on purpose: the shopper's own click id, kept in Pinterest's
    // `_epik` cookie where consent allows — only in the base64/UUID alphabet, with fixed attributes.
    expect(cookies.slice(1)).toEqual([`_epik=${MARK}; Max-Age=31536000; Path=/; Secure; SameSite=Lax`])
    for (const [k, v] of res.headers) if (!v.startsWith('_epik=')) expect(`${k}: ${v}`).not.toContain(MARK)

    const beaconRes = await rawGet(port, `/tw/pin/ct/v3/?${beaconQuery('lead', { event_id: 'inj-3' })}`, lines)
    expect(beaconRes.status).toBe(200)
    for (const [k, v] of beaconRes.headers) expect(`${k}: ${v}`).not.toContain(MARK)
  })

  it('X-Forwarded-For: only an IP address is forwarded to Pinterest and sent as client_ip_address', async () => {
    const cases: [string, string | undefined][] = [
      ['203.0.113.7', '203.0.113.7'],
      // The nearest hop the trusted proxy names is the client; what the client wrote before it is not believed.
      ['203.0.113.7, 198.51.100.1', '198.51.100.1'],
      ['203.0.113.7, 127.0.0.9', '203.0.113.7'],
      ['203.0.113.7:51234', '203.0.113.7'],
      ['[2001:db8::7]:443', '2001:db8::7'],
      ['2001:db8::7', '2001:db8::7'],
      [`${MARK}`, undefined],
      ['203.0.113.7 <script>', undefined],
      ['x'.repeat(2000), undefined],
      ['999.1.1.1', undefined],
      ['', undefined],
    ]
    for (const [xff, expected] of cases) {
      const id = `xff-${Buffer.from(xff.slice(0, 40)).toString('hex')}`
      const before = beacon.hits.length
      const res = await rawGet(port, `/tw/pin/ct/v3/?${beaconQuery('lead', { event_id: id })}`, [`X-Forwarded-For: ${xff}`])
      expect(res.status, xff.slice(0, 40)).toBe(200)
      const hit = beacon.hits.slice(before).find((h) => h.ed.event_id === id)
      expect(hit, xff.slice(0, 40)).toBeDefined()
      const forwarded = hit!.headers['x-forwarded-for']
      // Nothing usable → nothing forwarded, or (an empty header) the socket's own address.
      if (expected) expect(forwarded).toBe(expected)
      else expect(forwarded === undefined || forwarded === '127.0.0.1', `${xff.slice(0, 40)} → ${forwarded}`).toBe(true)
    }
    await server.tw.runtime.dispatcher.flush()
    for (const r of capi.received) {
      const ip = r.event.user_data.client_ip_address
      if (ip !== undefined) expect(isIP(ip), ip).not.toBe(0)
    }
  })
})
