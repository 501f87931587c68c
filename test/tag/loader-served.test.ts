// The loader budget holds for what browsers download: GET /tw/loader.js with a tag id and the
// config inlined, compressed as the server serves it. It measures whatever `npm run build` made.
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { pickCoding } from '../../server/http/encoding'
import { acme } from '../context/acme-driver'
import { buildTagApp, call } from './build'

/** Issue #3's budget for the loader, gzip: what every storefront page downloads. */
const BUDGET = 2500

let tw: TagwardenApp
beforeAll(async () => {
  // The config a live shop inlines: a 13-digit tag id, the shipped prefix, event_id template,
  // OneTrust group and default consent (the loader's whole config; docs in README "Loader size").
  tw = await buildTagApp({ PINTEREST_TAG_ID: '2612345678901' })
})
afterAll(() => tw.close())

const get = (path: string, acceptEncoding?: string, headers: Record<string, string> = {}) =>
  call(tw, path, { headers: { ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}), ...headers } })

describe('GET /tw/loader.js as served', () => {
  it(`is at most ${BUDGET} bytes gzipped, with the tag id and config inlined`, async () => {
    const plain = await get('/tw/loader.js')
    const text = await plain.text()
    expect(text).toContain('t:"2612345678901"')
    const gz = await get('/tw/loader.js', 'gzip, deflate')
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    const bytes = Buffer.from(await gz.arrayBuffer())
    expect(Number(gz.headers.get('content-length'))).toBe(bytes.length)
    expect(gunzipSync(bytes).toString('utf8')).toBe(text)
    console.log(`[tagwarden] /tw/loader.js as served: ${Buffer.byteLength(text)} bytes, ${bytes.length} gzip (budget ${BUDGET})`)
    expect(bytes.length).toBeLessThanOrEqual(BUDGET)
  })

  it('is brotli for browsers that take it, gzip for the others, plain without Accept-Encoding; Vary says so', async () => {
    const plain = await get('/tw/loader.js')
    const text = await plain.text()
    expect(plain.headers.get('content-encoding')).toBeNull()
    expect(plain.headers.get('vary')).toBe('accept-encoding')
    const br = await get('/tw/loader.js', 'gzip, deflate, br, zstd')
    expect(br.headers.get('content-encoding')).toBe('br')
    expect(br.headers.get('vary')).toBe('accept-encoding')
    const brBytes = Buffer.from(await br.arrayBuffer())
    expect(brotliDecompressSync(brBytes).toString('utf8')).toBe(text)
    const gz = Buffer.from(await (await get('/tw/loader.js', 'gzip')).arrayBuffer())
    expect(brBytes.length).toBeLessThan(gz.length)
    expect((await get('/tw/loader.js', 'br;q=0, gzip')).headers.get('content-encoding')).toBe('gzip')
    expect((await get('/tw/loader.js', 'identity')).headers.get('content-encoding')).toBeNull()
  })

  it('has an ETag per coding, and answers 304 to each', async () => {
    const etags = new Set<string>()
    for (const coding of ['br', 'gzip', '']) {
      const res = await get('/tw/loader.js', coding)
      const etag = res.headers.get('etag')!
      etags.add(etag)
      const again = await get('/tw/loader.js', coding, { 'if-none-match': etag })
      expect(again.status).toBe(304)
      expect(again.headers.get('etag')).toBe(etag)
      expect(again.headers.get('vary')).toBe('accept-encoding')
    }
    expect(etags.size).toBe(3)
    // A gzip ETag does not validate the brotli body.
    const gzEtag = (await get('/tw/loader.js', 'gzip')).headers.get('etag')!
    expect((await get('/tw/loader.js', 'br', { 'if-none-match': gzEtag })).status).toBe(200)
  })

  it('GET /tw/cmp.js is compressed the same way', async () => {
    const plain = await (await get('/tw/cmp.js')).text()
    const br = await get('/tw/cmp.js', 'br')
    expect(br.headers.get('content-encoding')).toBe('br')
    expect(brotliDecompressSync(Buffer.from(await br.arrayBuffer())).toString('utf8')).toBe(plain)
    const gz = await get('/tw/cmp.js', 'gzip')
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString('utf8')).toBe(plain)
  })
})

/** Ceiling for the Meta/TikTok pixel wrappers, gzip, as served (test/client/size.test.ts). */
const PX_CEILING = 1800
/** What the registered drivers declare, as the px chunk reads it (context/browser-ids.ts `pageReads`). */
const REGISTERED_READS = '[["fbclid","fbclid"],["fbc","","_fbc"],["fbp","","_fbp"],["ttclid","ttclid"],["ttp","","_ttp"]]'

describe('GET /tw/px.js as served', () => {
  it(`reads the ids the registered drivers declare, inlined in its slot, and is at most ${PX_CEILING} bytes gzipped`, async () => {
    const text = await (await get('/tw/px.js')).text()
    expect(text).toContain(`of ${REGISTERED_READS})`)
    expect(text).not.toContain('__TW_IDS__')
    const gz = await get('/tw/px.js', 'gzip')
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    const bytes = Buffer.from(await gz.arrayBuffer())
    expect(gunzipSync(bytes).toString('utf8')).toBe(text)
    console.log(`[tagwarden] /tw/px.js as served: ${Buffer.byteLength(text)} bytes, ${bytes.length} gzip (ceiling ${PX_CEILING})`)
    expect(bytes.length).toBeLessThanOrEqual(PX_CEILING)
  })

  it('is brotli or gzip by Accept-Encoding, with an ETag per coding, 304 on each, and five minutes of cache', async () => {
    const text = await (await get('/tw/px.js')).text()
    const br = await get('/tw/px.js', 'gzip, br')
    expect(br.headers.get('content-encoding')).toBe('br')
    expect(br.headers.get('vary')).toBe('accept-encoding')
    expect(br.headers.get('cache-control')).toBe('public, max-age=300')
    expect(brotliDecompressSync(Buffer.from(await br.arrayBuffer())).toString('utf8')).toBe(text)
    const etags = new Set<string>()
    for (const coding of ['br', 'gzip', '']) {
      const etag = (await get('/tw/px.js', coding)).headers.get('etag')!
      etags.add(etag)
      expect((await get('/tw/px.js', coding, { 'if-none-match': etag })).status).toBe(304)
    }
    expect(etags.size).toBe(3)
  })

  it("also reads the ids a configured destination of the embedder's own declares", async () => {
    const own = await buildTagApp({}, { destinations: [acme()] })
    try {
      const text = await (await call(own, '/tw/px.js')).text()
      expect(text).toContain(`of ${REGISTERED_READS.slice(0, -1)},["acclid","acclid"],["acid","","_acid"]])`)
    } finally {
      await own.close()
    }
  })
})

describe('pickCoding', () => {
  it.each([
    [null, 'identity'], ['', 'identity'], ['gzip', 'gzip'], ['x-gzip', 'gzip'], ['br', 'br'], ['gzip, br', 'br'],
    ['br;q=0, gzip;q=0.5', 'gzip'], ['*', 'br'], ['*;q=0, gzip', 'gzip'], ['gzip;q=0, br;q=0', 'identity'], ['deflate', 'identity'],
  ] as const)('%j → %s', (header, coding) => {
    expect(pickCoding(header)).toBe(coding)
  })
})
