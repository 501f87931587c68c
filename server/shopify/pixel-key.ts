import { createHmac } from 'node:crypto'
import type { Config, SigningKey } from '../config'

/** Fixed label of the derivation: a new label would be a new key for every shop. */
const LABEL = 'tagwarden shopify pixel key v1'

/**
 * The pixel key derived from one signing key: public (it is in the snippet every shopper loads), so
 * it only says "this post came through the shop's own snippet", never more. Derived with HMAC so it
 * reveals nothing of the signing key, and changes when TAGWARDEN_SECRET is rotated.
 * @example derivePixelKey({ kid: 'k1', secret: '…32+ chars…' }) // 'twpx_k1_9mV…' (32 characters after the prefix)
 */
export const derivePixelKey = (key: SigningKey): string =>
  `twpx_${key.kid.replace(/[^A-Za-z0-9-]/g, '').slice(0, 16)}_${createHmac('sha256', key.secret).update(LABEL).digest('base64url').slice(0, 32)}`

/**
 * The keys the pixel route accepts, the first being the one to paste: TAGWARDEN_SHOPIFY_PIXEL_KEY
 * (comma-separated, new first, so a rotation keeps the old snippet working until it is replaced), else
 * one derived from each signing key (rotating TAGWARDEN_SECRET as `new,old` works the same way).
 */
export function pixelKeys(config: Pick<Config, 'shopifyPixel'>, signingKeys: readonly SigningKey[]): string[] {
  return config.shopifyPixel.keys.length ? config.shopifyPixel.keys : signingKeys.map(derivePixelKey)
}
