// The admin surface in a deployment: off in production without a token, local-only in development
// (local as the trusted-proxy model decides), a metrics-only token for scrapers; public health is
// the status only, and health never carries an upstream's own words (which may echo a token).
import { afterEach, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { renderDelivery } from '../../server/health-report'
import { createLogger } from '../../server/log'
import { ADMIN_TOKEN, API_KEY, buildApp, liveCapi, SECRET } from '../helpers/build-app'

const METRICS_TOKEN = 'metrics-only-token-0123456789'
const ADMIN_PATHS = ['/tw/_/events', '/tw/_/inspect', '/tw/_/inspect/data', '/tw/_/metrics']
const PROXY = '127.0.0.1'

let tw: TagwardenApp | undefined
afterEach(async () => {
  await tw?.close(0)
  tw = undefined
})

const get = (path: string, o: { peer?: string; headers?: Record<string, string> } = {}) =>
  tw!.fetch(new Request(`http://shop.test${path}`, { headers: o.headers }), { clientAddress: o.peer ?? PROXY })
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const event = (id: string) => ({ data: [{ event_name: 'lead', event_id: id, user_data: { em: 'a@b.example' }, consent: { ad_storage: 'granted', ad_user_data: 'granted' } }] })
const postKeyless = (id: string, headers: Record<string, string> = {}) =>
  tw!.fetch(new Request('http://shop.test/tw/v1/events', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(event(id)) }), { clientAddress: PROXY })

describe('production without TAGWARDEN_ADMIN_TOKEN', () => {
  it('the admin routes are off (404) even from this machine, and the start log says so once', async () => {
    const logs: string[] = []
    tw = await buildApp({ NODE_ENV: 'production', TAGWARDEN_ADMIN_TOKEN: '', TAGWARDEN_LOG_LEVEL: 'info' }, { log: createLogger('info', (l) => logs.push(l)) })
    for (const path of ADMIN_PATHS) {
      for (const headers of [{ 'x-forwarded-for': '8.8.8.8' }, { 'x-forwarded-for': '127.0.0.1' }, {}] as Record<string, string>[]) {
        const res = await get(path, { headers })
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(404)
        expect((await res.json()).message).toMatch(/off in production: set TAGWARDEN_ADMIN_TOKEN/)
      }
    }
    expect(logs.filter((l) => l.includes('no TAGWARDEN_ADMIN_TOKEN'))).toHaveLength(1)
    expect(await (await get('/tw/_/health')).json()).toEqual({ status: 'ok' })
  })

  it('TAGWARDEN_METRICS_TOKEN opens /_/metrics and nothing else', async () => {
    tw = await buildApp({ NODE_ENV: 'production', TAGWARDEN_ADMIN_TOKEN: '', TAGWARDEN_METRICS_TOKEN: METRICS_TOKEN })
    expect((await get('/tw/_/metrics', { headers: bearer(METRICS_TOKEN) })).status).toBe(200)
    expect((await get('/tw/_/metrics')).status).toBe(401)
    expect((await get('/tw/_/events', { headers: bearer(METRICS_TOKEN) })).status).toBe(404)
    expect(await (await get('/tw/_/health', { headers: bearer(METRICS_TOKEN) })).json()).toEqual({ status: 'ok' })
  })
})

describe('with TAGWARDEN_ADMIN_TOKEN', () => {
  it('the token opens every admin route; without it, or with a wrong one, 401 whatever the headers say', async () => {
    tw = await buildApp({ NODE_ENV: 'production', TAGWARDEN_METRICS_TOKEN: METRICS_TOKEN })
    for (const path of ADMIN_PATHS) {
      expect((await get(path, { headers: bearer(ADMIN_TOKEN) })).status, path).toBe(200)
      expect((await get(`${path}?token=${ADMIN_TOKEN}`)).status, path).toBe(200)
      expect((await get(path, { headers: { 'x-forwarded-for': '127.0.0.1' } })).status, path).toBe(401)
      expect((await get(path, { headers: bearer('wrong-token-0123456789') })).status, path).toBe(401)
    }
    expect((await get('/tw/_/events', { headers: bearer(METRICS_TOKEN) })).status).toBe(401)
    expect((await get('/tw/_/metrics', { headers: bearer(METRICS_TOKEN) })).status).toBe(200)
  })
})

describe('development without a token: this machine only, as the trusted-proxy model decides', () => {
  it('no trusted proxy: a loopback peer with X-Forwarded-For is not local (a visitor behind the old nginx recipe)', async () => {
    tw = await buildApp({ TAGWARDEN_ADMIN_TOKEN: '', TAGWARDEN_API_KEYS: '' })
    for (const path of ADMIN_PATHS) {
      expect((await get(path, { headers: { 'x-forwarded-for': '8.8.8.8' } })).status, path).toBe(403)
      expect((await get(path)).status, path).toBe(200)
    }
    // The keyless development events API: the same rule.
    expect((await postKeyless('dev-1', { 'x-forwarded-for': '8.8.8.8' })).status).toBe(403)
    expect((await postKeyless('dev-2')).status).toBe(202)
    expect((await get('/tw/_/events', { headers: { 'x-forwarded-for': '8.8.8.8' } })).status).toBe(403)
    // Public health for the visitor, details for this machine.
    expect(await (await get('/tw/_/health', { headers: { 'x-forwarded-for': '8.8.8.8' } })).json()).toEqual({ status: 'ok' })
    expect(await (await get('/tw/_/health')).json()).toMatchObject({ status: 'ok', storage: { kind: 'memory', state: 'ok' }, dry_run: true })
  })

  it('behind a trusted local proxy: a visitor is not local; a loopback client the proxy vouches for is', async () => {
    tw = await buildApp({ TAGWARDEN_ADMIN_TOKEN: '', TAGWARDEN_API_KEYS: '', TAGWARDEN_TRUSTED_PROXIES: 'loopback' })
    expect((await get('/tw/_/events', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(403)
    expect((await get('/tw/_/events', { headers: { 'x-forwarded-for': '127.0.0.1, 203.0.113.9' } })).status).toBe(403)
    expect((await get('/tw/_/events', { headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(200)
    expect((await postKeyless('dev-3', { 'x-forwarded-for': '203.0.113.9' })).status).toBe(403)
  })
})

describe('health never leaks upstream text', () => {
  const TOKEN = 'pina_live_secret_token_0123456789'
  /** A Conversions API that echoes the token it got in its 401 body, as an upstream may. */
  const echoing: typeof fetch = async (_url, init) => {
    const auth = new Headers(init?.headers).get('authorization') ?? ''
    return new Response(JSON.stringify({ code: 2, message: `Authentication failed for ${auth}` }), { status: 401, headers: { 'content-type': 'application/json' } })
  }

  it('a 401 that echoes the token: public health is the status only; details classify it as auth', async () => {
    tw = await buildApp({ ...liveCapi('http://capi.test'), PINTEREST_ACCESS_TOKEN: TOKEN, TAGWARDEN_SECRET: SECRET, TAGWARDEN_DEFAULT_CONSENT: 'granted' }, { fetch: echoing })
    const res = await tw.fetch(new Request('http://shop.test/tw/v1/events', { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(API_KEY) }, body: JSON.stringify(event('leak-1')) }))
    expect(res.status).toBe(202)
    await tw.runtime.dispatcher.flush()
    expect(tw.runtime.dispatcher.status()['pinterest-capi'].reason).toContain(TOKEN) // the raw reason does carry it…

    const pub = await get('/tw/_/health')
    expect(await pub.text()).toBe('{"status":"degraded"}')
    const details = await (await get('/tw/_/health', { headers: bearer(ADMIN_TOKEN) })).text()
    expect(details).not.toContain('pina_') // …health never does
    expect(details).not.toContain('Authentication failed')
    expect(JSON.parse(details)).toMatchObject({ status: 'degraded', delivery: { 'pinterest-capi': { state: 'paused', reason: 'auth' } }, alerts: ['[tagwarden] [pinterest-capi] paused: auth'] })
  })

  it('any non-ok delivery state degrades health (waiting after a 503), classified', async () => {
    const down: typeof fetch = async () => new Response('<html>upstream says pina_x</html>', { status: 503 })
    tw = await buildApp({ ...liveCapi('http://capi.test'), TAGWARDEN_DEFAULT_CONSENT: 'granted' }, { fetch: down })
    await tw.fetch(new Request('http://shop.test/tw/v1/events', { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(API_KEY) }, body: JSON.stringify(event('b-1')) }))
    await tw.runtime.dispatcher.flush()
    expect(await (await get('/tw/_/health')).json()).toEqual({ status: 'degraded' })
    const details = await (await get('/tw/_/health', { headers: bearer(ADMIN_TOKEN) })).json()
    expect(details.delivery['pinterest-capi']).toMatchObject({ state: 'waiting', reason: 'upstream-5xx', until: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })
    expect(details.alerts).toEqual([`[tagwarden] [pinterest-capi] waiting: upstream-5xx until ${details.delivery['pinterest-capi'].until}`])
    expect(JSON.stringify(details)).not.toContain('pina_')
  })

  it('a delivery state added later renders generically: its numbers, its state, its reason classified, no other text', () => {
    expect(renderDelivery({ state: 'waiting', reason: '429 from Pinterest: slow down pina_abc', until: 1_800_000_000_000, note: 'pina_abc', in_flight: 0 })).toEqual({
      state: 'waiting',
      reason: 'rate-limited',
      until: 1_800_000_000_000,
      in_flight: 0,
    })
    expect(renderDelivery({ state: 'backoff', reason: 'no answer within 30 s' }).reason).toBe('timeout')
    expect(renderDelivery({ state: 'backoff', reason: 'network error: connect ECONNREFUSED' }).reason).toBe('network')
    expect(renderDelivery({ state: 'paused', reason: 'something new', http_status: 403 }).reason).toBe('auth')
    expect(renderDelivery({ state: 'paused', reason: 'free text with pina_secret' }).reason).toBe('other')
  })
})
