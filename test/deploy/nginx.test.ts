// The README's own nginx recipe, run by a real nginx in front of a real tagwarden server: a visitor
// through nginx cannot read the admin routes without the token, a spoofed X-Forwarded-For changes
// neither the recorded client address nor the rate-limit key, and the address nginx saw is the one
// in the Conversions API payload. Visitors connect from their own loopback addresses (127.0.0.x),
// so "the address nginx saw" differs from nginx's own 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../server/config'
import { createLogger } from '../../server/log'
import { startServer, type Running } from '../../server/serve'
import { createStore } from '../../server/storage/create-store'
import { startFakeBeacon, type FakeBeacon } from '../fakes/fake-beacon'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { ADMIN_TOKEN } from '../helpers/build-app'
import { nginxAvailability, startNginx, type Nginx } from '../helpers/nginx'
import { readmeRecipe, visit as visitVia, type Visit } from '../helpers/reverse-proxy'
import { beaconQuery, liveCapiEnv, TEST_SECRET } from '../tag/build'

const mode = nginxAvailability()

/** The nginx block and the environment the README's "Reverse-proxy recipes" give, exactly as written. */
export function readmeNginxRecipe(): { location: string; env: Record<string, string> } {
  const { block, env } = readmeRecipe('**nginx** on the same machine', 'nginx')
  return { location: block, env }
}

/** One request to nginx from a given loopback address (the visitor's own). */
const visit = (nginx: Nginx, from: string, path: string, o: Visit = {}) => visitVia(nginx, from, path, { ...o, userAgent: 'Mozilla/5.0 (nginx test)' })

describe.skipIf(mode === 'skip')('behind the README nginx recipe (real nginx)', () => {
  let capi: FakeCapi
  let beacon: FakeBeacon
  let server: Running
  let nginx: Nginx

  beforeAll(async () => {
    capi = await startFakeCapi()
    beacon = await startFakeBeacon()
    const recipe = readmeNginxRecipe()
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
      PINTEREST_BEACON_ORIGIN: beacon.url,
      PINTEREST_SCRIPT_ORIGIN: 'http://127.0.0.1:9',
      ...liveCapiEnv(capi.url),
      ...recipe.env,
    })
    server = await startServer(config, { store: createStore({ kind: 'memory' }), log: createLogger('silent') }, { port: 0 })
    const upstream = new URL(server.url).host
    expect(recipe.location).toContain('proxy_pass http://127.0.0.1:8787;')
    nginx = await startNginx(recipe.location.replace('127.0.0.1:8787', upstream))
  })
  afterAll(async () => {
    await nginx?.stop()
    await server?.close(0)
    await Promise.all([capi?.close(), beacon?.close()])
  })

  it('a visitor cannot read /_/events, /_/inspect or /_/metrics without the token, whatever X-Forwarded-For says', async () => {
    for (const path of ['/tw/_/events', '/tw/_/inspect', '/tw/_/inspect/data', '/tw/_/metrics']) {
      for (const headers of [{}, { 'x-forwarded-for': '127.0.0.1' }, { 'x-forwarded-for': '127.0.0.1', forwarded: 'for=127.0.0.1', 'x-real-ip': '127.0.0.1' }] as Record<string, string>[]) {
        expect((await visit(nginx, '127.0.0.5', path, { headers })).status, `${path} ${JSON.stringify(headers)}`).toBe(401)
      }
      expect((await visit(nginx, '127.0.0.5', path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, path).toBe(200)
    }
    const health = await visit(nginx, '127.0.0.5', '/tw/_/health')
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' })
  })

  it('the address nginx saw is the client: in the forwarded beacon and the CAPI payload, whatever the visitor wrote', async () => {
    const eventId = 'nginx-ip-1'
    const res = await visit(nginx, '127.0.0.7', `/tw/pin/ct/v3/?${beaconQuery('lead', { event_id: eventId })}`, { headers: { 'x-forwarded-for': '8.8.8.8' } })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('image/gif')
    const hit = beacon.hits.find((h) => h.ed.event_id === eventId)
    expect(hit?.headers['x-forwarded-for']).toBe('127.0.0.7')
    await server.tw.runtime.dispatcher.flush()
    const sent = capi.received.find((r) => r.event.event_id === eventId)
    expect(sent?.event.user_data.client_ip_address).toBe('127.0.0.7')
    expect(sent?.event.user_data.client_user_agent).toBe('Mozilla/5.0 (nginx test)')
  })

  it('rotating X-Forwarded-For: one rate-limit bucket, the address nginx saw (also the one stored with the cart)', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 30; i++) {
      const body = JSON.stringify({ cart: { token: `nginx-cart-${i}` } })
      statuses.push((await visit(nginx, '127.0.0.8', '/tw/ctx', { method: 'POST', headers: { 'x-forwarded-for': `198.51.100.${i + 1}`, 'content-type': 'text/plain' }, body })).status)
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(10)
    expect(statuses.filter((s) => s === 429)).toHaveLength(20)
    expect((await server.tw.runtime.carts.get('nginx-cart-0'))?.ip).toBe('127.0.0.8')
    // Another visitor has a bucket of their own.
    expect((await visit(nginx, '127.0.0.9', '/tw/ctx', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' })).status).toBe(200)
  })
})

describe.skipIf(mode === 'skip')('behind the README nginx recipe, production without an admin token (real nginx)', () => {
  let server: Running
  let nginx: Nginx
  beforeAll(async () => {
    const recipe = readmeNginxRecipe()
    const config = parseConfig({ NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', TAGWARDEN_STORAGE: 'memory:', TAGWARDEN_SECRET: TEST_SECRET, TAGWARDEN_LOG_LEVEL: 'silent', ...recipe.env })
    server = await startServer(config, { store: createStore({ kind: 'memory' }), log: createLogger('silent') }, { port: 0 })
    nginx = await startNginx(recipe.location.replace('127.0.0.1:8787', new URL(server.url).host))
  })
  afterAll(async () => {
    await nginx?.stop()
    await server?.close(0)
  })

  it('the admin routes are off for every visitor (nginx connects from 127.0.0.1, which makes no one local)', async () => {
    for (const path of ['/tw/_/events', '/tw/_/inspect', '/tw/_/metrics']) {
      for (const from of ['127.0.0.1', '127.0.0.5']) {
        const res = await visit(nginx, from, path, { headers: { 'x-forwarded-for': '127.0.0.1' } })
        expect(res.status, `${path} from ${from}`).toBe(404)
        expect(res.body).not.toContain('"events"')
      }
    }
    expect(JSON.parse((await visit(nginx, '127.0.0.5', '/tw/_/health')).body)).toEqual({ status: 'ok' })
  })
})

