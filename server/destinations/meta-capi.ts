import { z } from 'zod'
import type { CanonicalEvent, Content, EventData, EventName, Identity, PersonalField } from '../event'
import { hashValue, isSha256 } from '../identity/normalize'
import { defineDestination, type BatchOutcome, type Destination, type PixelReading } from './define-destination'
import { retryAfter } from './pinterest-capi'
import { copyKeys, describeProblems, moneyNumber, platformEventName, sha256List } from './wire'
// `fbc`/`fbp` values (docs/meta-capi.md §7); a malformed value is left out rather than failing the batch.
import { FB_COOKIE, fbcFor, META_COOKIE_MAX_AGE_S, newFbp } from '../context/meta-cookies'

/**
 * Neutral name → Meta `event_name` (standard events: docs/meta-capi.md §3; `watch_video` has no
 * standard twin and goes as a custom event). `app_install` has no web counterpart.
 */
export const META_EVENT_NAMES: Partial<Record<EventName, string>> = {
  page_visit: 'PageView',
  view_content: 'ViewContent',
  view_category: 'ViewContent',
  search: 'Search',
  add_to_cart: 'AddToCart',
  add_to_wishlist: 'AddToWishlist',
  initiate_checkout: 'InitiateCheckout',
  add_payment_info: 'AddPaymentInfo',
  checkout: 'Purchase',
  lead: 'Lead',
  signup: 'CompleteRegistration',
  subscribe: 'Subscribe',
  watch_video: 'WatchVideo',
}
/** The `event_name` Meta receives, or undefined when Meta has no counterpart. */
export const metaEventName = (e: Pick<CanonicalEvent, 'name' | 'custom_name' | 'pixel_names'>): string | undefined => platformEventName(e, 'meta', META_EVENT_NAMES)

const HASHED_FIELDS = ['em', 'ph', 'fn', 'ln', 'ge', 'db', 'ct', 'st', 'zp', 'country', 'external_id'] as const
type HashedField = (typeof HASHED_FIELDS)[number]

/**
 * Meta's last-mile rules on top of the neutral form (docs/meta-capi.md §4, Meta's own normalizer):
 * names lose whitespace and punctuation, the city keeps Latin letters and digits only, gender is
 * `f` or `m` (no `n`). Other fields are already in Meta's form.
 */
const LAST_MILE: Partial<Record<PersonalField, (v: string) => string | undefined>> = {
  fn: (v) => v.replace(/[\s\p{P}\p{S}]+/gu, '') || undefined,
  ln: (v) => v.replace(/[\s\p{P}\p{S}]+/gu, '') || undefined,
  ct: (v) => v.replace(/[^a-z0-9]/g, '') || undefined,
  ge: (v) => (v === 'f' || v === 'm' ? v : undefined),
}

/** SHA-256 of each value in Meta's form; a given hash passes through. Undefined when none is left. */
function hashedFor(field: HashedField, values: readonly string[] | undefined): string[] | undefined {
  if (!values?.length) return undefined
  const rule = LAST_MILE[field]
  const out = new Set<string>()
  for (const v of values) {
    if (isSha256(v)) out.add(v.toLowerCase())
    else {
      const m = rule ? rule(v) : v
      if (m !== undefined) out.add(hashValue(m))
    }
  }
  return out.size ? [...out] : undefined
}


export interface MetaUserData extends Partial<Record<HashedField, string[]>> {
  client_ip_address?: string
  client_user_agent?: string
  fbc?: string
  fbp?: string
}

function toUserData(u: Identity): MetaUserData {
  const out: MetaUserData = {}
  for (const f of HASHED_FIELDS) {
    const h = hashedFor(f, u[f])
    if (h) out[f] = h
  }
  if (u.client_ip_address) out.client_ip_address = u.client_ip_address
  if (u.client_user_agent) out.client_user_agent = u.client_user_agent
  const fbc = u.ids?.['meta.fbc']
  if (fbc && FB_COOKIE.test(fbc)) out.fbc = fbc
  const fbp = u.ids?.['meta.fbp']
  if (fbp && FB_COOKIE.test(fbp)) out.fbp = fbp
  return out
}


export interface MetaContent { id: string; quantity?: number; item_price?: number; title?: string; brand?: string; category?: string }
export interface MetaCustomData {
  value?: number
  currency?: string
  content_ids?: string[]
  content_type?: 'product' | 'product_group'
  contents?: MetaContent[]
  num_items?: number
  order_id?: string
  search_string?: string
  content_name?: string
  content_category?: string
  predicted_ltv?: number
}

function toContent(c: Content, currency: string | undefined): MetaContent | undefined {
  // Meta's contents need the product id (docs/meta-capi.md §5).
  if (!c.id) return undefined
  const out: MetaContent = { id: c.id }
  if (c.quantity !== undefined) out.quantity = c.quantity
  const price = moneyNumber(c.price, currency)
  if (price !== undefined) out.item_price = price
  if (c.name !== undefined) out.title = c.name
  if (c.brand !== undefined) out.brand = c.brand
  if (c.category !== undefined) out.category = c.category
  return out
}

function toCustomData(name: EventName, d: EventData): MetaCustomData | undefined {
  const out: MetaCustomData = {}
  const value = moneyNumber(d.value, d.currency)
  if (value !== undefined) out.value = value
  if (d.currency !== undefined) out.currency = d.currency
  if (d.content_ids?.length) out.content_ids = d.content_ids
  // view_category has no Meta event: a ViewContent of a product group (docs/meta-capi.md §5).
  if (name === 'view_category') out.content_type = 'product_group'
  else if (d.content_ids?.length || d.contents?.length) out.content_type = 'product'
  const contents = d.contents?.map((c) => toContent(c, d.currency)).filter((c): c is MetaContent => !!c)
  if (contents?.length) out.contents = contents
  if (d.num_items !== undefined) out.num_items = d.num_items
  if (d.order_id !== undefined) out.order_id = d.order_id
  if (d.search_string !== undefined) out.search_string = d.search_string
  if (d.content_name !== undefined) out.content_name = d.content_name
  if (d.content_category !== undefined) out.content_category = d.content_category
  const ltv = moneyNumber(d.predicted_ltv, d.currency)
  if (ltv !== undefined) out.predicted_ltv = ltv
  for (const _ in out) return out
  return undefined
}

export interface MetaEvent {
  event_name: string
  event_time: number
  event_id: string
  action_source: 'website' | 'app' | 'physical_store' | 'other'
  event_source_url?: string
  referrer_url?: string
  opt_out?: boolean
  user_data: MetaUserData
  custom_data?: MetaCustomData
  data_processing_options?: ['LDU']
  data_processing_options_country?: 0 | 1
  data_processing_options_state?: 0 | 1000
}

const ACTION_SOURCES = { web: 'website', app_android: 'app', app_ios: 'app', offline: 'physical_store' } as const
const CA = ['ca', hashValue('ca')]
const US = ['us', hashValue('us')]

/**
 * Limited Data Use (docs/meta-capi.md §8): `["LDU"]` with country 1 / state 1000 when the event
 * says California, US; otherwise 0 / 0 and Meta geolocates.
 */
function ldu(e: CanonicalEvent): Pick<MetaEvent, 'data_processing_options' | 'data_processing_options_country' | 'data_processing_options_state'> {
  const us = e.user.country?.some((c) => US.includes(c)) || e.consent?.country?.toUpperCase() === 'US'
  const california = us && !!e.user.st?.some((s) => CA.includes(s))
  return { data_processing_options: ['LDU'], data_processing_options_country: california ? 1 : 0, data_processing_options_state: california ? 1000 : 0 }
}

/** What Meta refuses a whole request for (docs/meta-capi.md §3–§5): one check before an event is queued. */
const metaEventSchema = z
  .object({
    event_name: z.string().min(1).max(50),
    event_time: z.number().int().positive().max(9_999_999_999, 'must be Unix seconds'),
    event_id: z.string().min(1),
    action_source: z.enum(['website', 'app', 'physical_store', 'other']),
    event_source_url: z.string().regex(/^https?:\/\//, 'must be an http(s) URL').optional(),
    referrer_url: z.string().optional(),
    opt_out: z.boolean().optional(),
    user_data: z
      .object({
        ...(Object.fromEntries(HASHED_FIELDS.map((f) => [f, sha256List.optional()])) as Record<HashedField, z.ZodOptional<typeof sha256List>>),
        client_ip_address: z.string().min(1).optional(),
        client_user_agent: z.string().min(1).optional(),
        fbc: z.string().regex(FB_COOKIE).optional(),
        fbp: z.string().regex(FB_COOKIE).optional(),
      })
      .strict(),
    custom_data: z.object({ value: z.number().finite().nonnegative().optional(), currency: z.string().regex(/^[A-Z]{3}$/).optional(), num_items: z.number().int().optional() }).loose().optional(),
    data_processing_options: z.tuple([z.literal('LDU')]).optional(),
    data_processing_options_country: z.union([z.literal(0), z.literal(1)]).optional(),
    data_processing_options_state: z.union([z.literal(0), z.literal(1000)]).optional(),
  })
  .strict()
  .refine((e) => e.action_source !== 'website' || !!e.event_source_url, { message: 'website events need event_source_url (the page URL; order webhooks: set META_EVENT_SOURCE_URL)', path: ['event_source_url'] })
  .refine((e) => e.action_source !== 'website' || !!e.user_data.client_user_agent, { message: 'website events need the client user agent', path: ['user_data', 'client_user_agent'] })

/** Graph error codes (docs/meta-capi.md §6): token/permission → pause; throttling and temporary → retry. */
const AUTH_CODES = new Set([102, 104, 190, 10])
const THROTTLE_CODES = new Set([4, 17, 32, 341, 613])
const TEMPORARY_CODES = new Set([1, 2, 368])

interface GraphError { message?: string; code?: number; error_subcode?: number; error_user_msg?: string; fbtrace_id?: string }
const graphError = (body: unknown): GraphError | undefined =>
  body && typeof body === 'object' && 'error' in body && body.error && typeof body.error === 'object' ? (body.error as GraphError) : undefined
const describe = (status: number, err: GraphError | undefined, body: unknown) =>
  err
    ? `${status} from Meta: ${err.error_user_msg ?? err.message ?? 'no message'} (code ${err.code ?? '?'}${err.error_subcode ? `, subcode ${err.error_subcode}` : ''})`
    : `${status} from Meta: ${typeof body === 'string' ? body.slice(0, 200) : 'no message'}`

/** `https://graph.facebook.com/v26.0`: an http(s) origin plus the Graph API version. */
const apiUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((u) => new URL(u))
  .refine((u) => /^\/v\d+\.\d+\/?$/.test(u.pathname), 'must end with the Graph API version, like https://graph.facebook.com/v26.0')
  .transform((u) => `${u.origin}${u.pathname.replace(/\/$/, '')}`)

const options = z
  .object({
    /** The Meta Pixel (dataset) id events are sent to (digits). */
    pixelId: z.string({ error: 'is required (the Meta Pixel id) to turn on the meta-capi destination' }).regex(/^\d{1,20}$/, 'must be the digits of the Meta Pixel id'),
    /** A Conversions API access token (Events Manager → pixel → Settings); without it: dry-run. */
    accessToken: z.string().min(16, 'looks too short').optional(),
    /** Graph API base with its version (a fake in tests). */
    apiUrl: apiUrl.default('https://graph.facebook.com/v26.0'),
    /** Events Manager → Test Events code: events show there and are not counted. */
    testEventCode: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be the code from Events Manager → Test Events').optional(),
    /** Sent as `event_source_url` when an event carries no page URL (order webhooks): the shop's URL. */
    eventSourceUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  })
  .strict()

export type MetaCapiOptions = z.input<typeof options>

/** Meta's pixel on the page (client/px/meta.ts), judged by consent under this name. */
export const META_PIXEL = 'meta-pixel'

/**
 * How a Meta pixel call mirrored to `/tw/e` is read (server/pixel-call.ts): its name backwards
 * through `META_EVENT_NAMES`, its `custom_data` (docs/meta-capi.md §5) as neutral data — the keys
 * the server copy uses, each content's `item_price` as its `price`.
 */
export const META_PIXEL_READING: PixelReading = {
  names: META_EVENT_NAMES,
  data: (d) => {
    const out = copyKeys(d, [['value', 'value'], ['currency', 'currency'], ['content_ids', 'content_ids'], ['num_items', 'num_items'], ['order_id', 'order_id'], ['search_string', 'search_string'], ['content_name', 'content_name'], ['content_category', 'content_category']])
    if (d.contents !== undefined) out.contents = (Array.isArray(d.contents) ? d.contents : []).map((c) => copyKeys(c, [['id', 'id'], ['quantity', 'quantity'], ['item_price', 'price']]))
    return out
  },
}

/** Meta Conversions API: POST /{version}/{pixel_id}/events (docs/meta-capi.md). */
export const metaCapi = defineDestination({
  name: 'meta-capi',
  kind: 'batch',
  options,
  pixel: { name: META_PIXEL, read: META_PIXEL_READING },
  // Meta's ids in the shopper's browser (docs/meta-capi.md §7): a landing `fbclid` becomes `fbc`
  // (kept when `_fbc` already carries that click); `_fbc` and `_fbp` are kept first-party where
  // Meta's pixel may run, and where the shop sends to the Conversions API a shopper without `_fbp`
  // gets one from the server.
  browserIds: [
    { key: 'meta.fbc', claim: 'fbc', param: 'fbclid', cookie: '_fbc', pattern: FB_COOKIE, fromUrl: (fbclid, current, at) => fbcFor(fbclid, current, at.host, at.nowMs), keep: { under: META_PIXEL, maxAgeS: META_COOKIE_MAX_AGE_S } },
    { key: 'meta.fbp', claim: 'fbp', cookie: '_fbp', pattern: FB_COOKIE, keep: { under: META_PIXEL, maxAgeS: META_COOKIE_MAX_AGE_S, create: (at) => newFbp(at.host, at.nowMs) } },
  ],
  env: { pixelId: 'META_PIXEL_ID', accessToken: 'META_ACCESS_TOKEN', apiUrl: 'META_API_URL', testEventCode: 'META_TEST_EVENT_CODE', eventSourceUrl: 'META_EVENT_SOURCE_URL' },
  onByDefault: false,
  platform: 'meta',
  // Test Events code from Events Manager, which only the shop can copy (docs/meta-capi.md §2).
  testMode: { needs: 'testEventCode', credentials: ['pixelId', 'accessToken'] },
  create: (o): Destination<MetaEvent> => ({
    name: 'meta-capi',
    kind: 'batch',
    platform: 'Meta',
    // Up to 1,000 events in `data` (docs/meta-capi.md §2).
    maxBatch: 1000,
    live: !!o.accessToken,
    // Meta states no Conversions API request limit; throttling arrives as codes 4/17/341 (§6).
    rateLimitKey: `meta-pixel-${o.pixelId}`,
    credentialsKey: `${o.pixelId}:${o.accessToken ?? ''}`,
    // Graph answers token and permission errors with HTTP 400 (or 401/403): see fromResponse.
    credentials: { settings: 'META_ACCESS_TOKEN / META_PIXEL_ID', refused: { 400: 'access token or pixel permission refused', 401: 'access token refused', 403: 'permission denied' } },
    describe: () => ({ pixelId: o.pixelId, accessToken: o.accessToken ? '<set>' : undefined, apiUrl: o.apiUrl, testEventCode: o.testEventCode, eventSourceUrl: o.eventSourceUrl }),
    warnings: () => [
      ...(o.accessToken ? [] : [{ setting: 'META_ACCESS_TOKEN', problem: 'no Meta access token: dry-run, nothing is sent to the Conversions API', fix: 'set META_ACCESS_TOKEN' }]),
      ...(o.testEventCode ? [{ setting: 'META_TEST_EVENT_CODE', problem: 'META_TEST_EVENT_CODE is set: Meta shows every event under Test Events and counts none', fix: 'unset META_TEST_EVENT_CODE' }] : []),
    ],

    identifiers: {
      personal: HASHED_FIELDS,
      ids: ['meta.fbc', 'meta.fbp'],
      network: ['client_ip_address', 'client_user_agent'],
    },
    // LDU needs no identifier kept: country and state are flags (docs/meta-capi.md §8).
    restricted: { keeps: [] },
    // Something to match on (docs/meta-capi.md §4); a website event also needs the user agent (validate).
    accepts: (u) => (!!u.em?.length || !!u.ph?.length || !!u.external_id?.length || !!u.client_ip_address || !!u.ids?.['meta.fbc'] || !!u.ids?.['meta.fbp']),
    requires: 'em, ph, external_id, fbc, fbp or client_ip_address (website events also client_user_agent)',

    toPayload: (e) => {
      const event_name = metaEventName(e)
      if (!event_name) return undefined
      // A server-made event with no browser trace at all (an order webhook without context or user
      // agent: a phone or admin order) cannot be a website event, which needs the user agent (§4).
      const noBrowser = e.source === 'webhook' && !e.user.client_user_agent
      const action_source = noBrowser && e.action_source === 'web' ? 'other' : ACTION_SOURCES[e.action_source]
      const p: MetaEvent = { event_name, event_time: e.time, event_id: e.event_id, action_source, user_data: toUserData(e.user) }
      const url = e.url ?? (p.action_source === 'website' ? o.eventSourceUrl : undefined)
      if (url) p.event_source_url = url
      if (e.referrer) p.referrer_url = e.referrer
      if (e.opt_out !== undefined) p.opt_out = e.opt_out
      const custom = toCustomData(e.name, e.custom)
      if (custom) p.custom_data = custom
      if (e.restricted) Object.assign(p, ldu(e))
      return p
    },

    validate: (payload) => describeProblems(metaEventSchema.safeParse(payload)),

    // The token travels in the JSON body, as Meta's SDK sends it (docs/meta-capi.md §1): never in a URL that may be logged.
    toRequest: (payloads) => ({
      url: `${o.apiUrl}/${o.pixelId}/events`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: payloads, ...(o.testEventCode ? { test_event_code: o.testEventCode } : {}), access_token: o.accessToken ?? '' }),
    }),

    fromResponse: (status, body, headers, count): BatchOutcome => {
      if (status >= 200 && status < 300) {
        const received = body && typeof body === 'object' ? (body as { events_received?: unknown }).events_received : undefined
        if (received === count) return { kind: 'done', results: Array.from({ length: count }, () => ({ status: 'processed' as const })) }
        return { kind: 'retry', reason: `${status} from Meta with an unreadable body` }
      }
      // Classify by Graph's error code, not the HTTP status (docs/meta-capi.md §6).
      const err = graphError(body)
      const reason = describe(status, err, body)
      const code = err?.code
      if (code !== undefined && (AUTH_CODES.has(code) || (code >= 200 && code <= 299))) return { kind: 'auth', reason }
      if (status === 401 || status === 403) return { kind: 'auth', reason }
      const wait = retryAfter(headers.get('retry-after'))
      if (status === 429 || (code !== undefined && THROTTLE_CODES.has(code))) return { kind: 'retry', reason, retryAfterMs: wait, wait: 'rate-limited' }
      if (status >= 500 || (code !== undefined && TEMPORARY_CODES.has(code))) return { kind: 'retry', reason, retryAfterMs: wait, wait: 'upstream-5xx' }
      // Code 100 and other 4xx refuse the whole request (§2): the sender halves the batch until the bad event stands alone.
      return { kind: 'rejected', reason }
    },
  }),
})
