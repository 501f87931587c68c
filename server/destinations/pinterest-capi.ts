import type { CanonicalEvent, Content, EventData, Identity } from '../event'
import { hashValue } from '../identity/normalize'
import { toMoneyString } from '../money'
import { capiEventSchema, capiResponseSchema, hasMatchKey, MATCH_KEYS, type CapiEvent } from '../pinterest/capi-schema'
import { LDP } from '../pinterest/ldp'
import { z } from 'zod'
import { defineDestination, type BatchOutcome, type Destination } from './define-destination'

type UserData = CapiEvent['user_data']
type CustomData = NonNullable<CapiEvent['custom_data']>

/** At most this many values per hashed field: our own bound, Pinterest states none (docs/pinterest-capi.md "Limits"). */
const MAX_VALUES = 100

/** Lowercase hex SHA-256 of each neutral value, de-duplicated ("arrays even for one value"). */
function hashed(values: readonly string[]): string[] {
  if (values.length === 1) return [hashValue(values[0])]
  return [...new Set(values.map(hashValue))].slice(0, MAX_VALUES)
}

/**
 * Neutral identity → `user_data`: personal fields hashed (Pinterest's normalization is the neutral
 * one), `maid` as `hashed_maids`, the click id `pinterest.epik` as `click_id` and IP, UA and
 * `pinterest.partner_id` raw (docs/pinterest-capi.md "user_data"). Keys in one fixed order: few
 * object shapes on the hot path.
 */
function toUserData(u: Identity): UserData {
  const out = {} as UserData
  if (u.em) out.em = hashed(u.em)
  if (u.ph) out.ph = hashed(u.ph)
  if (u.fn) out.fn = hashed(u.fn)
  if (u.ln) out.ln = hashed(u.ln)
  if (u.ge) out.ge = hashed(u.ge)
  if (u.db) out.db = hashed(u.db)
  if (u.ct) out.ct = hashed(u.ct)
  if (u.st) out.st = hashed(u.st)
  if (u.zp) out.zp = hashed(u.zp)
  if (u.country) out.country = hashed(u.country)
  if (u.external_id) out.external_id = hashed(u.external_id)
  if (u.maid) out.hashed_maids = hashed(u.maid)
  const click = u.ids?.['pinterest.epik']
  if (click) out.click_id = click
  if (u.client_ip_address) out.client_ip_address = u.client_ip_address
  if (u.client_user_agent) out.client_user_agent = u.client_user_agent
  const partner = u.ids?.['pinterest.partner_id']
  if (partner) out.partner_id = partner
  return out
}

/** Money as Pinterest's decimal string, in the event's currency's minor units (docs/money.md). */
function toContent(c: Content, currency: string | undefined): NonNullable<CustomData['contents']>[number] {
  const out: NonNullable<CustomData['contents']>[number] = {}
  if (c.id !== undefined) out.id = c.id
  const price = toMoneyString(c.price, currency)
  if (price !== undefined) out.item_price = price
  if (c.quantity !== undefined) out.quantity = c.quantity
  if (c.name !== undefined) out.item_name = c.name
  if (c.category !== undefined) out.item_category = c.category
  if (c.brand !== undefined) out.item_brand = c.brand
  return out
}

/** Neutral event data → `custom_data`; `restricted` adds Pinterest's LDP flag. Undefined when empty. */
function toCustomData(d: EventData, restricted: boolean | undefined): CustomData | undefined {
  const out: CustomData = {}
  const value = toMoneyString(d.value, d.currency)
  if (value !== undefined) out.value = value
  if (d.currency !== undefined) out.currency = d.currency
  if (d.content_ids !== undefined) out.content_ids = d.content_ids
  if (d.contents !== undefined) out.contents = d.contents.map((c) => toContent(c, d.currency))
  if (d.num_items !== undefined) out.num_items = d.num_items
  if (d.order_id !== undefined) out.order_id = d.order_id
  if (d.search_string !== undefined) out.search_string = d.search_string
  if (d.content_name !== undefined) out.content_name = d.content_name
  if (d.content_category !== undefined) out.content_category = d.content_category
  if (d.content_brand !== undefined) out.content_brand = d.content_brand
  if (restricted) out.opt_out_type = LDP
  const ltv = toMoneyString(d.predicted_ltv, d.currency)
  if (ltv !== undefined) out.predicted_ltv = ltv
  for (const _ in out) return out
  return undefined
}

const origin = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).transform((u) => new URL(u).origin)

/** The options of the Conversions API destination; without credentials it runs dry (built, validated, recorded, never sent). */
const options = z
  .object({
    /** The ad account events are sent to (digits). */
    adAccountId: z.string().regex(/^\d{1,18}$/, 'must be digits (at most 18)').optional(),
    /** A Conversions API access token (`pina_…`) with ads:write on that account. */
    accessToken: z.string().min(8, 'looks too short').optional(),
    /** Pinterest's API origin (a fake in tests). */
    apiUrl: origin.default('https://api.pinterest.com'),
    /** Send `test=true`: Pinterest validates and shows the events, never counts them. */
    testEvents: z.boolean({ error: 'must be true or false' }).default(false),
  })
  .strict()
  .refine((o) => !!o.adAccountId === !!o.accessToken, { message: '{adAccountId} and {accessToken} go together: set both to send, or neither for dry-run', path: ['accessToken'] })

export type PinterestCapiOptions = z.input<typeof options>

/** Pinterest Conversions API: POST /v5/ad_accounts/{ad_account_id}/events (docs/pinterest-capi.md). */
export const pinterestCapi = defineDestination({
  name: 'pinterest-capi',
  kind: 'batch',
  options,
  env: { adAccountId: 'PINTEREST_AD_ACCOUNT_ID', accessToken: 'PINTEREST_ACCESS_TOKEN', apiUrl: 'PINTEREST_API_URL', testEvents: ['PINTEREST_TEST_EVENTS', 'boolean'] },
  onByDefault: true,
  platform: 'pinterest',
  // Pinterest's `?test=true`: validated, never recorded (docs/pinterest-capi.md "Limits").
  testMode: { set: { testEvents: 'true' }, credentials: ['adAccountId', 'accessToken'] },
  create: (o): Destination<CapiEvent> => ({
  name: 'pinterest-capi',
  kind: 'batch',
  platform: 'Pinterest',
  // "data" maxItems: 1000 (ConversionEvents)
  maxBatch: 1000,
  live: !!(o.adAccountId && o.accessToken),
  // "This endpoint has a rate limit of 5,000 calls per minute per ad account." (events/create)
  rateLimit: { perMinute: 5000 },
  rateLimitKey: `pinterest-ad-account-${o.adAccountId ?? 'none'}`,
  credentialsKey: `${o.adAccountId ?? ''}:${o.accessToken ?? ''}`,
  // 404 on this path means the ad account is wrong (see fromResponse).
  credentials: { settings: 'PINTEREST_ACCESS_TOKEN / PINTEREST_AD_ACCOUNT_ID', refused: { 401: 'token rejected', 403: 'access denied', 404: 'ad account not found' } },
  describe: () => ({ adAccountId: o.adAccountId, accessToken: o.accessToken ? '<set>' : undefined, apiUrl: o.apiUrl, testEvents: o.testEvents }),
  warnings: () => [
    ...(o.adAccountId && o.accessToken ? [] : [{ setting: 'PINTEREST_ACCESS_TOKEN', problem: 'no Pinterest credentials: dry-run, nothing is sent to the Conversions API', fix: 'set PINTEREST_AD_ACCOUNT_ID and PINTEREST_ACCESS_TOKEN' }]),
    ...(o.testEvents ? [{ setting: 'PINTEREST_TEST_EVENTS', problem: 'PINTEREST_TEST_EVENTS=true: Pinterest validates every event and records none', fix: 'unset PINTEREST_TEST_EVENTS' }] : []),
  ],

  identifiers: {
    personal: ['em', 'ph', 'fn', 'ln', 'ge', 'db', 'ct', 'st', 'zp', 'country', 'external_id', 'maid'],
    ids: ['pinterest.epik', 'pinterest.partner_id'],
    network: ['client_ip_address', 'client_user_agent'],
  },
  // LDP: `opt_out_type: "LDP"` with the hashed state and country (docs/pinterest-capi.md "LDP").
  restricted: { keeps: ['st', 'country'] },
  // The same rule as the wire schema's, on the identity the payload is built from (`maid` becomes `hashed_maids`).
  accepts: (u) => hasMatchKey({ em: u.em, hashed_maids: u.maid, client_ip_address: u.client_ip_address, client_user_agent: u.client_user_agent }),
  requires: `a valid ${MATCH_KEYS}`,

  toPayload: (e: CanonicalEvent): CapiEvent => {
    // The neutral names are Pinterest's, so every event has its counterpart. Optional keys are
    // added in one fixed order (no spread of conditional literals): payloads share a few shapes,
    // which keeps the validation and JSON serialization behind them fast.
    const p: CapiEvent = { event_name: e.name, action_source: e.action_source, event_time: e.time, event_id: e.event_id, user_data: toUserData(e.user) }
    if (e.url) p.event_source_url = e.url
    if (e.opt_out !== undefined) p.opt_out = e.opt_out
    if (e.partner_name) p.partner_name = e.partner_name
    if (e.language) p.language = e.language
    const custom = toCustomData(e.custom, e.restricted)
    if (custom) p.custom_data = custom
    return p
  },

  validate: (payload) => {
    const r = capiEventSchema.safeParse(payload)
    return r.success ? undefined : r.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`).join('; ')
  },

  toRequest: (payloads) => ({
    url: `${o.apiUrl}/v5/ad_accounts/${o.adAccountId ?? '0'}/events${o.testEvents ? '?test=true' : ''}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${o.accessToken ?? ''}` },
    body: JSON.stringify({ data: payloads }),
  }),

  fromResponse: (status, body, headers, count): BatchOutcome => {
    // 200 → ConversionApiResponse; 422 → DetailedError whose `details` has the same shape.
    if (status === 200 || status === 422) {
      const source = status === 422 && body && typeof body === 'object' ? (body as { details?: unknown }).details : body
      const parsed = capiResponseSchema.safeParse(source)
      if (parsed.success && parsed.data.events.length === count) {
        return {
          kind: 'done',
          results: parsed.data.events.map((ev) => ({
            status: ev.status === 'processed' ? 'processed' : 'failed',
            error: ev.error_message || undefined,
            warning: ev.warning_message || undefined,
          })),
        }
      }
      if (status === 200) return { kind: 'retry', reason: `200 from Pinterest with an unreadable body` }
      return { kind: 'rejected', reason: `422 from Pinterest: ${describe(body)}` }
    }
    // 404 (v5.28) on this path means the ad account is wrong: a credentials problem, not the events'.
    if (status === 401 || status === 403 || status === 404) return { kind: 'auth', reason: `${status} from Pinterest: ${describe(body)}` }
    // 429 "exceeded a rate limit"; 5xx (503 "ramped down") → retry, honouring Retry-After.
    if (status === 429 || status >= 500) {
      return { kind: 'retry', reason: `${status} from Pinterest: ${describe(body)}`, retryAfterMs: retryAfter(headers.get('retry-after')) }
    }
    return { kind: 'rejected', reason: `${status} from Pinterest: ${describe(body)}` }
  },
  }),
})

function describe(body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body) {
    const b = body as { code?: unknown; message?: unknown }
    return `${String(b.message)}${b.code !== undefined ? ` (code ${String(b.code)})` : ''}`
  }
  return typeof body === 'string' ? body.slice(0, 200) : 'no message'
}

/** Retry-After: delta-seconds or an HTTP date (https://httpwg.org/specs/rfc9110.html#field.retry-after). */
export function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}
