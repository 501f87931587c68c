// The README's own Caddy recipe, run by a real Caddy in front of a real tagwarden server: the recipe
// contract (test/helpers/proxy-recipe.ts) — admin routes closed to visitors, the client address the
// one Caddy saw (in the forwarded beacon, the CAPI payload and the rate-limit key), admin off in
// production without a token — plus Caddy's own: the rest of the site left to the shop, the loader
// chunks passed through byte for byte, and what Caddy itself sends upstream, which the README
// states: X-Forwarded-For overwritten unless Caddy's own trusted_proxies names the peer; Forwarded
// and X-Real-IP passed on as the client wrote them.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { caddyAvailability, startCaddy, type Caddy } from '../helpers/caddy'
import { recipeContract } from '../helpers/proxy-recipe'
import { readmeRecipe, visit as visitVia, type Visit } from '../helpers/reverse-proxy'

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

recipeContract(
  {
    name: 'Caddy',
    skip: mode === 'skip',
    env: readmeCaddyRecipe().env,
    start: (upstream) => startCaddy(site(aimed(readmeCaddyRecipe().handle, upstream))),
  },
  (w) => {
    it('takes /tw/ to tagwarden, prefix kept, and leaves the rest of the site to the shop', async () => {
      expect(JSON.parse((await w().visit('127.0.0.5', '/tw/_/health')).body)).toEqual({ status: 'ok' })
      const shop = await w().visit('127.0.0.5', '/products/1')
      expect(shop.status).toBe(200)
      expect(shop.body).toBe(SHOP)
    })

    it('serves the loader, cmp.js and px.js: brotli and gzip passed through as tagwarden made them, plain to a client that takes neither', async () => {
      const tagwarden = { port: Number(new URL(w().server.url).port) }
      for (const path of ['/tw/loader.js', '/tw/cmp.js', '/tw/px.js']) {
        const direct = (acceptEncoding?: string) => visit(tagwarden, '127.0.0.1', path, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} })
        const plain = await direct()
        expect(plain.status, path).toBe(200)
        expect(plain.headers['content-encoding'], path).toBeUndefined()
        if (path === '/tw/loader.js') expect(plain.body).toContain('t:"2612345678901"')
        for (const [acceptEncoding, coding, decode] of [['gzip, deflate, br', 'br', brotliDecompressSync], ['gzip', 'gzip', gunzipSync]] as const) {
          const res = await w().visit('127.0.0.6', path, { headers: { 'accept-encoding': acceptEncoding } })
          expect(res.status, path).toBe(200)
          expect(res.headers['content-type'], path).toMatch(/javascript/)
          expect(res.headers['content-encoding'], `${path} ${acceptEncoding}`).toBe(coding)
          expect(res.headers.vary, path).toBe('accept-encoding')
          expect(res.raw.equals((await direct(acceptEncoding)).raw), `${path} ${acceptEncoding}: the bytes tagwarden sent`).toBe(true)
          expect(decode(res.raw).toString('utf8'), path).toBe(plain.body)
        }
        // Without Accept-Encoding Caddy asks tagwarden for gzip itself and unpacks it: the client gets it plain.
        const identity = await w().visit('127.0.0.6', path)
        expect(identity.status, path).toBe(200)
        expect(identity.headers['content-encoding'], path).toBeUndefined()
        expect(identity.body, path).toBe(plain.body)
      }
    })
  },
)

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
