// Oversized and cut-off bodies on every POST route: a 413 that names the limit, decided before the
// body is read (declared length) or as soon as the limit is passed (streamed, no length) — the rest
// is never pulled — and nothing stored, queued or sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CTX_BODY_LIMIT } from '../../server/context/ctx-body'
import { EVENTS_BODY_LIMIT } from '../../server/routes/events'
import { FALLBACK_BODY_LIMIT } from '../../server/routes/fallback'
import { BEACON_BODY_LIMIT } from '../../server/routes/pin-beacons'
import { WEBHOOK_BODY_LIMIT } from '../../server/routes/webhooks'
import { signWebhook } from '../../server/webhooks/verify'
import { API_KEY } from '../helpers/build-app'
import { messageOf, settledHeapGrowth, startAbuseEnv, WOO_SECRET, type AbuseEnv } from './helpers'

let env: AbuseEnv
beforeAll(async () => {
  env = await startAbuseEnv()
})
afterAll(() => env.close())

/** A well-formed (but wrong) HMAC header: gets past the shape check, so the body limit is what answers. */
const FAKE_HMAC = signWebhook('not-the-secret', 'x')

/** Every POST route, its documented limit, and the headers that get a request as far as reading the body. */
const ROUTES: { route: string; limit: number; headers: Record<string, string> }[] = [
  { route: '/tw/ctx', limit: CTX_BODY_LIMIT, headers: { 'content-type': 'text/plain' } },
  { route: '/tw/e', limit: FALLBACK_BODY_LIMIT, headers: { 'content-type': 'text/plain' } },
  { route: '/tw/pin/ct/v3/', limit: BEACON_BODY_LIMIT, headers: { 'content-type': 'text/plain' } },
  { route: '/tw/v1/events', limit: EVENTS_BODY_LIMIT, headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` } },
  { route: '/tw/webhooks/shopify', limit: WEBHOOK_BODY_LIMIT, headers: { 'content-type': 'application/json', 'x-shopify-hmac-sha256': FAKE_HMAC, 'x-shopify-topic': 'orders/paid' } },
  { route: '/tw/webhooks/woocommerce', limit: WEBHOOK_BODY_LIMIT, headers: { 'content-type': 'application/json', 'x-wc-webhook-signature': FAKE_HMAC, 'x-wc-webhook-topic': 'order.updated' } },
]

/** A body of `total` bytes in 16 kB chunks, counting how much the server actually pulled. */
function countingStream(total: number) {
  const chunk = new Uint8Array(16 * 1024).fill(0x7b)
  const stats = { pulled: 0 }
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (stats.pulled >= total) return controller.close()
      stats.pulled += chunk.byteLength
      controller.enqueue(chunk)
    },
  })
  return { stream, stats }
}

const post = (route: string, headers: Record<string, string>, body: BodyInit) =>
  env.tw.fetch(new Request(`http://shop.test${route}`, { method: 'POST', headers: { 'user-agent': 'Mozilla/5.0', 'x-forwarded-for': '203.0.113.5', ...headers }, body, duplex: 'half' } as RequestInit))

describe('body limits on every POST route', () => {
  it.each(ROUTES)('$route: a declared Content-Length over $limit bytes → 413 before reading', async ({ route, limit, headers }) => {
    const before = await env.snapshot()
    const { stream, stats } = countingStream(limit + 1)
    const res = await post(route, { ...headers, 'content-length': String(limit + 1) }, stream)
    expect(res.status).toBe(413)
    expect(await messageOf(res)).toBe(`body larger than ${limit} bytes`)
    expect(stats.pulled, 'the body was not read').toBeLessThanOrEqual(64 * 1024)
    expect(await env.snapshot()).toEqual(before)
  })

  it.each(ROUTES)('$route: a streamed body with no length → 413 as soon as it passes $limit bytes', async ({ route, limit, headers }) => {
    const before = await env.snapshot()
    const { stream, stats } = countingStream(limit * 4)
    const res = await post(route, headers, stream)
    expect(res.status).toBe(413)
    expect(await messageOf(res)).toBe(`body larger than ${limit} bytes`)
    // Reading stops at the limit (plus what the stream had buffered ahead): never the whole body.
    expect(stats.pulled).toBeLessThan(limit + 256 * 1024)
    expect(await env.snapshot()).toEqual(before)
  })

  it.each(ROUTES)('$route: a body of exactly $limit bytes is read (and then judged on its content)', async ({ route, limit, headers }) => {
    const res = await post(route, headers, '{'.repeat(limit))
    expect(res.status).not.toBe(413)
    expect(res.status).toBeLessThan(500)
    await res.arrayBuffer()
  })

  it('a body cut off mid-stream → 400 saying so, not a 500', async () => {
    for (const { route, headers } of ROUTES) {
      let sent = 0
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ > 2) return controller.error(new Error('client went away'))
          controller.enqueue(new TextEncoder().encode('{"a":'))
        },
      })
      const res = await post(route, headers, stream)
      expect(res.status, route).toBe(400)
      expect(await messageOf(res)).toBe('request body was cut off before it ended')
    }
  })

  it('callers who are not allowed are refused before their body is read', async () => {
    const cases: [string, Record<string, string>, number][] = [
      ['/tw/v1/events', { 'content-type': 'application/json' }, 401],
      ['/tw/v1/events', { 'content-type': 'application/json', authorization: 'Bearer wrong-key-0123456789' }, 401],
      ['/tw/webhooks/shopify', { 'content-type': 'application/json' }, 401],
      ['/tw/webhooks/shopify', { 'content-type': 'application/json', 'x-shopify-hmac-sha256': 'not base64!' }, 401],
      ['/tw/webhooks/woocommerce', { 'content-type': 'application/json', 'x-wc-webhook-signature': 'c2hvcnQ=' }, 401],
      // Unsigned Woo requests are read only as far as a ping can go (1 kB).
      ['/tw/webhooks/woocommerce', { 'content-type': 'application/json' }, 401],
    ]
    for (const [route, headers, status] of cases) {
      const { stream, stats } = countingStream(WEBHOOK_BODY_LIMIT)
      const res = await post(route, headers, stream)
      expect(res.status, `${route} ${JSON.stringify(headers)}`).toBe(status)
      expect(await messageOf(res)).toMatch(/API key|HMAC/)
      expect(stats.pulled, `${route}: pulled ${stats.pulled} bytes`).toBeLessThanOrEqual(64 * 1024)
    }
    // WooCommerce's own unsigned ping still answers 200.
    const ping = await post('/tw/webhooks/woocommerce', { 'content-type': 'application/x-www-form-urlencoded' }, 'webhook_id=3')
    expect(ping.status).toBe(200)
    const signed = await post('/tw/webhooks/woocommerce', { 'content-type': 'application/json', 'x-wc-webhook-signature': signWebhook(WOO_SECRET, '{}'), 'x-wc-webhook-topic': 'product.updated' }, '{}')
    expect(await signed.json()).toMatchObject({ ok: true, status: 'ignored' })
  })

  it('heap stays flat across oversized requests', async () => {
    const growth = await settledHeapGrowth(async () => {
      for (let i = 0; i < 150; i++) {
        const { route, limit, headers } = ROUTES[i % 3]
        const { stream } = countingStream(limit * 3)
        const res = await post(route, headers, stream)
        expect(res.status).toBe(413)
        await res.arrayBuffer()
      }
    })
    expect(growth, `heap grew ${growth.toFixed(1)} MB over 150 more`).toBeLessThan(1.5)
  })
})
