import { describe, expect, it } from 'vitest'
import { createHmac } from 'node:crypto'
import { buildCheckoutEvent, epikFrom, orderEventId, parseTime } from '../../server/webhooks/order-event'
import { shopifyOrderFacts, shopifyOrderId, shopifyOrderSchema, shopifyValue } from '../../server/webhooks/shopify'
import { signWebhook, verifyWebhook } from '../../server/webhooks/verify'
import { wooOrderFacts, wooOrderSchema, wooOrderState } from '../../server/webhooks/woocommerce'
import { shopifyOrder, wooOrder } from './helpers'

describe('webhook signatures', () => {
  const body = '{"id":450789469,"note":"caf\u00e9"}'
  const secret = 'shpss_test_0123456789abcdef'
  it('is the base64 HMAC-SHA256 of the raw UTF-8 body, compared in constant time', () => {
    const expected = createHmac('sha256', secret).update(Buffer.from(body, 'utf8')).digest('base64')
    expect(signWebhook(secret, body)).toBe(expected)
    expect(verifyWebhook(expected, secret, body)).toBe(true)
    expect(verifyWebhook(` ${expected} `, secret, body)).toBe(true)
    expect(verifyWebhook(expected, secret, `${body} `)).toBe(false)
    expect(verifyWebhook(expected, 'another-secret', body)).toBe(false)
    expect(verifyWebhook(expected.slice(0, 20), secret, body)).toBe(false)
    expect(verifyWebhook('', secret, body)).toBe(false)
    expect(verifyWebhook(undefined, secret, body)).toBe(false)
    expect(verifyWebhook('%%%', secret, body)).toBe(false)
  })
})

describe('order → checkout mapping', () => {
  it('fills the event_id template the thank-you page uses', () => {
    expect(orderEventId('ord_{order_id}', 450789469)).toBe('ord_450789469')
    expect(orderEventId('shop1-{order_id}', ' 727 ')).toBe('shop1-727')
    expect(orderEventId('ord_{order_id}', '$&1')).toBe('ord_$&1') // no replacement patterns
  })

  it('reads the Shopify order id from admin_graphql_api_id, so ids beyond 2^53 survive', () => {
    const order = shopifyOrderSchema.parse({ id: 820982911946154500, admin_graphql_api_id: 'gid://shopify/Order/820982911946154508' })
    expect(shopifyOrderId(order)).toBe('820982911946154508')
    expect(shopifyOrderId(shopifyOrderSchema.parse({ id: 6004604174410 }))).toBe('6004604174410')
  })

  it('takes line-item taxes out of the subtotal when Shopify prices include tax', () => {
    const order = shopifyOrderSchema.parse({ ...shopifyOrder(), taxes_included: true })
    expect(shopifyValue(order, 'subtotal')).toBe(585.06)
    expect(shopifyValue(shopifyOrderSchema.parse(shopifyOrder()), 'subtotal')).toBe(597)
  })

  it('never dates an order in the future and ignores the unspecified IP of the docs sample', () => {
    const facts = shopifyOrderFacts(shopifyOrderSchema.parse({ ...shopifyOrder(), processed_at: '2030-01-01T00:00:00Z' }), 'subtotal')
    expect(facts.ip).toBe('0.0.0.0')
    const now = Date.UTC(2026, 0, 1)
    expect(buildCheckoutEvent(facts, { eventIdTemplate: 'ord_{order_id}', contentId: 'product_id' }, now).time).toBe(now / 1000)
  })

  it('counts a WooCommerce order as paid only when it is', () => {
    const paid = (status: string, date_paid_gmt: string | null = null) => wooOrderState({ status, date_paid_gmt }) === 'paid'
    expect(paid('processing')).toBe(true)
    expect(paid('completed')).toBe(true)
    expect(paid('shipped', '2017-03-22T19:28:08')).toBe(true) // a custom status after payment
    for (const s of ['pending', 'failed', 'on-hold', 'cancelled', 'refunded', 'checkout-draft']) expect(paid(s, '2017-03-22T19:28:08')).toBe(false)
    expect(paid('shipped')).toBe(false)
  })

  it('maps the WooCommerce order with the content id policy, falling back when the preferred id is missing', () => {
    const order = wooOrderSchema.parse(wooOrder())
    const opts = (contentId: 'sku' | 'product_id' | 'variant_id') => ({ eventIdTemplate: 'ord_{order_id}', contentId })
    const now = Date.UTC(2026, 0, 1)
    expect(buildCheckoutEvent(wooOrderFacts(order, 'subtotal'), opts('sku'), now).custom.content_ids).toEqual(['93', 'Bar3'])
    expect(buildCheckoutEvent(wooOrderFacts(order, 'subtotal'), opts('variant_id'), now).custom.content_ids).toEqual(['93', '23'])
    expect(buildCheckoutEvent(wooOrderFacts(order, 'total'), opts('product_id'), now).custom.value).toBe(29.35)
  })

  it('reads WooCommerce *_gmt times as UTC and finds epik in absolute or path-only URLs', () => {
    expect(parseTime('2017-03-22T19:28:08')).toBe(Date.UTC(2017, 2, 22, 19, 28, 8))
    expect(parseTime('2008-01-10T11:00:00-05:00')).toBe(Date.UTC(2008, 0, 10, 16))
    expect(parseTime('not a date')).toBeUndefined()
    expect(epikFrom('/?epik=abc')).toBe('abc')
    expect(epikFrom('http://www.example.com?source=abc')).toBeUndefined()
  })
})
