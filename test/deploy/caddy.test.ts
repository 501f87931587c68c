// The README's own Caddy recipe, run by a real Caddy in front of a real tagwarden server: a visitor
// through Caddy cannot read the admin routes without the token, a spoofed X-Forwarded-For changes
// neither the recorded client address nor the rate-limit key, the address Caddy saw is the one in
// the Conversions API payload, and the loader and a beacon come through. Then what Caddy itself
// sends upstream, which the README states: X-Forwarded-For overwritten unless Caddy's own
// trusted_proxies names the peer; Forwarded and X-Real-IP passed on as the client wrote them.
// Visitors connect from their own loopback addresses (127.0.0.x), so "the address Caddy saw"
// differs from Caddy's own 127.0.0.1.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../server/config'
import { createLogger } from '../../server/log'
import { startServer, type Running } from '../../server/serve'
import { createStore } from '../../server/storage/create-store'
import { startFakeBeacon, type FakeBeacon } from '../fakes/fake-beacon'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { ADMIN_TOKEN } from '../helpers/build-app'
import { caddyAvailability, caddyVersion, startCaddy, type Caddy } from '../helpers/caddy'
import { readmeRecipe, visit as visitVia, type Visit } from '../helpers/reverse-proxy'
import { beaconQuery, liveCapiEnv, TEST_SECRET } from '../tag/build'

const mode = caddyAvailability()
const UA = 'Mozilla/5.0 (caddy test)'
const visit = (caddy: { port: number }, from: string, path: string, o: Visit = {}) => visitVia(caddy, from, path, { ...o, userAgent: UA })

/** The Caddy block and the environment the README's "Reverse-proxy recipes" give, exactly as written. */
export function readmeCaddyRecipe(): { handle: string; env: Record<string, string> } {
  const { block, env } = readmeRecipe('**Caddy** (2.5 or later)', 'caddyfile')
  return { handle: block, env }
}

/** The shop's site block around the README's block: the shop answers everything that is not /tw/. */
const SHOP = 'the shop, not tagwarden'
const site = (handle: string) => `${handle}\n\trespond "${SHOP}" 200`

/** The README block pointed at `upstream` (host:port): only the README's port is replaced. */
function aimed(handle: string, upstream: string): string {
  expect(handle).toContain('reverse_proxy 127.0.0.1:8787')
  return handle.replace('127.0.0.1:8787', upstream)
}

describe.skipIf(mode === 'skip')(`behind the README Caddy recipe (real Caddy ${caddyVersion() ?? ''})`, () => {
  let capi: FakeCapi
  let beacon: FakeBeacon
  let server: Running
  let caddy: Caddy

  beforeAll(async () => {
    capi = await startFakeCapi()
    beacon = await startFakeBeacon()
    const recipe = readmeCaddyRecipe()
    expect(recipe.env).toEqual({ TAGWARDEN_TRUSTED_PROXIES: 'loopback' })
    const config = parseConfig({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      TAGWARDEN_STORAGE: 'memory:',
      TAGWARDEN_SECRET: TEST_SECRET,
      TAGWARDEN_ADMIN_TOKEN: ADMIN_TOKEN,
      TAGWARDEN_LOG_LEVEL: 'silent',
      TAGWARDEN_RATE_LIMIT: '10/min',
      TAGWARDEN_DEFAULT_CONSENT: 'granted',
      PINTEREST_TAG_ID: '2612345678901',
      PINTEREST_BEACON_ORIGIN: beacon.url,
      PINTEREST_SCRIPT_ORIGIN: 'http://127.0.0.1:9',
      ...liveCapiEnv(capi.url),
      ...recipe.env,
    })
    server = await startServer(config, { store: createStore({ kind: 'memory' }), log: createLogger('silent') }, { port: 0 })
    caddy = await startCaddy(site(aimed(recipe.handle, new URL(server.url).host)))
  })
  afterAll(async () => {
    await caddy?.stop()
    await server?.close(0)
    await Promise.all([capi?.close(), beacon?.close()])
  })

  it('takes /tw/ to tagwarden, prefix kept, and leaves the rest of the site to the shop', async () => {
    expect(JSON.parse((await visit(caddy, '127.0.0.5', '/tw/_/health')).body)).toEqual({ status: 'ok' })
    const shop = await visit(caddy, '127.0.0.5', '/products/1')
    expect(shop.status).toBe(200)
    expect(shop.body).toBe(SHOP)
  })

  it('a visitor cannot read /_/events, /_/inspect or /_/metrics without the token, whatever X-Forwarded-For says', async () => {
    for (const path of ['/tw/_/events', '/tw/_/inspect', '/tw/_/inspect/data', '/tw/_/metrics']) {
      for (const headers of [{}, { 'x-forwarded-for': '127.0.0.1' }, { 'x-forwarded-for': '127.0.0.1', forwarded: 'for=127.0.0.1', 'x-real-ip': '127.0.0.1' }] as Record<string, string>[]) {
        expect((await visit(caddy, '127.0.0.5', path, { headers })).status, `${path} ${JSON.stringify(headers)}`).toBe(401)
      }
      expect((await visit(caddy, '127.0.0.5', path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, path).toBe(200)
    }
  })

  it('the address Caddy saw is the client: in the forwarded beacon and the CAPI payload, whatever the visitor wrote', async () => {
    const eventId = 'caddy-ip-1'
    const spoof = { 'x-forwarded-for': '8.8.8.8', forwarded: 'for=8.8.4.4', 'x-real-ip': '1.1.1.1' }
    const res = await visit(caddy, '127.0.0.7', `/tw/pin/ct/v3/?${beaconQuery('lead', { event_id: eventId })}`, { headers: spoof })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('image/gif')
    const hit = beacon.hits.find((h) => h.ed.event_id === eventId)
    expect(hit?.headers['x-forwarded-for']).toBe('127.0.0.7')
    await server.tw.runtime.dispatcher.flush()
    const sent = capi.received.find((r) => r.event.event_id === eventId)
    expect(sent?.event.user_data.client_ip_address).toBe('127.0.0.7')
    expect(sent?.event.user_data.client_user_agent).toBe(UA)
  })

  it('rotating X-Forwarded-For: one rate-limit bucket, the address Caddy saw (also the one stored with the cart)', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 30; i++) {
      const body = JSON.stringify({ cart: { token: `caddy-cart-${i}` } })
      statuses.push((await visit(caddy, '127.0.0.8', '/tw/ctx', { method: 'POST', headers: { 'x-forwarded-for': `198.51.100.${i + 1}`, 'content-type': 'text/plain' }, body })).status)
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(10)
    expect(statuses.filter((s) => s === 429)).toHaveLength(20)
    expect((await server.tw.runtime.carts.get('caddy-cart-0'))?.ip).toBe('127.0.0.8')
    // Another visitor has a bucket of their own.
    expect((await visit(caddy, '127.0.0.9', '/tw/ctx', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' })).status).toBe(200)
  })

  it('serves the loader, cmp.js and px.js: brotli and gzip passed through as tagwarden made them, plain to a client that takes neither', async () => {
    const tagwarden = { port: Number(new URL(server.url).port) }
    for (const path of ['/tw/loader.js', '/tw/cmp.js', '/tw/px.js']) {
      const direct = (acceptEncoding?: string) => visit(tagwarden, '127.0.0.1', path, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} })
      const plain = await direct()
      expect(plain.status, path).toBe(200)
      expect(plain.headers['content-encoding'], path).toBeUndefined()
      if (path === '/tw/loader.js') expect(plain.body).toContain('t:"2612345678901"')
      for (const [acceptEncoding, coding, decode] of [['gzip, deflate, br', 'br', brotliDecompressSync], ['gzip', 'gzip', gunzipSync]] as const) {
        const res = await visit(caddy, '127.0.0.6', path, { headers: { 'accept-encoding': acceptEncoding } })
        expect(res.status, path).toBe(200)
        expect(res.headers['content-type'], path).toMatch(/javascript/)
        expect(res.headers['content-encoding'], `${path} ${acceptEncoding}`).toBe(coding)
        expect(res.headers.vary, path).toBe('accept-encoding')
        expect(res.raw.equals((await direct(acceptEncoding)).raw), `${path} ${acceptEncoding}: the bytes tagwarden sent`).toBe(true)
        expect(decode(res.raw).toString('utf8'), path).toBe(plain.body)
      }
      // Without Accept-Encoding Caddy asks tagwarden for gzip itself and unpacks it: the client gets it plain.
      const identity = await visit(caddy, '127.0.0.6', path)
      expect(identity.status, path).toBe(200)
      expect(identity.headers['content-encoding'], path).toBeUndefined()
      expect(identity.body, path).toBe(plain.body)
    }
  })
})

describe.skipIf(mode === 'skip')('behind the README Caddy recipe, production without an admin token (real Caddy)', () => {
  let server: Running
  let caddy: Caddy
  beforeAll(async () => {
    const recipe = readmeCaddyRecipe()
    const config = parseConfig({ NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', TAGWARDEN_STORAGE: 'memory:', TAGWARDEN_SECRET: TEST_SECRET, TAGWARDEN_LOG_LEVEL: 'silent', ...recipe.env })
    server = await startServer(config, { store: createStore({ kind: 'memory' }), log: createLogger('silent') }, { port: 0 })
    caddy = await startCaddy(site(aimed(recipe.handle, new URL(server.url).host)))
  })
  afterAll(async () => {
    await caddy?.stop()
    await server?.close(0)
  })

  it('the admin routes are off for every visitor (Caddy connects from 127.0.0.1, which makes no one local)', async () => {
    for (const path of ['/tw/_/events', '/tw/_/inspect', '/tw/_/metrics']) {
      for (const from of ['127.0.0.1', '127.0.0.5']) {
        const res = await visit(caddy, from, path, { headers: { 'x-forwarded-for': '127.0.0.1' } })
        expect(res.status, `${path} from ${from}`).toBe(404)
        expect(res.body).not.toContain('"events"')
      }
    }
    expect(JSON.parse((await visit(caddy, '127.0.0.5', '/tw/_/health')).body)).toEqual({ status: 'ok' })
  })
})

/** An upstream that answers each request with the headers it arrived with. */
async function startEcho(): Promise<{ host: string; close(): Promise<void> }> {
  const srv: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ url: req.url, headers: req.headers }))
  })
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  return { host: `127.0.0.1:${(srv.address() as AddressInfo).port}`, close: () => new Promise((resolve) => srv.close(() => resolve())) }
}

describe.skipIf(mode === 'skip')('what Caddy sends upstream, as the README says (real Caddy)', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>
  let readmeCaddy: Caddy
  let trustingCaddy: Caddy
  const seen = async (caddy: Caddy, from: string, headers: Record<string, string>) => {
    const res = await visit(caddy, from, '/tw/echo', { headers })
    expect(res.status).toBe(200)
    return JSON.parse(res.body) as { url: string; headers: IncomingHttpHeaders }
  }

  beforeAll(async () => {
    echo = await startEcho()
    const handle = aimed(readmeCaddyRecipe().handle, echo.host)
    readmeCaddy = await startCaddy(site(handle))
    // The README's "unless": the same block with Caddy's own trusted_proxies (reverse_proxy's subdirective) naming one visitor.
    const trusting = handle.replace(`reverse_proxy ${echo.host}`, `reverse_proxy ${echo.host} {\n\t\ttrusted_proxies 127.0.0.7/32\n\t}`)
    expect(trusting).toContain('trusted_proxies')
    trustingCaddy = await startCaddy(site(trusting))
  })
  afterAll(async () => {
    await Promise.all([readmeCaddy?.stop(), trustingCaddy?.stop()])
    await echo?.close()
  })

  it('overwrites X-Forwarded-For with the address it saw; passes Forwarded and X-Real-IP on as the client wrote them', async () => {
    const got = await seen(readmeCaddy, '127.0.0.7', { 'x-forwarded-for': '8.8.8.8, 9.9.9.9', forwarded: 'for=8.8.4.4', 'x-real-ip': '1.1.1.1' })
    expect(got.url).toBe('/tw/echo')
    expect(got.headers['x-forwarded-for']).toBe('127.0.0.7')
    expect(got.headers['x-forwarded-proto']).toBe('http')
    expect(got.headers.host).toBe('shop.test')
    expect(got.headers.forwarded).toBe('for=8.8.4.4')
    expect(got.headers['x-real-ip']).toBe('1.1.1.1')
  })

  it("with Caddy's own trusted_proxies, a trusted peer's X-Forwarded-For is passed on (and only that peer's)", async () => {
    expect((await seen(trustingCaddy, '127.0.0.7', { 'x-forwarded-for': '203.0.113.9' })).headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.7')
    expect((await seen(trustingCaddy, '127.0.0.8', { 'x-forwarded-for': '203.0.113.9' })).headers['x-forwarded-for']).toBe('127.0.0.8')
  })
})
