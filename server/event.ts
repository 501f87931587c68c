import { z } from 'zod'

/**
 * Pinterest CAPI `event_name` values.
 * https://github.com/pinterest/api-description v5/openapi.yaml `ConversionEvents.data[].event_name` (5.23 enum).
 */
export const EVENT_NAMES = [
  'add_payment_info', 'add_to_cart', 'add_to_wishlist', 'app_install', 'checkout', 'custom',
  'initiate_checkout', 'lead', 'page_visit', 'search', 'signup', 'subscribe', 'view_category',
  'view_content', 'watch_video',
] as const
export type EventName = (typeof EVENT_NAMES)[number]

/** Where an event entered the pipeline. */
export const EVENT_SOURCES = ['tag', 'loader', 'webhook', 'api'] as const
export type EventSource = (typeof EVENT_SOURCES)[number]

/** User-data keys whose values are normalized and SHA-256 hashed (arrays on the wire). */
export const HASHED_USER_FIELDS = ['em', 'ph', 'fn', 'ln', 'ge', 'db', 'ct', 'st', 'zp', 'country', 'external_id', 'hashed_maids'] as const
export type HashedUserField = (typeof HASHED_USER_FIELDS)[number]

/** User-data keys sent as they are (never hashed). */
export const RAW_USER_FIELDS = ['click_id', 'client_ip_address', 'client_user_agent', 'partner_id'] as const
export type RawUserField = (typeof RAW_USER_FIELDS)[number]

export type UserField = HashedUserField | RawUserField
export const USER_FIELDS: readonly UserField[] = [...HASHED_USER_FIELDS, ...RAW_USER_FIELDS]

const hex64 = z.string().regex(/^[0-9a-f]{64}$/)
const hashedList = z.array(hex64).min(1).max(100)

/** Identifiers: hashed fields already normalized + hashed, raw ones as received. */
export const userDataSchema = z
  .object({
    ...Object.fromEntries(HASHED_USER_FIELDS.map((k) => [k, hashedList.optional()])),
    click_id: z.string().min(1).max(1024).optional(),
    client_ip_address: z.string().min(1).max(64).optional(),
    client_user_agent: z.string().min(1).max(2048).optional(),
    partner_id: z.string().min(1).max(1024).optional(),
  })
  .strict() as z.ZodType<UserData>
export type UserData = { [K in HashedUserField]?: string[] } & { [K in RawUserField]?: string }

/** Names of the identifiers an event carries (for records; never their values). */
export function identifierNames(user: UserData): string[] {
  const names: string[] = []
  for (const k in user) if (user[k as keyof UserData] !== undefined) names.push(k)
  return names
}

export const contentSchema = z
  .object({
    id: z.string().max(1024).optional(),
    item_price: z.string().max(64).optional(),
    quantity: z.number().int().optional(),
    item_name: z.string().max(1024).optional(),
    item_category: z.string().max(1024).optional(),
    item_brand: z.string().max(1024).optional(),
  })
  .strict()
export type Content = z.infer<typeof contentSchema>

/** The `custom_data` keys Pinterest accepts (the object rejects unknown keys). */
export const customDataSchema = z
  .object({
    value: z.string().max(64).optional(),
    currency: z.string().max(8).optional(),
    content_ids: z.array(z.string().max(1024)).max(1000).optional(),
    contents: z.array(contentSchema).max(1000).optional(),
    num_items: z.number().int().optional(),
    order_id: z.string().max(1024).optional(),
    search_string: z.string().max(1024).optional(),
    content_name: z.string().max(1024).optional(),
    content_category: z.string().max(1024).optional(),
    content_brand: z.string().max(1024).optional(),
    opt_out_type: z.string().max(64).optional(),
    predicted_ltv: z.string().max(64).optional(),
  })
  .strict()
export type CustomData = z.infer<typeof customDataSchema>

export const consentValue = z.enum(['granted', 'denied'])
/**
 * Raw consent signals as they arrived with an event (loader, API body or server headers).
 * Normalization and rules live in `server/consent/`; these are inputs, never forwarded.
 */
export const consentSignalsSchema = z
  .object({
    ad_storage: consentValue.optional(),
    ad_user_data: consentValue.optional(),
    ad_personalization: consentValue.optional(),
    analytics_storage: consentValue.optional(),
    gpc: z.boolean().optional(),
    tcf: z.string().max(8192).optional(),
    gpp: z.string().max(8192).optional(),
    gpp_sid: z.array(z.number().int()).max(64).optional(),
    us_privacy: z.string().max(8).optional(),
    gdpr_applies: z.boolean().optional(),
    country: z.string().max(8).optional(),
    sale_opt_out: z.boolean().optional(),
    source: z.string().max(64).optional(),
  })
  .strict()
export type ConsentSignals = z.infer<typeof consentSignalsSchema>

/** The one internal event type (DESIGN §3 "Canonical event"). */
export const canonicalEventSchema = z
  .object({
    name: z.enum(EVENT_NAMES),
    event_id: z.string().min(1).max(256),
    time: z.number().int().positive(),
    source: z.enum(EVENT_SOURCES),
    action_source: z.enum(['web', 'app_android', 'app_ios', 'offline']).default('web'),
    url: z.string().max(8192).optional(),
    language: z.string().max(8).optional(),
    opt_out: z.boolean().optional(),
    partner_name: z.string().max(64).optional(),
    user: userDataSchema,
    custom: customDataSchema,
    consent: consentSignalsSchema.optional(),
    context: z.string().max(512).optional(),
  })
  .strict()
export type CanonicalEvent = z.output<typeof canonicalEventSchema>
