import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { createLogger } from '../../server/log'
import { createRewriter } from '../../server/scripts/rewrite'
import { createStore, type Store } from '../../server/storage/create-store'
import { MAIN_NAME, startFakeScripts, type FakeScripts } from '../fakes/fake-pinterest-scripts'
import { buildTagApp, call } from './build'

describe('createRewriter', () => {
  const rw = createRewriter({ prefix: '/tw', scriptOrigin: 'https://s.pinimg.com', beaconOrigin: 'https://ct.pinterest.com' })

  it('rewrites the beacon host in absolute, protocol-relative and escaped forms', () => {
    expect(rw('"https://ct.pinterest.com/v3/?tid="')).toBe('"/tw/pin/ct/v3/?tid="')
    expect(rw("'http://ct.pinterest.com/user/'")).toBe("'/tw/pin/ct/user/'")
    expect(rw('"//ct.pinterest.com/v3/"')).toBe('"/tw/pin/ct/v3/"')
    expect(rw('"https://ct.pinterest.com"+"/v3/"')).toBe('"/tw/pin/ct"+"/v3/"')
    expect(rw('{"u":"https:\\/\\/ct.pinterest.com\\/v3\\/"}')).toBe('{"u":"\\/tw\\/pin\\/ct\\/v3\\/"}')
    expect(rw('"\\/\\/ct.pinterest.com\\/user\\/"')).toBe('"\\/tw\\/pin\\/ct\\/user\\/"')
  })

  it('rewrites the script host /ct/ path, and leaves other paths and look-alike hosts alone', () => {
    expect(rw('s.src="https://s.pinimg.com/ct/lib/main.6ae4a9fc.js"')).toBe('s.src="/tw/pin/lib/main.6ae4a9fc.js"')
    expect(rw('"//s.pinimg.com/ct/core.js"')).toBe('"/tw/pin/core.js"')
    expect(rw('"https:\\/\\/s.pinimg.com\\/ct\\/lib\\/x.js"')).toBe('"\\/tw\\/pin\\/lib\\/x.js"')
    expect(rw('"https://s.pinimg.com/images/logo.png"')).toBe('"https://s.pinimg.com/images/logo.png"')
    expect(rw('"https://ct.pinterest.com.evil.example/v3/"')).toBe('"https://ct.pinterest.com.evil.example/v3/"')
    expect(rw('"https://xct.pinterest.com/v3/"')).toBe('"https://xct.pinterest.com/v3/"')
    expect(rw('"ct.pinterest.com"')).toBe('"ct.pinterest.com"')
  })

  it('also rewrites the configured upstream hosts (tests, mirrors)', () => {
    const local = createRewriter({ prefix: '/shop/tw', scriptOrigin: 'http://127.0.0.1:4001', beaconOrigin: 'http://127.0.0.1:4002' })
    expect(local('"http://127.0.0.1:4002/v3/" "http://127.0.0.1:4001/ct/core.js" "http://127.0.0.1:40021/v3/"')).toBe('"/shop/tw/pin/ct/v3/" "/shop/tw/pin/core.js" "http://127.0.0.1:40021/v3/"')
  })
})

describe('GET /tw/pin/core.js and /tw/pin/lib/*', () => {
  let fake: FakeScripts
  let tw: TagwardenApp | undefined
  let store: Store
  let clock = 1_767_225_600_000
  // The store outlives each app (a restart keeps its storage): closing the app does not dispose it.
  const keep = () => ({ ...store, close: async () => {} })
  const app = async () => (tw = await buildTagApp({ PINTEREST_SCRIPT_ORIGIN: fake.url }, { store: keep(), now: () => clock, log: createLogger('silent') }))

  beforeAll(async () => {
    fake = await startFakeScripts({ style: 'literal' })
  })
  afterAll(() => fake.close())
  afterEach(async () => {
    fake.recover()
    fake.setCoreSuffix('')
    fake.requests.length = 0
    await tw?.close()
    tw = undefined
  })
  const fresh = () => {
    store = createStore({ kind: 'memory' })
  }

  it('serves core.js first-party, rewritten, with ETag and a short cache', async () => {
    fresh()
    await app()
    const res = await call(tw!, '/tw/pin/core.js')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('public, max-age=300')
    expect(res.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]+"$/)
    const body = await res.text()
    expect(body).toContain(`"/tw/pin/lib/${MAIN_NAME}"`)
    expect(body).not.toContain('s.pinimg.com')
    expect(fake.requests.map((r) => r.path)).toEqual(['/ct/core.js'])
  })

  it('serves main.<hash>.js with the beacon host rewritten', async () => {
    fresh()
    await app()
    const res = await call(tw!, `/tw/pin/lib/${MAIN_NAME}`)
    expect(res.status).toBe(200)
    const body = await res.text()
    expect(body).toContain('var HOST = "/tw/pin/ct";')
    expect(body).not.toContain('ct.pinterest.com')
  })

  it('answers 304 to a matching If-None-Match and serves from cache without asking upstream', async () => {
    fresh()
    await app()
    const first = await call(tw!, '/tw/pin/core.js')
    const etag = first.headers.get('etag')!
    const again = await call(tw!, '/tw/pin/core.js', { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    expect((await call(tw!, '/tw/pin/core.js', { headers: { 'if-none-match': `W/${etag}, "other"` } })).status).toBe(304)
    expect((await call(tw!, '/tw/pin/core.js', { headers: { 'if-none-match': '"other"' } })).status).toBe(200)
    expect(fake.requests).toHaveLength(1)
  })

  it('after max-age serves the stale copy at once and refreshes in the background (conditionally)', async () => {
    fresh()
    await app()
    const before = await (await call(tw!, '/tw/pin/core.js')).text()
    fake.setCoreSuffix('\n/* v2 */')
    clock += 6 * 60_000
    const stale = await call(tw!, '/tw/pin/core.js')
    expect(await stale.text()).toBe(before)
    await vi.waitFor(() => expect(fake.requests).toHaveLength(2))
    expect(fake.requests[1].ifNoneMatch).toMatch(/^"v-/)
    await vi.waitFor(async () => expect(await (await call(tw!, '/tw/pin/core.js')).text()).toContain('/* v2 */'))
  })

  it('keeps serving the last good copy when the upstream fails, also after a restart', async () => {
    fresh()
    await app()
    const good = await (await call(tw!, '/tw/pin/core.js')).text()
    fake.fail(500)
    clock += 60 * 60_000
    expect(await (await call(tw!, '/tw/pin/core.js')).text()).toBe(good)
    await vi.waitFor(() => expect(fake.requests.length).toBeGreaterThanOrEqual(2))
    expect(await (await call(tw!, '/tw/pin/core.js')).text()).toBe(good)
    // a new process on the same storage, upstream still down
    await tw!.close()
    await app()
    const res = await call(tw!, '/tw/pin/core.js')
    expect(res.status).toBe(200)
    expect(await res.text()).toBe(good)
  })

  it('answers a clear 502 when the upstream fails and there is no copy', async () => {
    fresh()
    await app()
    fake.fail(503)
    const res = await call(tw!, '/tw/pin/core.js')
    expect(res.status).toBe(502)
    expect(((await res.json()) as { message: string }).message).toMatch(/could not fetch \/ct\/core\.js from PINTEREST_SCRIPT_ORIGIN and no cached copy exists/)
  })

  it('answers 502 (not a hang) when nothing listens upstream', async () => {
    fresh()
    tw = await buildTagApp({}, { store: keep() })
    expect((await call(tw, '/tw/pin/core.js')).status).toBe(502)
  })

  it('answers 404 for a library file the upstream does not have, and remembers that for a while', async () => {
    fresh()
    await app()
    expect((await call(tw!, '/tw/pin/lib/main.00000000.js')).status).toBe(404)
    expect((await call(tw!, '/tw/pin/lib/main.00000000.js')).status).toBe(404)
    expect(fake.requests.filter((r) => r.path === '/ct/lib/main.00000000.js')).toHaveLength(1)
  })

  it('refuses traversal, encoded separators, other hosts and odd names without asking upstream', async () => {
    fresh()
    await app()
    const refused = [
      '/tw/pin/lib/..%2f..%2fetc%2fpasswd.js',
      '/tw/pin/lib/%2e%2e%2fcore.js',
      '/tw/pin/lib/a%2Fb.js',
      '/tw/pin/lib/a%5cb.js',
      '/tw/pin/lib/sub/dir.js',
      '/tw/pin/lib/.hidden.js',
      '/tw/pin/lib/main.css',
      '/tw/pin/lib/https:%2F%2Fevil.example%2Fx.js',
      '/tw/pin/lib/%2F%2Fevil.example%2Fx.js',
      '/tw/pin/lib/x.js%00.js',
    ]
    for (const path of refused) {
      const res = await call(tw!, path)
      expect([400, 404], path).toContain(res.status)
    }
    // a dot-segment path is normalized by the URL parser before routing: it leaves /pin/lib/ entirely
    expect((await call(tw!, '/tw/pin/lib/../../../etc/passwd')).status).toBe(404)
    expect(fake.requests).toHaveLength(0)
  })
})
