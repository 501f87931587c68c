// Webhooks under attack: every body with a bad signature is a 401 that stores nothing and sends
// nothing; correctly signed but malformed orders are a 200 (ignored/ok) or a 400, never a 5xx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signWebhook } from '../../server/webhooks/verify'
import { shopifyOrder, wooOrder } from '../webhooks/helpers'
import { assertJournalSane, createRandom, messageOf, mutate, NASTY, randomValue, SHOPIFY_SECRET, startAbuseEnv, text, WOO_SECRET, type AbuseEnv, type Random } from './helpers'

const ITERATIONS = 250
/** Paid a minute ago, so what gets through is recent enough to be sent, not dead-lettered as too old. */
const PAID = new Date(Date.now() - 60_000).toISOString()
const PAID_GMT = PAID.slice(0, 19)

let env: AbuseEnv
beforeAll(async () => {
  env = await startAbuseEnv()
})
afterAll(() => env.close())

interface Platform { route: string; secret: string; signatureHeader: string; headers: (r: Random) => Record<string, string>; order: () => Record<string, any> }
const PLATFORMS: Platform[] = [
  {
    route: '/tw/webhooks/shopify',
    secret: SHOPIFY_SECRET,
    signatureHeader: 'x-shopify-hmac-sha256',
    headers: (r) => ({ 'x-shopify-topic': r.pick(['orders/paid', 'orders/paid', 'orders/create', 'app/uninstalled', '']), 'x-shopify-webhook-id': `wh-${r.int(1e9)}` }),
    order: () => ({ ...shopifyOrder(), processed_at: PAID, created_at: PAID, updated_at: PAID }),
  },
  {
    route: '/tw/webhooks/woocommerce',
    secret: WOO_SECRET,
    signatureHeader: 'x-wc-webhook-signature',
    headers: (r) => ({ 'x-wc-webhook-topic': r.pick(['order.updated', 'order.created', 'product.updated', '']), 'x-wc-webhook-delivery-id': `d-${r.int(1e9)}` }),
    order: () => ({ ...wooOrder(), date_paid_gmt: PAID_GMT, date_created_gmt: PAID_GMT, date_modified_gmt: PAID_GMT }),
  },
]

/** Signatures that must all fail: missing, malformed, another secret, another body, near misses. */
function badSignature(r: Random, p: Platform, body: string): string | undefined {
  const good = signWebhook(p.secret, body)
  const cases = [
    () => undefined,
    () => '',
    () => signWebhook('wrong-secret-0123456789', body),
    () => signWebhook(p.secret, `${body} `),
    () => signWebhook(p.secret, body.slice(0, -1)),
    () => signWebhook(p.secret.toUpperCase(), body),
    // Same digest bytes, non-canonical last character (base64's unused low bits).
    () => good.slice(0, -2) + String.fromCharCode(good.charCodeAt(42) ^ 1) + '=',
    () => good.replace(/[a-z]/, (c) => c.toUpperCase()),
    () => Buffer.from(good, 'base64').toString('hex'),
    () => `sha256=${good}`,
    () => `${good}, ${good}`,
    () => `${good}${good}`,
    () => good.slice(0, 43),
    () => Buffer.alloc(32).toString('base64'),
    () => r.string(60).replace(/[^\x20-\x7e]/g, 'a'),
    () => 'A'.repeat(10_000),
  ]
  return r.pick(cases)()
}

const send = (p: Platform, body: string, headers: Record<string, string>) =>
  env.tw.fetch(new Request(`http://shop.test${p.route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }))

describe('webhooks with bad signatures', () => {
  it.each(PLATFORMS)(`$route: ${ITERATIONS} bodies with bad signatures → 401, nothing stored, queued or sent`, async (p) => {
    const r = createRandom(p.route.length * 7919)
    const before = await env.snapshot()
    for (let i = 0; i < ITERATIONS; i++) {
      const body = r.chance(0.6) ? JSON.stringify(mutate(p.order(), [r.pick(['id', 'email', 'line_items', 'status', 'total_price'])], randomValue(r, 2))) : text(randomValue(r, 3))
      const signature = badSignature(r, p, body)
      const res = await send(p, body, { ...p.headers(r), ...(signature === undefined ? {} : { [p.signatureHeader]: signature }) })
      expect(res.status, `#${i} ${JSON.stringify(signature)?.slice(0, 60)}`).toBe(401)
      expect(await messageOf(res)).toMatch(/HMAC-SHA256/)
    }
    await env.tw.runtime.dispatcher.flush()
    expect(await env.snapshot()).toEqual(before)
  })
})

describe('correctly signed, malformed orders', () => {
  it.each(PLATFORMS)(`$route: ${ITERATIONS} mutated orders → 200 or a 400 with a message, never a 5xx`, async (p) => {
    const r = createRandom(p.route.length * 104729)
    const sentBefore = env.capi.received.length
    const paths = [['id'], ['email'], ['currency'], ['total_price'], ['subtotal_price'], ['total'], ['status'], ['date_paid_gmt'], ['processed_at'], ['created_at'], ['browser_ip'], ['customer_ip_address'],
      ['client_details'], ['client_details', 'user_agent'], ['cart_token'], ['checkout_token'], ['cart_hash'], ['landing_site'], ['note_attributes'], ['meta_data'], ['customer'], ['billing_address'],
      ['billing'], ['billing', 'email'], ['billing', 'country'], ['line_items'], ['line_items', '0', 'price'], ['line_items', '0', 'quantity'], ['line_items', '0', 'product_id'], ['line_items', '0', 'sku']]
    for (let i = 0; i < ITERATIONS; i++) {
      let order: unknown = { ...p.order(), id: 9_000_000 + i, admin_graphql_api_id: `gid://shopify/Order/${9_000_000 + i}` }
      for (let k = 1 + r.int(3); k > 0; k--) order = mutate(order, r.pick(paths), r.chance(0.5) ? r.pick(NASTY) : randomValue(r, 2))
      const body = JSON.stringify(order)
      const res = await send(p, body, { ...p.headers(r), [p.signatureHeader]: signWebhook(p.secret, body) })
      if (![200, 400].includes(res.status)) throw new Error(`#${i} answered ${res.status}: ${await res.text()}`)
      if (res.status === 400) expect(await messageOf(res)).toBeTruthy()
      else await res.arrayBuffer()
    }
    await env.tw.runtime.dispatcher.flush()
    assertJournalSane(env.tw)
    expect(env.capi.requests.filter((q) => q.status !== 200).map((q) => JSON.stringify(q.body).slice(0, 300))).toEqual([])
    expect(env.capi.received.length - sentBefore, 'some mutated orders were still valid purchases').toBeGreaterThan(10)
  })

  it('a replayed delivery is answered once and counted once', async () => {
    const p = PLATFORMS[0]
    const body = JSON.stringify({ ...p.order(), id: 7_777_777, admin_graphql_api_id: 'gid://shopify/Order/7777777' })
    const headers = { 'x-shopify-topic': 'orders/paid', 'x-shopify-webhook-id': 'replayed-1', [p.signatureHeader]: signWebhook(p.secret, body) }
    const answers = await Promise.all(Array.from({ length: 20 }, () => send(p, body, headers).then((res) => res.json() as Promise<{ status: string }>)))
    expect(answers.filter((a) => a.status === 'accepted').length).toBeLessThanOrEqual(1)
    await env.tw.runtime.dispatcher.flush()
    expect(env.capi.countById('ord_7777777')).toBe(1)
  })
})
