// Mounting: the routes are defined without the prefix and mounted at it (h3 `mount`), so the
// standalone server, an h3 host, an Express app (`app.use('/tw', tw.nodeHandler)`, behind
// `express.json()` too) and a fetch-style host that hands in the client address all serve the same routes.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { H3, toNodeHandler } from 'h3'
import { afterEach, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { hostMountPath } from '../../server/http/node-handler'
import { signWebhook } from '../../server/webhooks/verify'
import { API_KEY } from '../helpers/build-app'
import { buildTagApp, UA } from '../tag/build'
import { GRANTED, NOW_MS, SHOPIFY_SECRET, shopifyOrder } from '../webhooks/helpers'

let tw: TagwardenApp | undefined
let server: Server | undefined
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)))
  await tw?.close(0)
  server = tw = undefined
})

const app = (env: Record<string, string> = {}) =>
  buildTagApp({ TAGWARDEN_API_KEYS: API_KEY, SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET, ...env }, { now: () => NOW_MS })

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler)
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** What the loader sends: text/plain JSON from the shop's own page. */
const browserPost = (base: string, path: string, body: unknown) =>
  fetch(base + path, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8', origin: base, 'sec-fetch-site': 'same-origin', 'user-agent': UA }, body: JSON.stringify(body) })

const events = (base: string, body: string) =>
  fetch(`${base}/tw/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }, body })

const EVENT = { event_name: 'page_visit', event_id: 'mount-1', event_time: NOW_MS / 1000, action_source: 'web', event_source_url: 'https://shop.example.com/', user_data: { client_ip_address: '203.0.113.7', client_user_agent: UA }, consent: GRANTED }

function shopify(base: string, raw = JSON.stringify(shopifyOrder())) {
  return fetch(`${base}/tw/webhooks/shopify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/paid', 'x-shopify-webhook-id': `mount-${Math.random()}`, 'x-shopify-shop-domain': 'jsmith.myshopify.com', 'x-shopify-hmac-sha256': signWebhook(SHOPIFY_SECRET, raw) },
    body: raw,
  })
}

describe('Express: app.use("/tw", tw.nodeHandler)', () => {
  it('behind express.json(): beacon, /ctx, /e and the events API work; the host keeps its own routes', async () => {
    tw = await app()
    const host = express()
    host.use(express.json())
    host.use('/tw', tw.nodeHandler)
    host.get('/hello', (_req, res) => void res.send('the host'))
    const base = await listen(host)

    expect(await (await fetch(`${base}/hello`)).text()).toBe('the host')
    expect(await (await fetch(`${base}/tw/_/health`)).json()).toMatchObject({ status: 'ok' })
    expect((await fetch(`${base}/tw/loader.js`)).headers.get('content-type')).toMatch(/javascript/)

    const ctx = await browserPost(base, '/tw/ctx', { epik: 'dj0yJnU9mounted', epik_src: 'url', consent: GRANTED })
    expect(ctx.status).toBe(200)
    // The body was read: the click id it carried is kept first-party.
    expect(ctx.headers.getSetCookie().join('\n')).toMatch(/^_epik=dj0yJnU9mounted;/m)
    const fallback = await browserPost(base, '/tw/e', [{ event: 'pagevisit', ed: {}, ad: { loc: `${base}/` } }])
    expect(fallback.status).toBe(202)
    const beacon = await fetch(`${base}/tw/pin/ct/v3/?event=pagevisit&tid=2612345678901&cb=1`, { headers: { 'user-agent': UA } })
    expect(beacon.headers.get('content-type')).toBe('image/gif')

    // express.json() consumed this body; the parsed object is used (no integer JSON.parse could have rounded).
    const res = await events(base, JSON.stringify({ data: [EVENT] }))
    expect(res.status).toBe(202)
    expect(await res.json()).toMatchObject({ accepted: 1 })
  })

  it('behind express.json(): a body whose exact bytes are gone is refused with a 503 naming the fix, never misread', async () => {
    tw = await app()
    const host = express().use(express.json()).use('/tw', tw.nodeHandler)
    const base = await listen(host)

    // A signature is over the bytes: a re-serialised object would never verify.
    const hook = await shopify(base)
    expect(hook.status).toBe(503)
    expect((await hook.json()).message).toMatch(/already read by a body parser.*mount tagwarden before the body parser/)
    // An id beyond 2^53 − 1 was already rounded by JSON.parse.
    const big = await events(base, JSON.stringify({ data: [EVENT] }).replace('"mount-1"', '"mount-2"').replace('"page_visit"', '"checkout"').replace('"consent"', '"custom_data":{"order_id":820982911946154508},"consent"'))
    expect(big.status).toBe(503)
  })

  it('mounted before express.json(), a signed Shopify webhook verifies over its raw bytes', async () => {
    tw = await app()
    const host = express().use('/tw', tw.nodeHandler).use(express.json())
    const base = await listen(host)
    const hook = await shopify(base)
    expect(hook.status).toBe(200)
    expect(await hook.json()).toMatchObject({ ok: true, status: 'accepted' })
  })

  it('behind a parser that keeps the raw bytes (verify → req.rawBody), the webhook verifies too', async () => {
    tw = await app()
    const host = express()
    host.use(express.json({ verify: (req, _res, buf) => void ((req as unknown as { rawBody: Buffer }).rawBody = buf) }))
    host.use('/tw', tw.nodeHandler)
    const base = await listen(host)
    expect((await shopify(base)).status).toBe(200)
    // A tampered body with the old signature still fails: the kept bytes are what is verified.
    const raw = JSON.stringify(shopifyOrder())
    const tampered = await fetch(`${base}/tw/webhooks/shopify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/paid', 'x-shopify-webhook-id': 'mount-tampered', 'x-shopify-hmac-sha256': signWebhook(SHOPIFY_SECRET, raw) },
      body: raw.replace('"total_price":"', '"total_price":"1'),
    })
    expect(tampered.status).toBe(401)
  })

  it('the plain-path form app.use(tw.nodeHandler) serves the prefix as before', async () => {
    tw = await app()
    const base = await listen(express().use(tw.nodeHandler))
    expect(await (await fetch(`${base}/tw/_/health`)).json()).toMatchObject({ status: 'ok' })
  })

  it('mounted at a path other than TAGWARDEN_PREFIX: every request answers the fix', async () => {
    tw = await app()
    const base = await listen(express().use('/track', tw.nodeHandler))
    const res = await fetch(`${base}/track/_/health`)
    expect(res.status).toBe(500)
    expect((await res.json()).message).toContain('mounted at /track but TAGWARDEN_PREFIX is /tw')
  })

  it('reads the mount path the way Express and Connect leave it', () => {
    const req = (o: Record<string, string>) => o as never
    expect(hostMountPath(req({ url: '/ctx', baseUrl: '/tw', originalUrl: '/tw/ctx' }))).toBe('/tw')
    expect(hostMountPath(req({ url: '/tw/ctx', baseUrl: '', originalUrl: '/tw/ctx' }))).toBeUndefined()
    expect(hostMountPath(req({ url: '/ctx?a=1', originalUrl: '/tw/ctx?a=1' }))).toBe('/tw')
    expect(hostMountPath(req({ url: '/', originalUrl: '/tw' }))).toBe('/tw')
    expect(hostMountPath(req({ url: '/tw/ctx' }))).toBeUndefined()
  })
})

describe('h3 host and prefix-less routes', () => {
  it('tw.routes has no prefix; an h3 host mounts it at the prefix', async () => {
    tw = await app()
    expect((await tw.routes.fetch(new Request('http://shop.test/_/health'))).status).toBe(200)
    expect((await tw.routes.fetch(new Request('http://shop.test/tw/_/health'))).status).toBe(404)
    const host = new H3().mount('/tw', tw.routes)
    host.get('/', () => 'the host')
    const base = await listen(toNodeHandler(host))
    expect(await (await fetch(`${base}/`)).text()).toBe('the host')
    expect(await (await fetch(`${base}/tw/_/health`)).json()).toMatchObject({ status: 'ok' })
    // Guards (here the origin check) travel with the mounted routes.
    const cross = await fetch(`${base}/tw/ctx`, { method: 'POST', headers: { 'content-type': 'text/plain', origin: 'https://elsewhere.example' }, body: '{}' })
    expect(cross.status).toBe(403)
  })
})

describe('fetch-style host that hands in the client address', () => {
  // Like Hono's or srvx's Node adapter: the host turns the Node request into a web Request and
  // passes the socket's address, which TAGWARDEN_TRUSTED_PROXIES then judges.
  async function fetchHost(t: TagwardenApp, clientAddress: (socketIp: string) => string | undefined) {
    return listen(async (req, res) => {
      const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers: req.headers as Record<string, string> })
      const response = await t.fetch(request, { clientAddress: clientAddress(req.socket.remoteAddress!) })
      res.writeHead(response.status, Object.fromEntries(response.headers))
      res.end(Buffer.from(await response.arrayBuffer()))
    })
  }
  const beacon = (base: string, headers: Record<string, string> = {}) => fetch(`${base}/tw/pin/ct/v3/?event=pagevisit&tid=2612345678901`, { headers: { 'user-agent': UA, ...headers } })

  it('the address it hands in is the client the rate limit counts; forwarding headers count only from a trusted peer', async () => {
    tw = await app({ TAGWARDEN_RATE_LIMIT: '1/hour', TAGWARDEN_TRUSTED_PROXIES: 'loopback' })
    const base = await fetchHost(tw, (ip) => ip)
    // The peer is loopback, trusted: each X-Forwarded-For client has its own budget.
    expect((await beacon(base, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(200)
    expect((await beacon(base, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(429)
    expect((await beacon(base, { 'x-forwarded-for': '198.51.100.2' })).status).toBe(200)
  })

  it('an untrusted handed-in peer is the client, whatever header it sends', async () => {
    tw = await app({ TAGWARDEN_RATE_LIMIT: '1/hour', TAGWARDEN_TRUSTED_PROXIES: 'loopback' })
    const base = await fetchHost(tw, () => '192.0.2.50')
    expect((await beacon(base, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(200)
    expect((await beacon(base, { 'x-forwarded-for': '198.51.100.9' })).status).toBe(429)
  })
})
