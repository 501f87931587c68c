// The script cache is bounded: only Pinterest-shaped names are looked up, a name the upstream does
// not have is never stored, and what is kept — in memory and in storage — is capped by entries and
// bytes, least recently used dropped first (also what an earlier run left in storage).
import { createServer, type Server } from 'node:http'
import { createStorage } from 'unstorage'
import memoryDriver from 'unstorage/drivers/memory'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../server/log'
import { createScriptCache, SCRIPT_CACHE_ENTRIES } from '../../server/scripts/script-cache'
import { buildTagApp, call } from './build'

const log = createLogger('silent')
const hex = (i: number) => (0x10000000 + i).toString(16)

/** An upstream that answers 200 to any name (lenient, or hostile), `size` bytes each; 404 for names containing "gone". */
function lenientFetch(size = 1000) {
  const asked: string[] = []
  const fetchFn: typeof fetch = async (input) => {
    const url = String(input)
    asked.push(url)
    if (url.includes('gone')) return new Response('not found', { status: 404 })
    return new Response(`/*${url}*/${'x'.repeat(size)}`, { status: 200 })
  }
  return { fetchFn, asked }
}

const cacheWith = (storage = createStorage({ driver: memoryDriver() }), fetchFn: typeof fetch, extra: { maxEntries?: number; maxTotalBytes?: number } = {}) => ({
  storage,
  cache: createScriptCache({ storage, fetch: fetchFn, now: Date.now, log, origin: 'http://scripts.test', transform: (s) => s, ...extra }),
})
const stored = async (storage: ReturnType<typeof createStorage>) => (await storage.getKeys('scripts')).length

describe('createScriptCache bounds', () => {
  it('300 names from a lenient upstream keep at most 32 copies in storage; the least recently used go first', async () => {
    const { fetchFn, asked } = lenientFetch()
    const { storage, cache } = cacheWith(undefined, fetchFn)
    expect((await cache.get('/ct/lib/main.keepme00.js')).kind).toBe('ok')
    for (let i = 0; i < 300; i++) {
      expect((await cache.get(`/ct/lib/main.${hex(i)}.js`)).kind).toBe('ok')
      if (i % 10 === 0) await cache.get('/ct/lib/main.keepme00.js') // in use: stays
    }
    expect(await stored(storage)).toBe(SCRIPT_CACHE_ENTRIES)
    const before = asked.length
    expect((await cache.get('/ct/lib/main.keepme00.js')).kind).toBe('ok')
    expect((await cache.get(`/ct/lib/main.${hex(299)}.js`)).kind).toBe('ok')
    expect(asked.length - before, 'recently used copies are still cached').toBe(0)
    expect((await cache.get(`/ct/lib/main.${hex(0)}.js`)).kind).toBe('ok')
    expect(asked.length - before, 'the oldest was dropped and is fetched again').toBe(1)
  })

  it('the byte cap holds too, and a script larger than the whole cap is served but not kept', async () => {
    const { fetchFn } = lenientFetch(4000)
    const { storage, cache } = cacheWith(undefined, fetchFn, { maxTotalBytes: 20_000 })
    for (let i = 0; i < 20; i++) await cache.get(`/ct/lib/main.${hex(i)}.js`)
    // Each copy counts its upstream text and its rewritten text: ≈ 8 kB, so two fit in 20 kB.
    expect(await stored(storage)).toBe(2)
    const big = cacheWith(undefined, lenientFetch(30_000).fetchFn, { maxTotalBytes: 20_000 })
    expect((await big.cache.get('/ct/lib/main.0badbeef.js')).kind).toBe('ok')
    await new Promise((r) => setImmediate(r))
    expect(await stored(big.storage)).toBe(0)
  })

  it('a name the upstream does not have is not stored', async () => {
    const { fetchFn } = lenientFetch()
    const { storage, cache } = cacheWith(undefined, fetchFn)
    expect((await cache.get('/ct/lib/gone.deadbeef.js')).kind).toBe('not-found')
    expect(await stored(storage)).toBe(0)
  })

  it('copies an earlier run left in storage are trimmed to the caps, newest kept', async () => {
    const storage = createStorage({ driver: memoryDriver() })
    for (let i = 0; i < 50; i++) await storage.setItem(`scripts:ct:lib:main.${hex(i)}.js`, { source: `/*${i}*/`, fetchedAt: Date.now() - (50 - i) * 1000 })
    await storage.setItem('scripts:ct:lib:junk', { nope: true })
    const { fetchFn, asked } = lenientFetch()
    const { cache } = cacheWith(storage, fetchFn)
    expect((await cache.get(`/ct/lib/main.${hex(49)}.js`)).kind).toBe('ok')
    await new Promise((r) => setImmediate(r))
    expect(asked).toEqual([])
    const keys = await storage.getKeys('scripts')
    expect(keys).toHaveLength(SCRIPT_CACHE_ENTRIES)
    expect(keys).toContain(`scripts:ct:lib:main.${hex(49)}.js`)
    expect(keys).not.toContain(`scripts:ct:lib:main.${hex(0)}.js`)
  })
})

describe('GET /tw/pin/lib/<name> against a lenient upstream', () => {
  let upstream: Server
  let url: string
  const paths: string[] = []
  beforeAll(async () => {
    upstream = createServer((req, res) => {
      paths.push(req.url ?? '')
      res.writeHead(200, { 'content-type': 'application/javascript' })
      res.end(`/* ${req.url} */`)
    })
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`
  })
  afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())))

  it('names not shaped like Pinterest\'s bundles are 404 without a lookup; the shaped ones are capped', async () => {
    const tw = await buildTagApp({ PINTEREST_SCRIPT_ORIGIN: url })
    for (const name of ['made-up-1.js', 'main.js', 'main.xyz.js', 'Main.1a2b3c4d.js', 'main.1a2b3c4d.js.map', 'main.1a2b3.js', 'a.1a2b3c4d5e6f7a8b9.js']) {
      expect((await call(tw, `/tw/pin/lib/${name}`)).status, name).toBe(404)
    }
    expect(paths).toEqual([])
    for (let i = 0; i < 100; i += 10) await Promise.all(Array.from({ length: 10 }, (_, k) => call(tw, `/tw/pin/lib/main.${hex(i + k)}.js`)))
    expect(paths).toHaveLength(100)
    expect((await tw.runtime.store.storage.getKeys('scripts')).length).toBeLessThanOrEqual(SCRIPT_CACHE_ENTRIES)
    await tw.close(0)
  })
})
