import { z } from 'zod'
import type { CanonicalEvent, EventData, EventName, Identity } from '../event'
import { hashValue, isSha256 } from '../identity/normalize'
import { defineDestination, type BatchOutcome, type Destination, type EventResult, type PixelReading } from './define-destination'
import { retryAfter } from './pinterest-capi'
import { copyKeys, describeProblems, moneyNumber, platformEventName, sha256List } from './wire'

/**
 * Neutral name → TikTok `event` (docs/tiktok-events.md §4): the names in force since May 2025
 * (`Purchase`, not `CompletePayment`; `Lead`, not `SubmitForm`). Page views are `Pageview`, sent
 * only when asked (see `pageViews`). `watch_video` goes as a custom event; `app_install` has no
 * web counterpart.
 */
export const TIKTOK_EVENT_NAMES: Partial<Record<EventName, string>> = {
  page_visit: 'Pageview',
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
/** The `event` TikTok receives (the page's own spelling first: dedup matches name + id, §4), or undefined. */
export const tiktokEventName = (e: Pick<CanonicalEvent, 'name' | 'custom_name' | 'pixel_names'>): string | undefined => platformEventName(e, 'tiktok', TIKTOK_EVENT_NAMES)

export interface TikTokUser {
  email?: string[]
  phone?: string[]
  external_id?: string[]
  ttclid?: string
  ttp?: string
  ip?: string
  user_agent?: string
  locale?: string
}

/** SHA-256 of each value after `adapt`; a given hash passes through. */
function hashed(values: readonly string[] | undefined, adapt: (v: string) => string = (v) => v): string[] | undefined {
  if (!values?.length) return undefined
  return [...new Set(values.map((v) => (isSha256(v) ? v.toLowerCase() : hashValue(adapt(v)))))]
}

/** TikTok hashes the phone in E.164 with its `+` (docs/tiktok-events.md §5); the neutral form is the digits with country code. */
const e164 = (digits: string) => `+${digits}`

function toUser(u: Identity, language: string | undefined): TikTokUser {
  const out: TikTokUser = {}
  const email = hashed(u.em)
  if (email) out.email = email
  const phone = hashed(u.ph, e164)
  if (phone) out.phone = phone
  const external = hashed(u.external_id)
  if (external) out.external_id = external
  const ttclid = u.ids?.['tiktok.ttclid']
  if (ttclid) out.ttclid = ttclid
  const ttp = u.ids?.['tiktok.ttp']
  if (ttp) out.ttp = ttp
  if (u.client_ip_address) out.ip = u.client_ip_address
  if (u.client_user_agent) out.user_agent = u.client_user_agent
  if (language) out.locale = language
  return out
}

export interface TikTokContent { content_id?: string; content_name?: string; content_category?: string; quantity?: number; price?: number; brand?: string }
export interface TikTokProperties {
  contents?: TikTokContent[]
  content_type?: 'product' | 'product_group'
  content_ids?: string[]
  currency?: string
  value?: number
  query?: string
  search_string?: string
  order_id?: string
  num_items?: number
  predicted_ltv?: number
  description?: string
}


function toProperties(name: EventName, d: EventData): TikTokProperties | undefined {
  const out: TikTokProperties = {}
  // "don't combine content_ids with contents" (§6): contents when there are line items.
  if (d.contents?.length) {
    out.contents = d.contents.map((c) => {
      const item: TikTokContent = {}
      if (c.id !== undefined) item.content_id = c.id
      if (c.name !== undefined) item.content_name = c.name
      if (c.category !== undefined) item.content_category = c.category
      if (c.quantity !== undefined) item.quantity = c.quantity
      const price = moneyNumber(c.price, d.currency)
      if (price !== undefined) item.price = price
      if (c.brand !== undefined) item.brand = c.brand
      return item
    })
  } else if (d.content_ids?.length) out.content_ids = d.content_ids
  if (name === 'view_category') out.content_type = 'product_group'
  else if (out.contents || out.content_ids) out.content_type = 'product'
  if (d.currency !== undefined) out.currency = d.currency
  const value = moneyNumber(d.value, d.currency)
  if (value !== undefined) out.value = value
  if (d.search_string !== undefined) {
    out.query = d.search_string
    out.search_string = d.search_string
  }
  if (d.order_id !== undefined) out.order_id = d.order_id
  if (d.num_items !== undefined) out.num_items = d.num_items
  const ltv = moneyNumber(d.predicted_ltv, d.currency)
  if (ltv !== undefined) out.predicted_ltv = ltv
  if (d.content_name !== undefined) out.description = d.content_name
  for (const _ in out) return out
  return undefined
}

export interface TikTokEvent {
  event: string
  event_time: number
  event_id: string
  user: TikTokUser
  properties?: TikTokProperties
  page?: { url?: string; referrer?: string }
  limited_data_use: boolean
}

/** What TikTok refuses (docs/tiktok-events.md §3–§6): one check before an event is queued. */
const tiktokEventSchema = z
  .object({
    event: z.string().min(1).max(50),
    event_time: z.number().int().positive().max(9_999_999_999, 'must be Unix seconds'),
    event_id: z.string().min(1),
    user: z
      .object({ email: sha256List.optional(), phone: sha256List.optional(), external_id: sha256List.optional(), ttclid: z.string().min(1).optional(), ttp: z.string().min(1).optional(), ip: z.string().min(1).optional(), user_agent: z.string().min(1).optional(), locale: z.string().min(1).optional() })
      .strict(),
    properties: z.object({ value: z.number().finite().nonnegative().optional(), currency: z.string().regex(/^[A-Z]{3}$/).optional() }).loose().optional(),
    page: z.object({ url: z.string().optional(), referrer: z.string().optional() }).strict().optional(),
    limited_data_use: z.boolean(),
  })
  .strict()

/** TikTok's return codes (docs/tiktok-events.md §7): the outcome is in `code`, usually with HTTP 200. */
const OK = 0
const PARTIAL = 20001
const RATE_LIMITED = 40100
const AUTH_CODES = new Set([40001, 40102, 40104, 40105])
const TEMPORARY_CODES = new Set([40700, 50000, 50002, 51000])

interface TikTokAnswer { code: number; message?: string; data?: { failed_events?: { index?: number; event_id?: string; message?: string }[] } }
const answerOf = (body: unknown): TikTokAnswer | undefined =>
  body && typeof body === 'object' && typeof (body as { code?: unknown }).code === 'number' ? (body as TikTokAnswer) : undefined

/** A partial success (20001): the events TikTok names failed, the others were processed. The shape of the list is not verified (§7). */
function partial(answer: TikTokAnswer, count: number): EventResult[] {
  const results: EventResult[] = Array.from({ length: count }, () => ({ status: 'processed' }))
  const failed = Array.isArray(answer.data?.failed_events) ? answer.data.failed_events : []
  for (const f of failed) {
    if (typeof f?.index === 'number' && f.index >= 0 && f.index < count) results[f.index] = { status: 'failed', error: `${f.message ?? answer.message ?? 'failed'} (code ${PARTIAL})` }
  }
  if (!failed.length) results.forEach((r) => (r.warning = `partial success without a list of failed events: ${answer.message ?? ''}`))
  return results
}

const options = z
  .object({
    /** The TikTok Pixel code (Events Manager), the `event_source_id`. */
    pixelCode: z.string({ error: 'is required (the TikTok Pixel code) to turn on the tiktok-events destination' }).regex(/^[A-Za-z0-9]{8,32}$/, 'must be the TikTok Pixel code (letters and digits)'),
    /** An Events API access token (Events Manager → pixel → Settings → Generate Access Token); without it: dry-run. */
    accessToken: z.string().min(16, 'looks too short').optional(),
    /** The Business API origin (a fake in tests). */
    apiUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).transform((u) => new URL(u).origin).default('https://business-api.tiktok.com'),
    /** Events Manager → Test Events code. */
    testEventCode: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be the code from Events Manager → Test Events').optional(),
    /**
     * Send page views (`Pageview`). Off by default: `ttq.page()` carries no event id we could
     * verify, so a server copy could count every page view twice (§4).
     */
    pageViews: z.boolean({ error: 'must be true or false' }).default(false),
  })
  .strict()

export type TikTokEventsOptions = z.input<typeof options>

export const TIKTOK_TRACK_PATH = '/open_api/v1.3/event/track/'

/**
 * How a TikTok pixel call mirrored to `/tw/e` is read (server/pixel-call.ts): its name backwards
 * through `TIKTOK_EVENT_NAMES`, plus the older names pages still call (`CompletePayment`,
 * `PlaceAnOrder`, `SubmitForm`: docs/tiktok-events.md §4); its `properties` (§6) as neutral data —
 * `query` as `search_string`, a lone `content_id` as `content_ids`, each content's
 * `content_id`/`content_name`/`content_category` as `id`/`name`/`category`.
 */
export const TIKTOK_PIXEL_READING: PixelReading = {
  names: TIKTOK_EVENT_NAMES,
  extraNames: { CompletePayment: 'checkout', PlaceAnOrder: 'checkout', SubmitForm: 'lead' },
  data: (d) => {
    const out = copyKeys(d, [['value', 'value'], ['currency', 'currency'], ['content_ids', 'content_ids'], ['order_id', 'order_id'], ['query', 'search_string'], ['content_name', 'content_name'], ['content_category', 'content_category']])
    if (out.content_ids === undefined && d.content_id !== undefined) out.content_ids = [d.content_id]
    if (d.contents !== undefined) {
      out.contents = (Array.isArray(d.contents) ? d.contents : []).map((c) => copyKeys(c, [['content_id', 'id'], ['content_name', 'name'], ['content_category', 'category'], ['brand', 'brand'], ['price', 'price'], ['quantity', 'quantity']]))
    }
    return out
  },
}

/** TikTok Events API 2.0: POST /open_api/v1.3/event/track/ (docs/tiktok-events.md). */
export const tiktokEvents = defineDestination({
  name: 'tiktok-events',
  kind: 'batch',
  options,
  // TikTok's pixel on the page (client/px/tiktok.ts), judged by consent under this name.
  pixel: { name: 'tiktok-pixel', read: TIKTOK_PIXEL_READING },
  // TikTok's ids in the shopper's browser (docs/tiktok-events.md §9): `ttclid` from a landing URL,
  // the `_ttp` cookie its pixel sets. Opaque to us: printable, bounded.
  browserIds: [
    { key: 'tiktok.ttclid', claim: 'ttclid', param: 'ttclid', pattern: /^[\x21-\x7e]{1,512}$/ },
    { key: 'tiktok.ttp', claim: 'ttp', cookie: '_ttp', pattern: /^[\x21-\x7e]{1,256}$/ },
  ],
  env: { pixelCode: 'TIKTOK_PIXEL_CODE', accessToken: 'TIKTOK_ACCESS_TOKEN', apiUrl: 'TIKTOK_API_URL', testEventCode: 'TIKTOK_TEST_EVENT_CODE', pageViews: ['TIKTOK_PAGE_VIEWS', 'boolean'] },
  onByDefault: false,
  platform: 'tiktok',
  // Test event code from TikTok Events Manager, which only the shop can copy (docs/tiktok-events.md §2).
  testMode: { needs: 'testEventCode', credentials: ['pixelCode', 'accessToken'] },
  create: (o): Destination<TikTokEvent> => ({
    name: 'tiktok-events',
    kind: 'batch',
    platform: 'TikTok',
    // 1,000 events per request (third-party figure; code 40061 names a bad batch size, §2).
    maxBatch: 1000,
    live: !!o.accessToken,
    // Not stated by TikTok; a connector documents 1,000 requests per minute per token (§7, not verified).
    rateLimit: { perMinute: 1000 },
    rateLimitKey: `tiktok-pixel-${o.pixelCode}`,
    credentialsKey: `${o.pixelCode}:${o.accessToken ?? ''}`,
    // TikTok refuses a token with HTTP 200 and code 40102/40104/40105, a missing permission with 40001.
    credentials: { settings: 'TIKTOK_ACCESS_TOKEN / TIKTOK_PIXEL_CODE', refused: { 200: 'access token refused or lacks permission for the pixel', 401: 'access token refused', 403: 'permission denied' } },
    describe: () => ({ pixelCode: o.pixelCode, accessToken: o.accessToken ? '<set>' : undefined, apiUrl: o.apiUrl, testEventCode: o.testEventCode, pageViews: o.pageViews }),
    warnings: () => [
      ...(o.accessToken ? [] : [{ setting: 'TIKTOK_ACCESS_TOKEN', problem: 'no TikTok access token: dry-run, nothing is sent to the Events API', fix: 'set TIKTOK_ACCESS_TOKEN' }]),
      ...(o.testEventCode ? [{ setting: 'TIKTOK_TEST_EVENT_CODE', problem: 'TIKTOK_TEST_EVENT_CODE is set: TikTok shows every event under Test Events and counts none', fix: 'unset TIKTOK_TEST_EVENT_CODE' }] : []),
    ],

    identifiers: {
      personal: ['em', 'ph', 'external_id'],
      ids: ['tiktok.ttclid', 'tiktok.ttp'],
      network: ['client_ip_address', 'client_user_agent'],
    },
    // Limited data use is a per-event flag: it keeps no identifier (§8).
    restricted: { keeps: [] },
    accepts: (u) => !!u.em?.length || !!u.ph?.length || !!u.external_id?.length || !!u.ids?.['tiktok.ttclid'] || !!u.ids?.['tiktok.ttp'] || (!!u.client_ip_address && !!u.client_user_agent),
    requires: 'an email, phone, external_id, ttclid, ttp, or IP and user agent',

    toPayload: (e) => {
      if (e.name === 'page_visit' && !o.pageViews) return undefined
      const event = tiktokEventName(e)
      if (!event) return undefined
      const p: TikTokEvent = { event, event_time: e.time, event_id: e.event_id, user: toUser(e.user, e.language), limited_data_use: !!e.restricted }
      const properties = toProperties(e.name, e.custom)
      if (properties) p.properties = properties
      if (e.url || e.referrer) p.page = { ...(e.url ? { url: e.url } : {}), ...(e.referrer ? { referrer: e.referrer } : {}) }
      return p
    },

    validate: (payload) => describeProblems(tiktokEventSchema.safeParse(payload)),

    toRequest: (payloads) => ({
      url: `${o.apiUrl}${TIKTOK_TRACK_PATH}`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'access-token': o.accessToken ?? '' },
      body: JSON.stringify({ event_source: 'web', event_source_id: o.pixelCode, ...(o.testEventCode ? { test_event_code: o.testEventCode } : {}), data: payloads }),
    }),

    fromResponse: (status, body, headers, count): BatchOutcome => {
      const answer = answerOf(body)
      const reason = `${status} from TikTok: ${answer ? `${answer.message ?? 'no message'} (code ${answer.code})` : typeof body === 'string' ? body.slice(0, 200) || 'no message' : 'no message'}`
      const wait = retryAfter(headers.get('retry-after'))
      if (status === 429 || answer?.code === RATE_LIMITED) return { kind: 'retry', reason, retryAfterMs: wait, wait: 'rate-limited' }
      if (status >= 500) return { kind: 'retry', reason, retryAfterMs: wait, wait: 'upstream-5xx' }
      if (status === 401 || status === 403 || (answer && AUTH_CODES.has(answer.code))) return { kind: 'auth', reason }
      if (!answer) return status === 200 ? { kind: 'retry', reason: `200 from TikTok with an unreadable body` } : { kind: 'rejected', reason }
      if (answer.code === OK) return { kind: 'done', results: Array.from({ length: count }, () => ({ status: 'processed' as const })) }
      if (answer.code === PARTIAL) return { kind: 'done', results: partial(answer, count) }
      if (TEMPORARY_CODES.has(answer.code)) return { kind: 'retry', reason, retryAfterMs: wait, wait: 'upstream-5xx' }
      // 40002 (a bad field), 40062 (PII not hashed), 40061 (batch size), …: the whole request is
      // refused; the sender halves it until the bad event stands alone.
      return { kind: 'rejected', reason }
    },
  }),
})
