import { z } from 'zod'
import { consentSignalsSchema, PERSONAL_FIELDS, type CanonicalEvent, type EventData, type Identity, type PersonalField } from '../event'
import { normalizeValues } from '../identity/normalize'
import { MONEY_TEXT, parseAmount } from '../money'
import { toCapiEventName } from './event-names'
import { asksRestricted } from './ldp'

// The body of POST /v1/events: Pinterest's own `{ "data": [ … ] }` shape (v5/openapi.yaml
// ConversionEvents), accepted leniently — plaintext or hashed identifiers, string or array, number
// or string money, event_time optional and in seconds or milliseconds — plus our `consent` and
// `context` fields. Unknown keys are refused here, as Pinterest refuses them. Pinterest's
// `hashed_maids` is the neutral `maid`, `click_id` the click id `pinterest.epik`.

export const stringOrList = z.union([z.string().max(1024), z.array(z.string().max(1024)).max(100)])
// Money: a number or a decimal string, never negative (a conversion has no negative value; docs/money.md).
export const money = z
  .union([z.number().finite(), z.string().regex(MONEY_TEXT, 'must be a number')])
  .refine((v) => !(Number(v) < 0), 'must not be negative: a conversion has no negative value (docs/money.md)')
export const idLike = z.union([z.string().max(1024), z.number().finite()]).transform(String)

/** Personal fields as the body names them (Pinterest's names: `hashed_maids` for the neutral `maid`). */
const INPUT_FIELDS = [...PERSONAL_FIELDS.filter((f) => f !== 'maid'), 'hashed_maids'] as const
type InputField = (typeof INPUT_FIELDS)[number]

const userInput = z
  .object({
    ...(Object.fromEntries(INPUT_FIELDS.map((k) => [k, stringOrList.optional()])) as Record<InputField, z.ZodOptional<typeof stringOrList>>),
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

export const customInput = z
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
export const eventTime = z.union([z.number(), z.string().regex(/^\d+$/, 'must be a unix timestamp')]).transform(Number).pipe(z.number().int().positive())

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

/** Every identifier of a lenient user_data object in neutral form (identity/normalize.ts); hashing is each destination's. */
export function toIdentity(input: z.output<typeof userInput>): Identity {
  const out: Identity = {}
  // Field by field in a fixed order (rather than a loop of computed keys): the hot path then sees
  // a few object shapes, not one per combination of fields.
  let v: string[] | undefined
  if (input.em !== undefined && (v = normalizeValues('em', input.em))) out.em = v
  if (input.ph !== undefined && (v = normalizeValues('ph', input.ph))) out.ph = v
  if (input.fn !== undefined && (v = normalizeValues('fn', input.fn))) out.fn = v
  if (input.ln !== undefined && (v = normalizeValues('ln', input.ln))) out.ln = v
  if (input.ge !== undefined && (v = normalizeValues('ge', input.ge))) out.ge = v
  if (input.db !== undefined && (v = normalizeValues('db', input.db))) out.db = v
  if (input.ct !== undefined && (v = normalizeValues('ct', input.ct))) out.ct = v
  if (input.st !== undefined && (v = normalizeValues('st', input.st))) out.st = v
  if (input.zp !== undefined && (v = normalizeValues('zp', input.zp))) out.zp = v
  if (input.country !== undefined && (v = normalizeValues('country', input.country))) out.country = v
  if (input.external_id !== undefined && (v = normalizeValues('external_id', input.external_id))) out.external_id = v
  if (input.hashed_maids !== undefined && (v = normalizeValues('maid', input.hashed_maids))) out.maid = v
  // IP, UA and the click ids are sent unhashed.
  const ip = input.client_ip_address?.trim()
  if (ip) out.client_ip_address = ip
  const ua = input.client_user_agent?.trim()
  if (ua) out.client_user_agent = ua
  const click = input.click_id?.trim()
  const partner = input.partner_id?.trim()
  if (click || partner) {
    out.ids = {}
    if (click) out.ids['pinterest.epik'] = click
    if (partner) out.ids['pinterest.partner_id'] = partner
  }
  return out
}

export function toEventData(input: z.output<typeof customInput> | undefined): EventData {
  const out: EventData = {}
  if (!input) return out
  // Keys are set one by one in a fixed order (no filtered copy): every result shares few shapes.
  const value = parseAmount(input.value)
  if (value !== undefined) out.value = value
  if (input.currency !== undefined) out.currency = input.currency.toUpperCase()
  if (input.content_ids !== undefined) out.content_ids = ([] as string[]).concat(input.content_ids)
  if (input.contents !== undefined) {
    out.contents = input.contents.map((c) => {
      const item: NonNullable<EventData['contents']>[number] = {}
      if (c.id !== undefined) item.id = c.id
      const price = parseAmount(c.item_price)
      if (price !== undefined) item.price = price
      if (c.quantity !== undefined) item.quantity = c.quantity
      if (c.item_name !== undefined) item.name = c.item_name
      if (c.item_category !== undefined) item.category = c.item_category
      if (c.item_brand !== undefined) item.brand = c.item_brand
      return item
    })
  }
  if (input.num_items !== undefined) out.num_items = input.num_items
  if (input.order_id !== undefined) out.order_id = input.order_id
  if (input.search_string !== undefined) out.search_string = input.search_string
  if (input.content_name !== undefined) out.content_name = input.content_name
  if (input.content_category !== undefined) out.content_category = input.content_category
  if (input.content_brand !== undefined) out.content_brand = input.content_brand
  const ltv = parseAmount(input.predicted_ltv)
  if (ltv !== undefined) out.predicted_ltv = ltv
  return out
}

/** One validated API event → the canonical event (source `api`). */
export function apiToCanonical(e: ApiEvent, nowSeconds: number): CanonicalEvent {
  const event: CanonicalEvent = {
    name: toCapiEventName(e.event_name)!,
    event_id: e.event_id,
    time: Math.min(e.event_time === undefined ? nowSeconds : toSeconds(e.event_time), nowSeconds),
    source: 'api',
    action_source: e.action_source,
    url: e.event_source_url,
    language: e.language?.toLowerCase(),
    opt_out: e.opt_out,
    partner_name: e.partner_name,
    user: toIdentity(e.user_data),
    custom: toEventData(e.custom_data),
    consent: e.consent,
    context: e.context,
  }
  if (asksRestricted(e.custom_data?.opt_out_type)) event.restricted = true
  return event
}
