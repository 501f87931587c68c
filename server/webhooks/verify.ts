import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Base64 HMAC-SHA256 of a webhook body, the signature both platforms send: Shopify in
 * `X-Shopify-Hmac-Sha256` ("a base64-encoded HMAC-SHA256 of the raw request body", shopify.dev
 * "Verify webhooks"), WooCommerce in `X-WC-Webhook-Signature` (`base64_encode(hash_hmac('sha256',
 * $payload, $secret, true))`, woocommerce `WC_Webhook::generate_signature`).
 * @example signWebhook('secret', '{"id":1}') // 'q0o…='
 */
export const signWebhook = (secret: string, body: string): string =>
  createHmac('sha256', secret).update(body, 'utf8').digest('base64')

/**
 * Constant-time check of a base64 signature header against the body. The body is the text exactly
 * as read: valid UTF-8 round-trips byte for byte, and a body that is not UTF-8 cannot verify (both
 * platforms send UTF-8 JSON). Missing, malformed or wrong-length headers are simply false.
 * @example verifyWebhook(req.headers.get('x-shopify-hmac-sha256'), secret, raw)
 */
export function verifyWebhook(header: string | null | undefined, secret: string, body: string): boolean {
  const value = header?.trim()
  if (!value || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false
  // The text is compared, not the decoded bytes: base64 has unused bits in its last character, so
  // several spellings decode to the same digest; only the canonical one (what both platforms send) passes.
  const presented = Buffer.from(value, 'latin1')
  const expected = Buffer.from(createHmac('sha256', secret).update(body, 'utf8').digest('base64'), 'latin1')
  return presented.length === expected.length && timingSafeEqual(presented, expected)
}
