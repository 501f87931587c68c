import { z } from 'zod'
import { consentSignalsSchema } from '../event'
import { FB_COOKIE } from './meta-cookies'

/** An opaque click or browser id as Pinterest sets it: printable ASCII, no spaces. */
export const opaqueId = (max: number) => z.string().regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces').max(max)
/** SHA-256 hex (64 hex digits); stored lowercase. */
export const sha256Hex = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256 hex digest (64 hex digits)').transform((s) => s.toLowerCase())

/** Where the loader found the epik: the URL parameter beats the `_epik` cookie, then `_derived_epik`. */
export const EPIK_SOURCES = ['url', 'cookie', 'derived'] as const

/** Cart/checkout tokens that join an order webhook to this browser. */
export const cartTokensSchema = z.object({
  id: opaqueId(256).optional(),
  token: opaqueId(256).optional(),
  checkout_token: opaqueId(256).optional(),
})
export type CartTokens = z.infer<typeof cartTokensSchema>

/**
 * The claims of the tw_ctx cookie (docs/design.md "The context cookie"): a random visitor id, first-seen time, the epik and
 * when it was captured, Meta's and TikTok's click and browser ids, the consent snapshot, cart/checkout tokens and — only if enhanced match
 * supplied it — the SHA-256 of the email. Never raw PII. Times are unix seconds.
 */
export const contextClaimsSchema = z.object({
  vid: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  first_seen: z.number().int().positive(),
  epik: opaqueId(1024).optional(),
  epik_at: z.number().int().positive().optional(),
  epik_src: z.enum(EPIK_SOURCES).optional(),
  /** Pinterest's `_pin_unauth` first-party id; hashed into `external_id` like Pinterest's own integrations do. */
  pin_unauth: opaqueId(256).optional(),
  /** Meta's `fbc` (from a landing `fbclid` or the `_fbc` cookie) and `fbp` (`_fbp`), sent to Meta only (docs/meta-capi.md §7). */
  fbc: z.string().regex(FB_COOKIE).optional(),
  fbp: z.string().regex(FB_COOKIE).optional(),
  /** TikTok's click id from a landing URL and its `_ttp` browser id, sent to TikTok only (docs/tiktok-events.md §9). */
  ttclid: opaqueId(512).optional(),
  ttp: opaqueId(256).optional(),
  consent: consentSignalsSchema.optional(),
  cart: cartTokensSchema.optional(),
  em: sha256Hex.optional(),
})
export type ContextClaims = z.infer<typeof contextClaimsSchema>

/** The cart tokens of a context, as a list for the cart store. */
export const cartTokenList = (cart: CartTokens | undefined): string[] =>
  cart ? [cart.id, cart.token, cart.checkout_token].filter((t): t is string => !!t) : []
