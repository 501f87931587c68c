import { z } from 'zod'
import { consentSignalsSchema } from '../event'
import { EPIK_SOURCES, opaqueId, sha256Hex } from './claims'

/** `POST {prefix}/ctx` bodies are small; anything bigger is refused before it is read. */
export const CTX_BODY_LIMIT = 16 * 1024

const money = z.union([z.number().finite(), z.string().regex(/^\s*-?\d+(\.\d+)?\s*$/, 'must be a number')])
const cartId = z.union([opaqueId(256), z.number().int().nonnegative().transform(String)])

const cartItem = z
  .object({
    id: z.union([z.string().min(1).max(256), z.number().finite().transform(String)]),
    price: money.optional(),
    quantity: z.number().int().nonnegative().optional(),
    name: z.string().max(512).optional(),
  })
  .strict()

/**
 * The loader's context update (client/types.ts `Ctx`): every key optional. Strict, because the
 * loader is served by this same server build, so an unknown key is a bug worth a clear 400.
 * The country is not taken from the browser: it comes from the trusted country header only.
 */
export const ctxBodySchema = z
  .object({
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
      .strict()
      .optional(),
    consent: consentSignalsSchema.omit({ country: true }).strict().optional(),
    em: sha256Hex.optional(),
  })
  .strict()
export type CtxBody = z.output<typeof ctxBodySchema>
