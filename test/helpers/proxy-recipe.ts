// The contract every README reverse-proxy recipe keeps, run by test/deploy/<proxy>.test.ts against
// the real proxy with the README's own block in front of a real tagwarden server: a visitor cannot
// read the admin routes without the token, a spoofed forwarding header changes neither the recorded
// client address nor the rate-limit key, the address the proxy saw is the one in the Conversions API
// payload, and in production without an admin token the admin routes are off for everyone.
// Visitors connect from their own loopback addresses (127.0.0.x), so "the address the proxy saw"
// differs from the proxy's own 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../server/config'
import { createLogger } from '../../server/log'
import { startServer, type Running } from '../../server/serve'
import { createStore } from '../../server/storage/create-store'
import { startFakeBeacon, type FakeBeacon } from '../fakes/fake-beacon'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { beaconQuery, liveCapiEnv, TEST_SECRET } from '../tag/build'
import { ADMIN_TOKEN } from './build-app'
import { visit as visitVia, type Answer, type Visit } from './reverse-proxy'

export interface RecipeProxy { port: number; stop(): Promise<void> }

export interface Recipe {
  /** The proxy's name in test titles and identifiers (`nginx`, `Caddy`). */
  name: string
  skip: boolean
  /** The settings the README gives with the block. */
  env: Record<string, string>
  /** Start the proxy with the README's block aimed at tagwarden on `upstream` (host:port). */
  start(upstream: string): Promise<RecipeProxy>
}

/** What a recipe's own further tests get: the proxy, the server behind it, the fakes, and a visit as a browser would. */
export interface RecipeWorld {
  proxy: RecipeProxy
  server: Running
  capi: FakeCapi
  beacon: FakeBeacon
  userAgent: string
  visit(from: string, path: string, o?: Visit): Promise<Answer>
}

const ADMIN_PATHS = ['/tw/_/events', '/tw/_/inspect', '/tw/_/inspect/data', '/tw/_/metrics']

/** Run the recipe contract; `more` adds the proxy's own tests to the suite with the live server. */
export function recipeContract(r: Recipe, more?: (world: () => RecipeWorld) => void): void {
  const userAgent = `Mozilla/5.0 (${r.name.toLowerCase()} test)`
  const tag = r.name.toLowerCase()

  describe.skipIf(r.skip)(`behind the README ${r.name} recipe (real ${r.name})`, () => {
    let w: RecipeWorld
    beforeAll(async () => {
      expect(r.env).toEqual({ TAGWARDEN_TRUSTED_PROXIES: 'loopback' })
      const [capi, beacon] = await Promise.all([startFakeCapi(), startFakeBeacon()])
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
        ...r.env,
      })
      const server = await startServer(config, { store: createStore({ kind: 'memory' }), log: createLogger('silent') }, { port: 0 })
      const proxy = await r.start(new URL(server.url).host)
      w = { proxy, server, capi, beacon, userAgent, visit: (from, path, o = {}) => visitVia(proxy, from, path, { ...o, userAgent }) }
    })
    afterAll(async () => {
      await w?.proxy.stop()
      await w?.server.close(0)
      await Promise.all([w?.capi.close(), w?.beacon.close()])
    })

    it('a visitor cannot read /_/events, /_/inspect or /_/metrics without the token, whatever the forwarding headers say', async () => {
      for (const path of ADMIN_PATHS) {
        for (const headers of [{}, { 'x-forwarded-for': '127.0.0.1' }, { 'x-forwarded-for': '127.0.0.1', forwarded: 'for=127.0.0.1', 'x-real-ip': '127.0.0.1' }] as Record<string, string>[]) {
          expect((await w.visit('127.0.0.5', path, { headers })).status, `${path} ${JSON.stringify(headers)}`).toBe(401)
        }
        expect((await w.visit('127.0.0.5', path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, path).toBe(200)
      }
      expect(JSON.parse((await w.visit('127.0.0.5', '/tw/_/health')).body)).toEqual({ status: 'ok' })
    })

    it(`the address ${r.name} saw is the client: in the forwarded beacon and the CAPI payload, whatever the visitor wrote`, async () => {
      const eventId = `${tag}-ip-1`
      const spoof = { 'x-forwarded-for': '8.8.8.8', forwarded: 'for=8.8.4.4', 'x-real-ip': '1.1.1.1' }
      const res = await w.visit('127.0.0.7', `/tw/pin/ct/v3/?${beaconQuery('lead', { event_id: eventId })}`, { headers: spoof })
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe('image/gif')
      expect(w.beacon.hits.find((h) => h.ed.event_id === eventId)?.headers['x-forwarded-for']).toBe('127.0.0.7')
      await w.server.tw.runtime.dispatcher.flush()
      const sent = w.capi.received.find((c) => c.event.event_id === eventId)
      expect(sent?.event.user_data.client_ip_address).toBe('127.0.0.7')
      expect(sent?.event.user_data.client_user_agent).toBe(userAgent)
    })

    it(`rotating X-Forwarded-For: one rate-limit bucket, the address ${r.name} saw (also the one stored with the cart)`, async () => {
      const statuses: number[] = []
      for (let i = 0; i < 30; i++) {
        const body = JSON.stringify({ cart: { token: `${tag}-cart-${i}` } })
        statuses.push((await w.visit('127.0.0.8', '/tw/ctx', { method: 'POST', headers: { 'x-forwarded-for': `198.51.100.${i + 1}`, 'content-type': 'text/plain' }, body })).status)
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(10)
      expect(statuses.filter((s) => s === 429)).toHaveLength(20)
      expect((await w.server.tw.runtime.carts.get(`${tag}-cart-0`))?.ip).toBe('127.0.0.8')
      // Another visitor has a bucket of their own.
      expect((await w.visit('127.0.0.9', '/tw/ctx', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' })).status).toBe(200)
    })

    more?.(() => w)
  })

  describe.skipIf(r.skip)(`behind the README ${r.name} recipe, production without an admin token (real ${r.name})`, () => {
    let server: Running
    let proxy: RecipeProxy
    beforeAll(async () => {
      const config = parseConfig({ NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', TAGWARDEN_STORAGE: 'memory:', TAGWARDEN_SECRET: TEST_SECRET, TAGWARDEN_LOG_LEVEL: 'silent', ...r.env })
      server = await startServer(config, { store: createStore({ kind: 'memory' }), log: createLogger('silent') }, { port: 0 })
      proxy = await r.start(new URL(server.url).host)
    })
    afterAll(async () => {
      await proxy?.stop()
      await server?.close(0)
    })

    it(`the admin routes are off for every visitor (${r.name} connects from 127.0.0.1, which makes no one local)`, async () => {
      for (const path of ['/tw/_/events', '/tw/_/inspect', '/tw/_/metrics']) {
        for (const from of ['127.0.0.1', '127.0.0.5']) {
          const res = await visitVia(proxy, from, path, { headers: { 'x-forwarded-for': '127.0.0.1' }, userAgent })
          expect(res.status, `${path} from ${from}`).toBe(404)
          expect(res.body).not.toContain('"events"')
        }
      }
      expect(JSON.parse((await visitVia(proxy, '127.0.0.5', '/tw/_/health', { userAgent })).body)).toEqual({ status: 'ok' })
    })
  })
}
