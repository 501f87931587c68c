// No open proxy: whatever path, host or URL a request names, the server fetches only its fixed
// upstream origins, and only the paths it allows there. Real server, raw request targets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../server/config'
import { createLogger } from '../../server/log'
import { startServer, type Running } from '../../server/serve'
import { createStore } from '../../server/storage/create-store'
import { startFakeBeacon, type FakeBeacon } from '../fakes/fake-beacon'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { MAIN_NAME, startFakeScripts, type FakeScripts } from '../fakes/fake-pinterest-scripts'
import { liveCapiEnv, TEST_SECRET } from '../tag/build'
import { rawGet, rawRequest } from './raw-http'

let server: Running
let port: number
let capi: FakeCapi
let beacon: FakeBeacon
let scripts: FakeScripts
/** Every URL the server fetched, whoever asked. */
const fetched: string[] = []

beforeAll(async () => {
  capi = await startFakeCapi()
  beacon = await startFakeBeacon()
  scripts = await startFakeScripts({ style: 'literal' })
  const config = parseConfig({
    PORT: '0',
    TAGWARDEN_STORAGE: 'memory:',
    TAGWARDEN_SECRET: TEST_SECRET,
    TAGWARDEN_LOG_LEVEL: 'silent',
    TAGWARDEN_DEMO: 'true',
    TAGWARDEN_DEFAULT_CONSENT: 'granted',
    PINTEREST_SCRIPT_ORIGIN: scripts.url,
    PINTEREST_BEACON_ORIGIN: beacon.url,
    ...liveCapiEnv(capi.url),
  })
  const recording: typeof fetch = (input, init) => {
    fetched.push(input instanceof Request ? input.url : String(input))
    return fetch(input, init)
  }
  server = await startServer(config, { store: createStore({ kind: 'memory' }), log: createLogger('silent'), fetch: recording }, { port: 0 })
  port = Number(new URL(server.url).port)
})
afterAll(async () => {
  await server.close(0)
  await Promise.all([capi.close(), beacon.close(), scripts.close()])
})

/** What the server may fetch: each fixed origin with the paths it serves from there. */
function allowed(url: string): boolean {
  const u = new URL(url)
  if (u.origin === new URL(scripts.url).origin) return u.pathname === '/ct/core.js' || /^\/ct\/lib\/[a-z][a-z0-9_-]{0,31}\.[0-9a-f]{6,16}\.js$/.test(u.pathname)
  // The tag's two beacon endpoints and nothing else (docs/pinterest-tag.md).
  if (u.origin === new URL(beacon.url).origin) return /^\/(?:v3|user)\/?$/.test(u.pathname)
  if (u.origin === new URL(capi.url).origin) return /^\/v5\/ad_accounts\/\d+\/events$/.test(u.pathname)
  return false
}

const SCRIPT_TARGETS = [
  '/tw/pin/lib/..%2f..%2fetc/passwd', '/tw/pin/lib/../../etc/passwd', '/tw/pin/lib/%2e%2e/%2e%2e/etc/passwd', '/tw/pin/lib/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '/tw/pin/lib/%252e%252e%252fetc%252fpasswd', '/tw/pin/lib/..%5c..%5cetc%5cpasswd', '/tw/pin/lib/..\\..\\etc\\passwd', '/tw/pin/lib/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
  '/tw/pin/lib/\uff0e\uff0e/x.js', '/tw/pin/lib//evil.example/x.js', '/tw/pin/lib/@evil.example/x.js', '/tw/pin/lib/https://evil.example/x.js', '/tw/pin/lib/http:%2f%2fevil.example%2fx.js',
  '/tw/pin/lib/x.js%00.png', '/tw/pin/lib/.hidden.js', '/tw/pin/lib/a/b.js', '/tw/pin/lib/', '/tw/pin/lib/%', '/tw/pin/core.js?url=https://evil.example/x.js',
  '/tw/pin/core.js/../../etc/passwd', '/tw/pin/../../etc/passwd', `/tw/pin/lib/${MAIN_NAME}?u=//evil.example`, '/tw/pin/lib/evil.example.js',
]
const BEACON_TARGETS = [
  '/tw/pin/ct//evil.example/v3/', '/tw/pin/ct/@evil.example/', '/tw/pin/ct/http://evil.example/', '/tw/pin/ct/https:%2f%2fevil.example%2f', '/tw/pin/ct/%2f%2fevil.example/',
  '/tw/pin/ct/..%2f..%2f_/events', '/tw/pin/ct/%2e%2e/%2e%2e/_/events', '/tw/pin/ct/../../_/events', '/tw/pin/ct/v3/..;/..;/x', '/tw/pin/ct/v3/%2e%2e/%2e%2e/x',
  '/tw/pin/ct/\\\\evil.example\\v3', '/tw/pin/ct/v3/?next=https://evil.example/', '/tw/pin/ct/v3/#@evil.example', '/tw/pin/ct/evil.example:80/v3/', '/tw/pin/ct/%40evil.example/',
  '/tw/pin/ct/a/b/c/d/e/f/', '/tw/pin/ct/v3/?event=lead&ed=%7B%22event_id%22%3A%22op-1%22%7D',
]

describe('no open proxy (real server, raw request targets)', () => {
  it('script routes: traversal, foreign hosts and encoded dots get a 4xx, never a fetch elsewhere', async () => {
    for (const target of SCRIPT_TARGETS) {
      const res = await rawGet(port, encodeURI(target).replace(/%25/g, '%'))
      expect(res.status, target).toBeGreaterThanOrEqual(200)
      expect(res.status, target).toBeLessThan(500)
      expect(res.body, target).not.toMatch(/root:/)
    }
    const ok = await rawGet(port, '/tw/pin/core.js')
    expect(ok.status).toBe(200)
  })

  it('beacon routes: traversal and foreign hosts get a 4xx or go to the beacon origin, on an allowed path only', async () => {
    for (const target of BEACON_TARGETS) {
      const res = await rawGet(port, encodeURI(target).replace(/%25/g, '%'))
      expect(res.status, target).toBeGreaterThanOrEqual(200)
      expect(res.status, target).toBeLessThan(500)
    }
    for (const hit of beacon.hits) expect(hit.path, 'beacon host saw').toMatch(/^(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*){1,5}\/?$/)
  })

  it('absolute-form targets, foreign Host headers and CONNECT never choose the upstream', async () => {
    const cases = [
      rawRequest(port, 'GET http://evil.example/tw/pin/ct/v3/?event=lead HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n'),
      rawRequest(port, 'GET http://evil.example/tw/pin/core.js HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n'),
      rawGet(port, '//evil.example/tw/pin/ct/v3/'),
      rawGet(port, '/tw/pin/ct/v3/?event=lead', ['X-Forwarded-Host: evil.example', 'Forwarded: host=evil.example'], 'evil.example'),
      rawGet(port, '/tw/pin/core.js', [], 'evil.example:443'),
      rawRequest(port, 'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\nConnection: close\r\n\r\n'),
      rawRequest(port, 'GET /tw/pin/lib/x.js HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\nConnection: close\r\n\r\n0\r\n\r\n'),
    ]
    for (const res of await Promise.all(cases)) expect(res.status === 0 || res.status < 500, res.raw.slice(0, 200)).toBe(true)
  })

  it('every URL the server fetched is on a fixed origin and an allowed path', async () => {
    await server.tw.runtime.dispatcher.flush()
    expect(fetched.length, 'the checks above did reach the upstreams').toBeGreaterThan(3)
    expect(fetched.filter((u) => !allowed(u))).toEqual([])
    expect(fetched.map((u) => new URL(u).hostname).filter((h) => h !== '127.0.0.1')).toEqual([])
  })
})
