import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig, redactConfig } from '../../server/config'

describe('webhook configuration', () => {
  it('defaults to orders/paid, the pre-tax pre-shipping subtotal and product ids', () => {
    const c = parseConfig({ TAGWARDEN_STORAGE: 'memory:' })
    expect(c.webhooks).toEqual({ shopifySecret: undefined, woocommerceSecret: undefined, shopifyPurchaseTopic: 'orders/paid', orderValue: 'subtotal', contentId: 'product_id' })
    expect(c.eventIdTemplate).toBe('ord_{order_id}')
  })

  it('lists every bad value with the variable name, and never prints the secrets', () => {
    let problems: string[] = []
    try {
      parseConfig({ SHOPIFY_PURCHASE_TOPIC: 'orders/updated', TAGWARDEN_ORDER_VALUE: 'gross', TAGWARDEN_CONTENT_ID: 'gtin' })
    } catch (error) {
      problems = (error as ConfigError).problems
    }
    expect(problems.join('\n')).toMatch(/SHOPIFY_PURCHASE_TOPIC must be "orders\/paid" or "orders\/create"/)
    expect(problems.join('\n')).toMatch(/TAGWARDEN_ORDER_VALUE must be "subtotal"/)
    expect(problems.join('\n')).toMatch(/TAGWARDEN_CONTENT_ID must be "sku", "product_id" or "variant_id"/)

    const c = parseConfig({ TAGWARDEN_STORAGE: 'memory:', SHOPIFY_WEBHOOK_SECRET: 'shpss_12345678', SHOPIFY_PURCHASE_TOPIC: 'orders/create' })
    expect(JSON.stringify(redactConfig(c))).not.toContain('shpss_12345678')
    expect((redactConfig(c) as any).webhooks).toMatchObject({ shopifySecret: '<set>', shopifyPurchaseTopic: 'orders/create' })
  })
})
