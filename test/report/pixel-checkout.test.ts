// The Shopify pixel's checkout_completed in the reconciliation report: with SHOPIFY_WEBHOOK_SECRET
// set the pixel's purchase is not sent (the signed order webhook sends it), yet the browser did
// report the order, so it counts under `pixel`, matched and not recovered, whichever of the pixel
// post and the webhook arrives first. Without the secret the pixel's purchase is sent itself and
// counts the same way. Real routes, real delivery to the fake Conversions API.
import { describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import type { Report } from '../../server/report/build-report'
import { derivePixelKey } from '../../server/shopify/pixel-key'
import type { PixelEvent } from '../fakes/shopify-pixel-sandbox'
import { fakeCapiSuite } from '../helpers/fake-capi-suite'
import { ADMIN_TOKEN, buildApp, liveCapi, SECRET } from '../helpers/build-app'
import { snippetPosts, standardEvent } from '../shopify/helpers'
import { NOW_MS, SHOPIFY_SECRET, postShopify, shopifyOrder } from '../webhooks/helpers'

let tw: TagwardenApp
const fake = fakeCapiSuite(() => tw)
const KEY = derivePixelKey({ kid: SECRET.split(':')[0], secret: SECRET.slice(SECRET.indexOf(':') + 1) })
const app = (env: Record<string, string> = {}) => buildApp({ ...liveCapi(fake().url), SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET, ...env }, { now: () => NOW_MS })
/** The orders paid at 23:59:30 (test/webhooks/helpers.ts), the pixel's posts a minute before midnight: one UTC day. */
const DAY = '2025-12-31'

/** The fixture checkout_completed for order `id` and its own checkout token, a minute before the app's clock. */
function completed(id: number): PixelEvent {
  const e = standardEvent('checkout_completed') as PixelEvent & { data: { checkout: Record<string, any> } }
  const checkout = { ...e.data.checkout, token: `tok${id}`, order: { ...e.data.checkout.order, id: `gid://shopify/OrderIdentity/${id}` } }
  return { ...e, id: `sh-completed-${id}`, timestamp: new Date(NOW_MS - 60_000).toISOString(), data: { ...e.data, checkout } }
}

/** What the shipped snippet posts for the checkout_completed of order `id`, from Shopify's sandbox. */
async function pixelCheckout(id: number): Promise<Record<string, unknown>> {
  const { posts } = await snippetPosts([completed(id)], { key: KEY })
  expect(posts).toHaveLength(1)
  const res = await tw.fetch(
    new Request('http://shop.test/tw/shopify/pixel', { method: 'POST', headers: { origin: 'null', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain;charset=UTF-8' }, body: posts[0].init.body as string }),
    { clientAddress: '198.51.100.23' },
  )
  expect(res.status).toBe(202)
  return (await res.json()) as Record<string, unknown>
}

/** The signed orders/paid of order `id` (its checkout token is the pixel's). */
async function orderPaid(id: number): Promise<Record<string, unknown>> {
  const res = await postShopify(tw, { ...shopifyOrder(), id, admin_graphql_api_id: `gid://shopify/Order/${id}`, checkout_token: `tok${id}`, cart_token: null })
  expect(res.status).toBe(200)
  return (await res.json()) as Record<string, unknown>
}

async function report(): Promise<Report> {
  await tw.runtime.dispatcher.flush()
  const res = await tw.fetch(new Request('http://shop.test/tw/_/report?days=2', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }))
  expect(res.status).toBe(200)
  return (await res.json()) as Report
}

describe('the Shopify pixel\'s checkout in the reconciliation report', () => {
  it('with SHOPIFY_WEBHOOK_SECRET: pixel then webhook and webhook then pixel are both browser-reported, matched, not recovered', async () => {
    tw = await app()
    // 1001: the pixel first, then the signed webhook.
    expect(await pixelCheckout(1001)).toMatchObject({ event_id: 'ord_1001', status: 'joined' })
    expect(await orderPaid(1001)).toMatchObject({ event_id: 'ord_1001', status: 'accepted', context: 'joined' })
    // 1002: the webhook first, then the pixel (the thank-you page loaded late).
    expect(await orderPaid(1002)).toMatchObject({ event_id: 'ord_1002', status: 'accepted' })
    expect(await pixelCheckout(1002)).toMatchObject({ event_id: 'ord_1002', status: 'joined', reason: 'the order webhook already counted this order' })
    // 1003: the webhook only (the thank-you page never loaded): the one recovered order.
    await orderPaid(1003)
    // The pixel again for 1001 (a reload): nothing new.
    await pixelCheckout(1001)

    const r = await report()
    const [day, today] = r.daily
    expect(day.date).toBe(DAY)
    expect(day.orders).toEqual({ webhook: 3, browser: 2, matched: 2, webhook_only: 1, browser_only: 0, browser_by_path: { tag: 0, loader: 0, pixel: 2 }, api: 0 })
    const capi = day.destinations['pinterest-capi']
    expect(capi).toMatchObject({ orders_delivered: 3, recovered: 1, orders_suppressed: 0, orders_dead: 0 })
    expect(capi.queued_by_source).toEqual({ webhook: 3 })
    expect(capi.dedup).toEqual({ server_orders: 3, with_browser: 2, coverage: 0.6667 })
    expect(today.orders).toMatchObject({ webhook: 0, browser: 0 })
    expect(r.totals.orders).toEqual(day.orders)
    // Each order went out once, from the webhook.
    for (const id of ['ord_1001', 'ord_1002', 'ord_1003']) expect(fake().countById(id)).toBe(1)
  })

  it('without SHOPIFY_WEBHOOK_SECRET: the pixel\'s checkout is the purchase itself, a browser-only order under `pixel`', async () => {
    tw = await app({ SHOPIFY_WEBHOOK_SECRET: '' })
    expect(await pixelCheckout(1004)).toMatchObject({ event_id: 'ord_1004', status: 'accepted' })
    const [day] = (await report()).daily
    expect(day.orders).toEqual({ webhook: 0, browser: 1, matched: 0, webhook_only: 0, browser_only: 1, browser_by_path: { tag: 0, loader: 0, pixel: 1 }, api: 0 })
    expect(day.destinations['pinterest-capi']).toMatchObject({ orders_delivered: 0, recovered: 0, queued_by_source: { pixel: 1 }, dedup: { server_orders: 0, with_browser: 0, coverage: null } })
    expect(fake().countById('ord_1004')).toBe(1)
  })
})
