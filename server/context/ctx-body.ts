import { z } from 'zod'
import { sourceSignalsSchema } from '../consent/source-signals'
import { consentSignalsSchema } from '../event'
import { hashUserValue } from '../identity/normalize'
import { EPIK_SOURCES, opaqueId } from './claims'

/** `POST {prefix}/ctx` bodies are small; anything bigger is refused before it is read. */
export const CTX_BODY_LIMIT = 16 * 1024

const money = z.union([z.number().finite(), z.string().regex(/^\s*-?\d+(\.\d+)?\s*$/, 'must be a number')])
const cartId = z.union([opaqueId(256), z.number().int().nonnegative().transform(String)])

const cartItem = z.object({
  id: z.union([z.string().min(1).max(256), z.number().finite().transform(String)]),
  price: money.optional(),
  quantity: z.number().int().nonnegative().optional(),
  name: z.string().max(512).optional(),
})

/**
 * The enhanced-match email as the loader got it from `pintrk('load'|'set', {em})`: plaintext is
 * normalized and hashed here, at the edge, so only the SHA-256 is ever stored (cookie, cart store)
 * or logged; a SHA-256 hex passes through lowercased. A value that is no email is dropped.
 */
export const emailToHash = z.string().max(512).transform((v) => hashUserValue('em', v))

const consentSnapshot = consentSignalsSchema.omit({ country: true }).strip()
const consentSources = z.array(sourceSignalsSchema).max(24)

/**
 * One snapshot (older loaders, pages posting themselves) or, from the loader, one entry per source,
 * combined on the server by the consent policy (server/consent/combine.ts). Checked by its shape
 * first, so a problem is reported at its own path (`consent.ad_storage`, `consent[1].source`).
 */
const consentBody = z.unknown().transform((value, ctx): z.output<typeof consentSnapshot> | z.output<typeof consentSources> => {
  const result = Array.isArray(value) ? consentSources.safeParse(value) : consentSnapshot.safeParse(value)
  if (result.success) return result.data
  for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path })
  return z.NEVER
})

/**
 * The loader's context update (client/types.ts `Ctx`): every key optional, every known key
 * validated. Unknown keys are dropped, not refused: the loader passes what the shop gives
 * (`tagwarden.cart`, `tagwarden.consent`) without filtering it, which keeps it small (issue #3's
 * size budget). The country is not taken from the browser: it comes from the trusted country
 * header only, so a `consent.country` is dropped too. `consent` is a snapshot or a list of
 * per-source signals (at most 24: one per CMP adapter, the hook, GPC and the page's Consent Mode
 * defaults). The click and browser ids destinations declare (Meta's `fbclid`, `fbc`, `fbp`,
 * TikTok's `ttclid`, `ttp`) are read from the same body by their own schema
 * (`browserIdFields`, context/browser-ids.ts).
 */
export const ctxBodySchema = z.object({
  epik: opaqueId(1024).min(1).optional(),
  epik_src: z.enum(EPIK_SOURCES).optional(),
  pin_unauth: opaqueId(256).min(1).optional(),
  cart: z
    .object({
      id: cartId.optional(),
      token: opaqueId(256).min(1).optional(),
      checkout_token: opaqueId(256).min(1).optional(),
      currency: z.string().regex(/^[A-Za-z]{3}$/, 'must be an ISO-4217 code like USD').optional(),
      value: money.optional(),
      items: z.array(cartItem).max(500).optional(),
    })
    .optional(),
  consent: consentBody.optional(),
  em: emailToHash.optional(),
})
export type CtxBody = z.output<typeof ctxBodySchema>
