import { z } from 'zod'
import { consentSignalsSchema } from '../event'

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

/** The claims the context itself is made of; every other claim is a declared browser id (context/browser-ids.ts). */
const coreClaimsSchema = z.object({
  vid: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  first_seen: z.number().int().positive(),
  epik: opaqueId(1024).optional(),
  epik_at: z.number().int().positive().optional(),
  epik_src: z.enum(EPIK_SOURCES).optional(),
  /** Pinterest's `_pin_unauth` first-party id; hashed into `external_id` like Pinterest's own integrations do. */
  pin_unauth: opaqueId(256).optional(),
  consent: consentSignalsSchema.optional(),
  cart: cartTokensSchema.optional(),
  em: sha256Hex.optional(),
})
/** The claim names of the context itself: no browser id may be declared under one of them. */
export const CORE_CLAIMS: readonly string[] = Object.keys(coreClaimsSchema.shape)
/** The claims of the epik, Pinterest's click id, kept apart (its source ranks it: merge.ts). */
const EPIK_CLAIMS = ['epik', 'epik_at', 'epik_src'] as const

/** A browser id claim as signed: a short name, printable ASCII; whether it is valid is its declaration's word, where it is used. */
const ID_CLAIM_NAME = /^[A-Za-z_][\w-]{0,31}$/
const ID_CLAIM_VALUE = /^[\x21-\x7e]{1,1024}$/
/** Registered JWT claims (RFC 7519 §4.1): the signer's, never a browser id. */
const JWT_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'])

/**
 * The claims of the tw_ctx cookie (docs/design.md "The context cookie"): a random visitor id, first-seen time, the epik and
 * when it was captured, the consent snapshot, cart/checkout tokens and — only if enhanced match
 * supplied it — the SHA-256 of the email; never raw PII. Times are unix seconds. Besides these,
 * each click or browser id a destination declares, under its declared claim name (Meta's `fbc`
 * and `fbp`, TikTok's `ttclid` and `ttp`: the names cookies issued before declarations carry too).
 */
export const contextClaimsSchema = coreClaimsSchema.catchall(z.unknown()).transform((claims): ContextClaims => {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(claims)) {
    if (CORE_CLAIMS.includes(k)) out[k] = v
    else if (typeof v === 'string' && ID_CLAIM_NAME.test(k) && !JWT_CLAIMS.has(k) && ID_CLAIM_VALUE.test(v)) out[k] = v
  }
  return out as ContextClaims
})
/** The context: its own claims, typed, and declared browser ids by claim name (read them with `claimed`: context/browser-ids.ts). */
export type ContextClaims = z.infer<typeof coreClaimsSchema> & { [idClaim: string]: unknown }

/** Remove every click and browser id from a context: the epik and every id claim (an explicit "no" to ad storage, README "Consent"). */
export function dropClickIds(claims: ContextClaims): void {
  for (const k of EPIK_CLAIMS) delete claims[k]
  for (const k in claims) if (!CORE_CLAIMS.includes(k)) delete claims[k]
}

/** The cart tokens of a context, as a list for the cart store. */
export const cartTokenList = (cart: CartTokens | undefined): string[] =>
  cart ? [cart.id, cart.token, cart.checkout_token].filter((t): t is string => !!t) : []
