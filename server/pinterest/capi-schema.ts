import { z } from 'zod'
import { EVENT_NAMES } from '../event'

// The request schema of POST /v5/ad_accounts/{ad_account_id}/events, from pinterest/api-description
// v5/openapi.yaml (5.23) `ConversionEvents`. Used to validate every payload before it is sent or
// recorded in dry-run, so a shape Pinterest would refuse never leaves the shop.

const sha256List = z.array(z.string().regex(/^[0-9a-f]{64}$/, 'must be lowercase hex SHA-256')).min(1)

/** `user_data` fields sent as arrays of SHA-256 (docs/pinterest-capi.md "user_data"). */
export const HASHED_USER_FIELDS = ['em', 'ph', 'fn', 'ln', 'ge', 'db', 'ct', 'st', 'zp', 'country', 'external_id', 'hashed_maids'] as const
type HashedUserField = (typeof HASHED_USER_FIELDS)[number]

/** The least `user_data` Pinterest takes, in words (validation messages and the destination's `requires`). */
export const MATCH_KEYS = 'em, hashed_maids, or client_ip_address + client_user_agent'

/**
 * Pinterest's one rule on `user_data`: "It is required at least one of 1) em, 2) hashed_maids or 3)
 * pair client_ip_address + client_user_agent" (docs/pinterest-capi.md "user_data"). Checked on the
 * wire object (the schema below) and on the canonical identity before it is built (`accepts`).
 * @example hasMatchKey({ client_ip_address: '203.0.113.7', client_user_agent: 'Mozilla/5.0' }) // true
 */
export function hasMatchKey(u: { em?: readonly string[]; hashed_maids?: readonly string[]; client_ip_address?: string; client_user_agent?: string }): boolean {
  return !!u.em?.length || !!u.hashed_maids?.length || (!!u.client_ip_address && !!u.client_user_agent)
}

// user_data: hashed fields are arrays of SHA-256; no additionalProperties:false in the spec, but
// we only ever send spec keys.
const userData = z
  .object({
    ...(Object.fromEntries(HASHED_USER_FIELDS.map((k) => [k, sha256List.optional()])) as Record<HashedUserField, z.ZodOptional<typeof sha256List>>),
    client_ip_address: z.string().optional(),
    client_user_agent: z.string().optional(),
    click_id: z.string().nullable().optional(),
    partner_id: z.string().nullable().optional(),
  })
  .strict()
  .refine(hasMatchKey, { message: `needs ${MATCH_KEYS}` })

// custom_data: additionalProperties:false; value/item_price "Accepted as a string".
const customData = z
  .object({
    value: z.string().nullable().optional(),
    currency: z.string().nullable().optional(),
    content_ids: z.array(z.string()).optional(),
    contents: z
      .array(
        z
          .object({
            id: z.string().optional(),
            item_price: z.string().optional(),
            quantity: z.number().int().optional(),
            item_name: z.string().optional(),
            item_category: z.string().optional(),
            item_brand: z.string().optional(),
          })
          .strict(),
      )
      .optional(),
    num_items: z.number().int().optional(),
    order_id: z.string().nullable().optional(),
    search_string: z.string().nullable().optional(),
    content_name: z.string().nullable().optional(),
    content_category: z.string().nullable().optional(),
    content_brand: z.string().nullable().optional(),
    opt_out_type: z.string().nullable().optional(),
    predicted_ltv: z.string().nullable().optional(),
  })
  .strict()

/** One `data[]` item; the event object is additionalProperties:false. */
export const capiEventSchema = z
  .object({
    event_name: z.enum(EVENT_NAMES),
    action_source: z.enum(['app_android', 'app_ios', 'web', 'offline']),
    // event_time: "Unix timestamp in seconds." — anything past year 2286 in seconds is milliseconds.
    event_time: z.number().int().positive().max(9_999_999_999, 'must be seconds, not milliseconds'),
    event_id: z.string().min(1),
    event_source_url: z.string().nullable().optional(),
    opt_out: z.boolean().optional(),
    partner_name: z.string().nullable().optional(),
    user_data: userData,
    custom_data: customData.optional(),
    language: z.string().nullable().optional(),
  })
  .strict()
export type CapiEvent = z.infer<typeof capiEventSchema>

/** `ConversionApiResponse` (200) and the `details` of a 422 `DetailedError`. */
export const capiResponseSchema = z.object({
  num_events_received: z.number().optional(),
  num_events_processed: z.number().optional(),
  events: z.array(
    z.object({
      status: z.string(),
      error_message: z.string().nullable().optional(),
      warning_message: z.string().nullable().optional(),
    }),
  ),
})
