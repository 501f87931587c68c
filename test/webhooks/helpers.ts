import { readFileSync } from 'node:fs'
import type { TagwardenApp } from '../../server/app'
import { signWebhook } from '../../server/webhooks/verify'

export const SHOPIFY_SECRET = 'shpss_test_0123456789abcdef'
export const WOO_SECRET = 'woo_test_secret_0123456789'
/** 2026-01-01T00:00:00Z, the app's clock in these tests. */
export const NOW_MS = 1_767_225_600_000
export const GRANTED = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted' } as const
/** The click id of docs/pinterest-capi.md "Worked example" (an `epik` value). */
export const EPIK = 'dj0yJnU9b2JDcFFHekV4SHJNcmVrbFBkUEdqakh0akdUT1VjVVUmcD0yJm49cnNBQ3F2Q2dOVDBXWWhkWklrUGxBUSZ0PUFBQUFBR1BaY3Bv'
export const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

const fixture = (name: string) => readFileSync(new URL(`../fixtures/webhooks/${name}`, import.meta.url), 'utf8')

/**
 * When the orders in these tests were paid: 30 s before the app's clock, as for a live delivery.
 * The docs' own dates (2008, 2017) are older than Pinterest accepts, so delivery would dead-letter them.
 */
export const PAID_AT_S = NOW_MS / 1000 - 30
const PAID_SHOPIFY = '2025-12-31T18:59:30-05:00'
const PAID_WOO_GMT = '2025-12-31T23:59:30'

/** A fresh copy of the documented Shopify order (test/fixtures/webhooks/README.md), paid at {@link PAID_AT_S}. */
export const shopifyOrder = (): Record<string, any> => ({
  ...JSON.parse(fixture('shopify-order.json')),
  created_at: PAID_SHOPIFY,
  processed_at: PAID_SHOPIFY,
  updated_at: PAID_SHOPIFY,
})
/** A fresh copy of the documented WooCommerce order, paid at {@link PAID_AT_S}. */
export const wooOrder = (): Record<string, any> => ({
  ...JSON.parse(fixture('woocommerce-order.json')),
  date_created_gmt: PAID_WOO_GMT,
  date_modified_gmt: PAID_WOO_GMT,
  date_paid_gmt: PAID_WOO_GMT,
})

let seq = 0
/** A Shopify delivery: signed body plus the headers Shopify sends. */
export function postShopify(
  tw: TagwardenApp,
  body: unknown,
  opts: { topic?: string; webhookId?: string; hmac?: string | null; secret?: string } = {},
): Promise<Response> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body)
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-shopify-topic': opts.topic ?? 'orders/paid',
    'x-shopify-webhook-id': opts.webhookId ?? `b54557e4-bdd9-4b37-8a5f-bf7d70bcd${String(++seq).padStart(3, '0')}`,
    'x-shopify-shop-domain': 'jsmith.myshopify.com',
    'x-shopify-api-version': '2024-01',
  }
  const hmac = opts.hmac === undefined ? signWebhook(opts.secret ?? SHOPIFY_SECRET, raw) : opts.hmac
  if (hmac !== null) headers['x-shopify-hmac-sha256'] = hmac
  return tw.fetch(new Request('http://shop.test/tw/webhooks/shopify', { method: 'POST', headers, body: raw }))
}

/** A WooCommerce delivery: signed body plus the X-WC-Webhook-* headers of WC_Webhook::deliver. */
export function postWoo(
  tw: TagwardenApp,
  body: unknown,
  opts: { topic?: string; deliveryId?: string; signature?: string | null } = {},
): Promise<Response> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body)
  const topic = opts.topic ?? 'order.updated'
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'WooCommerce/8.9.1 Hookshot (WordPress/6.5.3)',
    'x-wc-webhook-source': 'https://example.com/',
    'x-wc-webhook-topic': topic,
    'x-wc-webhook-resource': topic.split('.')[0],
    'x-wc-webhook-event': topic.split('.')[1] ?? '',
    'x-wc-webhook-id': '3',
    'x-wc-webhook-delivery-id': opts.deliveryId ?? `36e520ebabc2fa725092ff4a47ace${String(++seq).padStart(3, '0')}`,
  }
  const signature = opts.signature === undefined ? signWebhook(WOO_SECRET, raw) : opts.signature
  if (signature !== null) headers['x-wc-webhook-signature'] = signature
  return tw.fetch(new Request('http://shop.test/tw/webhooks/woocommerce', { method: 'POST', headers, body: raw }))
}

/** Every storage key under a prefix (to prove a refused request stored nothing). */
export const keysUnder = (tw: TagwardenApp, prefix: string): Promise<string[]> => tw.runtime.store.storage.getKeys(prefix)
