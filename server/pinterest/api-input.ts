import { z } from 'zod'
import { HASHED_USER_FIELDS, consentSignalsSchema, type CanonicalEvent, type CustomData, type HashedUserField, type UserData } from '../event'
import { toCapiEventName } from './event-names'
import { MONEY_TEXT, toMoneyString } from './money'
import { hashUserValues } from './normalize'

// The body of POST /v1/events: Pinterest's own `{ "data": [ … ] }` shape (v5/openapi.yaml
// ConversionEvents), accepted leniently — plaintext or hashed identifiers, string or array, number
// or string money, event_time optional and in seconds or milliseconds — plus our `consent` and
// `context` fields. Unknown keys are refused here, as Pinterest refuses them.

const stringOrList = z.union([z.string().max(1024), z.array(z.string().max(1024)).max(100)])
// Money: a number or a decimal string, never negative (a conversion has no negative value; docs/money.md).
const money = z
  .union([z.number().finite(), z.string().regex(MONEY_TEXT, 'must be a number')])
  .refine((v) => !(Number(v) < 0), 'must not be negative: a conversion has no negative value (docs/money.md)')
const idLike = z.union([z.string().max(1024), z.number().finite()]).transform(String)

const userInput = z
  .object({
    ...(Object.fromEntries(HASHED_USER_FIELDS.map((k) => [k, stringOrList.optional()])) as Record<HashedUserField, z.ZodOptional<typeof stringOrList>>),
    client_ip_address: z.string().max(64).optional(),
    client_user_agent: z.string().max(2048).optional(),
    click_id: z.string().max(1024).optional(),
    partner_id: z.string().max(1024).optional(),
  })
  .strict()

const contentInput = z
  .object({
    id: idLike.optional(),
    item_price: money.optional(),
    quantity: z.number().int().nonnegative().optional(),
    item_name: z.string().max(1024).optional(),
    item_category: z.string().max(1024).optional(),
    item_brand: z.string().max(1024).optional(),
  })
  .strict()

const customInput = z
  .object({
    value: money.optional(),
    currency: z.string().regex(/^[A-Za-z]{3}$/, 'must be an ISO-4217 code like USD').optional(),
    content_ids: z.union([idLike, z.array(idLike).max(1000)]).optional(),
    contents: z.array(contentInput).max(1000).optional(),
    num_items: z.number().int().nonnegative().optional(),
    order_id: idLike.optional(),
    search_string: z.string().max(1024).optional(),
    content_name: z.string().max(1024).optional(),
    content_category: z.string().max(1024).optional(),
    content_brand: z.string().max(1024).optional(),
    opt_out_type: z.string().max(64).optional(),
    predicted_ltv: money.optional(),
  })
  .strict()

/** Seconds or milliseconds (or a numeric string); anything above 10^11 is taken as milliseconds. */
const eventTime = z.union([z.number(), z.string().regex(/^\d+$/, 'must be a unix timestamp')]).transform(Number).pipe(z.number().int().positive())

export const apiEventSchema = z
  .object({
    event_name: z.string().min(1).max(64).refine((n) => toCapiEventName(n) !== undefined, {
      message: 'is not a Pinterest conversion event (add_to_cart, checkout, page_visit, … or their tag spellings)',
    }),
    event_id: idLike.pipe(z.string().min(1, 'is required').max(256)),
    event_time: eventTime.optional(),
    action_source: z.enum(['web', 'app_android', 'app_ios', 'offline']).default('web'),
    event_source_url: z.string().max(8192).optional(),
    opt_out: z.boolean().optional(),
    partner_name: z.string().max(64).optional(),
    language: z.string().regex(/^[A-Za-z]{2}$/, 'must be a two-letter ISO-639-1 code').optional(),
    user_data: userInput.default({}),
    custom_data: customInput.optional(),
    consent: consentSignalsSchema.optional(),
    context: z.string().min(1).max(512).optional(),
  })
  .strict()
export type ApiEvent = z.output<typeof apiEventSchema>

/** "Up to 1,000 events per request" (ConversionEvents.data maxItems). */
export const apiBodySchema = z.object({ data: z.array(apiEventSchema).min(1, 'needs at least one event').max(1000, 'at most 1,000 events per request') }).strict()

/** Milliseconds are converted, never sent: event_time is "Unix timestamp in seconds". */
export const toSeconds = (t: number): number => (t > 1e11 ? Math.floor(t / 1000) : Math.floor(t))

/** Normalize + hash every identifier of a lenient user_data object; raw fields pass through unhashed. */
export function toUserData(input: z.output<typeof userInput>): UserData {
  const out: UserData = {}
  // Field by field in a fixed order (rather than a loop of computed keys): the hot path then sees
  // a few object shapes, not one per combination of fields.
  let h: string[] | undefined
  if (input.em !== undefined && (h = hashUserValues('em', input.em))) out.em = h
  if (input.ph !== undefined && (h = hashUserValues('ph', input.ph))) out.ph = h
  if (input.fn !== undefined && (h = hashUserValues('fn', input.fn))) out.fn = h
  if (input.ln !== undefined && (h = hashUserValues('ln', input.ln))) out.ln = h
  if (input.ge !== undefined && (h = hashUserValues('ge', input.ge))) out.ge = h
  if (input.db !== undefined && (h = hashUserValues('db', input.db))) out.db = h
  if (input.ct !== undefined && (h = hashUserValues('ct', input.ct))) out.ct = h
  if (input.st !== undefined && (h = hashUserValues('st', input.st))) out.st = h
  if (input.zp !== undefined && (h = hashUserValues('zp', input.zp))) out.zp = h
  if (input.country !== undefined && (h = hashUserValues('country', input.country))) out.country = h
  if (input.external_id !== undefined && (h = hashUserValues('external_id', input.external_id))) out.external_id = h
  if (input.hashed_maids !== undefined && (h = hashUserValues('hashed_maids', input.hashed_maids))) out.hashed_maids = h
  // click_id (epik), IP, UA and partner_id are sent unhashed (v5/openapi.yaml user_data).
  const click = input.click_id?.trim()
  if (click) out.click_id = click
  const ip = input.client_ip_address?.trim()
  if (ip) out.client_ip_address = ip
  const ua = input.client_user_agent?.trim()
  if (ua) out.client_user_agent = ua
  const partner = input.partner_id?.trim()
  if (partner) out.partner_id = partner
  return out
}

export function toCustomData(input: z.output<typeof customInput> | undefined): CustomData {
  const out: CustomData = {}
  if (!input) return out
  // Keys are set one by one in a fixed order (no filtered copy): every result shares few shapes.
  const currency = input.currency?.toUpperCase()
  // Money is rounded to the minor units of the event's currency (JPY 0 places, USD 2, KWD 3).
  const value = toMoneyString(input.value, currency)
  if (value !== undefined) out.value = value
  if (currency !== undefined) out.currency = currency
  if (input.content_ids !== undefined) out.content_ids = ([] as string[]).concat(input.content_ids)
  if (input.contents !== undefined) out.contents = input.contents.map((c) => ({ ...c, item_price: toMoneyString(c.item_price, currency) }))
  if (input.num_items !== undefined) out.num_items = input.num_items
  if (input.order_id !== undefined) out.order_id = input.order_id
  if (input.search_string !== undefined) out.search_string = input.search_string
  if (input.content_name !== undefined) out.content_name = input.content_name
  if (input.content_category !== undefined) out.content_category = input.content_category
  if (input.content_brand !== undefined) out.content_brand = input.content_brand
  if (input.opt_out_type !== undefined) out.opt_out_type = input.opt_out_type
  const ltv = toMoneyString(input.predicted_ltv, currency)
  if (ltv !== undefined) out.predicted_ltv = ltv
  return out
}

/** One validated API event → the canonical event (source `api`). */
export function apiToCanonical(e: ApiEvent, nowSeconds: number): CanonicalEvent {
  return {
    name: toCapiEventName(e.event_name)!,
    event_id: e.event_id,
    time: Math.min(e.event_time === undefined ? nowSeconds : toSeconds(e.event_time), nowSeconds),
    source: 'api',
    action_source: e.action_source,
    url: e.event_source_url,
    language: e.language?.toLowerCase(),
    opt_out: e.opt_out,
    partner_name: e.partner_name,
    user: toUserData(e.user_data),
    custom: toCustomData(e.custom_data),
    consent: e.consent,
    context: e.context,
  }
}
