import { z } from 'zod'
import { platformKeys } from './destinations'
import { CLICK_ID_KEY, consentSignalsSchema, EVENT_NAMES, PERSONAL_FIELDS, type CanonicalEvent, type ClickIdKey, type EventData, type Identity, type PersonalField } from './event'
import { normalizeValues } from './identity/normalize'
import { parseAmount } from './money'
import { customInput, eventTime, idLike, money, stringOrList } from './pinterest/api-input'
import { toCapiEventName } from './pinterest/event-names'

// The neutral body of POST /v1/events (README "Events API"): `{ "events": [ … ] }`, one event for
// every destination, each mapping the name and hashing identifiers its own way. Distinguished from
// Pinterest's `{ "data": [ … ] }` by its top-level key. Identifiers arrive plaintext (normalized
// here) or as SHA-256; click and browser ids by platform key (`meta.fbc`, `tiktok.ttclid`, …); money
// as numbers or decimal strings (the value rules of the Pinterest shape, pinterest/api-input.ts). Unknown keys are refused.

const text = z.string().max(1024)

/** The registered drivers' platform keys (`pinterest`, `meta`, `tiktok`): each driver declares its own. */
const PLATFORMS = platformKeys()

const userInput = z
  .object({
    ...(Object.fromEntries(PERSONAL_FIELDS.map((k) => [k, stringOrList.optional()])) as Record<PersonalField, z.ZodOptional<typeof stringOrList>>),
    client_ip_address: z.string().max(64).optional(),
    client_user_agent: z.string().max(2048).optional(),
  })
  .strict()

const idsInput = z
  .record(z.string(), z.string().min(1).max(1024).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'))
  .superRefine((r, ctx) => {
    const keys = Object.keys(r)
    if (keys.length > 16) ctx.addIssue({ code: 'custom', message: 'at most 16 click ids' })
    for (const k of keys) if (!CLICK_ID_KEY.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: 'must be keyed platform.id, such as meta.fbc or tiktok.ttclid' })
  })

const contentInput = z
  .object({ id: idLike.optional(), price: money.optional(), quantity: z.number().int().nonnegative().optional(), name: text.optional(), category: text.optional(), brand: text.optional() })
  .strict()

// The data fields of the Pinterest shape, with neutral line items (`price`, `name`, … rather than `item_price`, `item_name`).
const dataInput = customInput.omit({ contents: true, opt_out_type: true }).extend({ contents: z.array(contentInput).max(1000).optional() })

export const neutralEventSchema = z
  .object({
    /** A neutral name (`checkout`, `add_to_cart`, …; any spelling: `AddToCart`, `addtocart`), or `custom` with `custom_name`. */
    name: z.string().min(1).max(64).refine((n) => toCapiEventName(n) !== undefined, { message: `is not a neutral event name (${EVENT_NAMES.join(', ')})` }),
    custom_name: z.string().regex(/^[\p{L}\p{N} _.:-]{1,50}$/u, 'must be 1–50 letters, digits, spaces or _.:-').optional(),
    event_id: idLike.pipe(z.string().min(1, 'is required').max(256)),
    time: eventTime.optional(),
    action_source: z.enum(['web', 'app_android', 'app_ios', 'offline']).default('web'),
    url: z.string().max(8192).optional(),
    referrer: z.string().max(8192).optional(),
    language: z.string().regex(/^[A-Za-z]{2}$/, 'must be a two-letter ISO-639-1 code').optional(),
    opt_out: z.boolean().optional(),
    /** Ask every destination for its restricted-processing mode (Pinterest LDP, Meta LDU, TikTok limited data use). */
    restricted: z.boolean().optional(),
    user: userInput.default({}),
    ids: idsInput.optional(),
    data: dataInput.optional(),
    /** The page pixel's own spelling, by platform (`{ "tiktok": "CompletePayment" }`), so the server copy deduplicates. */
    pixel_names: z.partialRecord(z.enum(PLATFORMS), z.string().regex(/^[\p{L}\p{N} _.:-]{1,50}$/u)).optional(),
    /** Send only to these platforms' destinations (a mirror of one pixel's call); unset = every destination. */
    platforms: z.array(z.enum(PLATFORMS)).min(1).max(PLATFORMS.length).optional(),
    consent: consentSignalsSchema.optional(),
    context: z.string().min(1).max(512).optional(),
  })
  .strict()
  .refine((e) => toCapiEventName(e.name) !== 'custom' || !!e.custom_name, { message: 'custom events need custom_name', path: ['custom_name'] })
export type NeutralEventInput = z.output<typeof neutralEventSchema>

export const neutralBodySchema = z
  .object({ events: z.array(neutralEventSchema).min(1, 'needs at least one event').max(1000, 'at most 1,000 events per request') })
  .strict()

/** Every identifier in neutral form (identity/normalize.ts); hashing is each destination's. */
function toIdentity(user: z.output<typeof userInput>, ids: Record<string, string> | undefined): Identity {
  const out: Identity = {}
  for (const f of PERSONAL_FIELDS) {
    const v = user[f] === undefined ? undefined : normalizeValues(f, user[f])
    if (v) out[f] = v
  }
  const ip = user.client_ip_address?.trim()
  if (ip) out.client_ip_address = ip
  const ua = user.client_user_agent?.trim()
  if (ua) out.client_user_agent = ua
  if (ids && Object.keys(ids).length) out.ids = { ...ids } as Record<ClickIdKey, string>
  return out
}

function toEventData(d: z.output<typeof dataInput> | undefined): EventData {
  const out: EventData = {}
  if (!d) return out
  const value = parseAmount(d.value)
  if (value !== undefined) out.value = value
  if (d.currency !== undefined) out.currency = d.currency.toUpperCase()
  if (d.content_ids !== undefined) out.content_ids = ([] as string[]).concat(d.content_ids)
  if (d.contents !== undefined) {
    out.contents = d.contents.map(({ price, ...c }) => {
      const amount = parseAmount(price)
      return amount === undefined ? c : { ...c, price: amount }
    })
  }
  if (d.num_items !== undefined) out.num_items = d.num_items
  if (d.order_id !== undefined) out.order_id = d.order_id
  if (d.search_string !== undefined) out.search_string = d.search_string
  if (d.content_name !== undefined) out.content_name = d.content_name
  if (d.content_category !== undefined) out.content_category = d.content_category
  if (d.content_brand !== undefined) out.content_brand = d.content_brand
  const ltv = parseAmount(d.predicted_ltv)
  if (ltv !== undefined) out.predicted_ltv = ltv
  return out
}

/** One validated neutral event → the canonical event (source `api`); `time` never in the future. */
export function neutralToCanonical(e: NeutralEventInput, nowSeconds: number, toSeconds: (t: number) => number): CanonicalEvent {
  const event: CanonicalEvent = {
    name: toCapiEventName(e.name)!,
    event_id: e.event_id,
    time: Math.min(e.time === undefined ? nowSeconds : toSeconds(e.time), nowSeconds),
    source: 'api',
    action_source: e.action_source,
    user: toIdentity(e.user, e.ids),
    custom: toEventData(e.data),
  }
  if (e.custom_name) event.custom_name = e.custom_name
  if (e.pixel_names) event.pixel_names = e.pixel_names
  if (e.platforms) event.platforms = [...new Set(e.platforms)]
  if (e.url) event.url = e.url
  if (e.referrer) event.referrer = e.referrer
  if (e.language) event.language = e.language.toLowerCase()
  if (e.opt_out !== undefined) event.opt_out = e.opt_out
  if (e.restricted) event.restricted = true
  if (e.consent) event.consent = e.consent
  if (e.context) event.context = e.context
  return event
}
