import type { Storage } from 'unstorage'

/** A set of keys with an expiry, on the shared storage: webhook deliveries and orders already counted. */
export interface WebhookLedger {
  has(key: string): Promise<boolean>
  add(key: string): Promise<void>
}

/** Webhook delivery ids are remembered 48 h: Shopify redelivers a failed webhook for hours (shopify.dev "Troubleshooting webhooks"), with a day of margin on top. */
export const DELIVERY_TTL_MS = 48 * 3600 * 1000

/**
 * Orders already turned into a purchase are remembered 35 days, longer than the pipeline's 48 h
 * idempotency: a WooCommerce order goes processing → completed days later and every status change
 * is another `order.updated` delivery of a paid order.
 */
export const ORDER_TTL_MS = 35 * 24 * 3600 * 1000

/**
 * Keys under `prefix`, each stored with the time it was added; an entry older than `ttlMs` reads as
 * absent (drivers without native expiry keep it until overwritten; Redis drops it itself).
 * @example const seen = createWebhookLedger(storage, 'wh:delivery:shopify', DELIVERY_TTL_MS)
 */
export function createWebhookLedger(storage: Storage, prefix: string, ttlMs: number, now: () => number = Date.now): WebhookLedger {
  const keyOf = (key: string) => `${prefix}:${encodeURIComponent(key.trim()).slice(0, 300)}`
  return {
    async has(key) {
      const at = await storage.getItem<number>(keyOf(key))
      return typeof at === 'number' && now() - at < ttlMs
    },
    async add(key) {
      await storage.setItem(keyOf(key), now(), { ttl: Math.ceil(ttlMs / 1000) })
    },
  }
}
