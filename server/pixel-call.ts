import { z } from 'zod'
import { pixelPlatforms } from './destinations'
import { META_EVENT_NAMES } from './destinations/meta-capi'
import { TIKTOK_EVENT_NAMES } from './destinations/tiktok-events'
import { CUSTOM_EVENT_NAME } from './destinations/wire'
import type { CanonicalEvent, EventName, Identity } from './event'
import { neutralEventSchema, neutralToCanonical } from './neutral-input'
import type { Shopper } from './pinterest/beacon-event'

// One Meta or TikTok pixel call the loader saw (client/px/mirror.ts), sent to `POST {prefix}/e` so
// the server makes that platform's copy with the pixel's own id (README "Meta and TikTok pixels on
// the page"). The call's data is the platform's own (Meta `custom_data`, TikTok `properties`):
// the keys the server copy uses are read, the rest is left out.

/** The platforms whose page pixel a registered driver declares (destinations/index.ts `pixelPlatforms`). */
export const PIXEL_PLATFORMS = pixelPlatforms()

export const pixelCallSchema = z
  .object({
    px: z.enum(PIXEL_PLATFORMS),
    /** The platform's event name, as the page called it (`Purchase`, `CompletePayment`, a custom name). */
    name: z.string().regex(CUSTOM_EVENT_NAME, 'must be 1–50 letters, digits, spaces or _.:-'),
    /** `eventID` (fbq's 4th argument) / `event_id` (ttq's 3rd): what the platform deduplicates on. */
    id: z.string().min(1, 'is required').max(256, 'is longer than 256 characters').regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
    /** `fbq('trackCustom', …)`: a custom event whatever its name. */
    custom: z.union([z.literal(1), z.literal(true)]).optional(),
    data: z.record(z.string(), z.unknown()).default({}),
    loc: z.string().max(8192).optional(),
    ref: z.string().max(8192).optional(),
  })
  .strict()
export type PixelCall = z.output<typeof pixelCallSchema>

/** Platform name → neutral name: the reverse of each destination's table (first neutral name wins), plus TikTok's older purchase names (docs/tiktok-events.md §4). */
const reverse = (table: Partial<Record<EventName, string>>, extra: Record<string, EventName> = {}): Record<string, EventName> => {
  const out: Record<string, EventName> = { ...extra }
  for (const [neutral, name] of Object.entries(table) as [EventName, string][]) out[name] ??= neutral
  return out
}
const NEUTRAL: Record<string, Record<string, EventName>> = {
  meta: reverse(META_EVENT_NAMES),
  tiktok: reverse(TIKTOK_EVENT_NAMES, { CompletePayment: 'checkout', PlaceAnOrder: 'checkout' }),
}

type Data = Record<string, unknown>
const copy = (from: Data, pairs: [string, string][]): Data => {
  const out: Data = {}
  for (const [src, dst] of pairs) if (from[src] !== undefined && from[src] !== null) out[dst] = from[src]
  return out
}
const list = (v: unknown) => (Array.isArray(v) ? v : [])

/** Meta `custom_data` (docs/meta-capi.md) → neutral data. */
function metaData(d: Data): Data {
  const out = copy(d, [['value', 'value'], ['currency', 'currency'], ['content_ids', 'content_ids'], ['num_items', 'num_items'], ['order_id', 'order_id'], ['search_string', 'search_string'], ['content_name', 'content_name'], ['content_category', 'content_category']])
  if (d.contents !== undefined) out.contents = list(d.contents).map((c) => copy(c as Data, [['id', 'id'], ['quantity', 'quantity'], ['item_price', 'price']]))
  return out
}

/** TikTok `properties` (docs/tiktok-events.md §6) → neutral data. */
function tiktokData(d: Data): Data {
  const out = copy(d, [['value', 'value'], ['currency', 'currency'], ['content_ids', 'content_ids'], ['order_id', 'order_id'], ['query', 'search_string'], ['content_name', 'content_name'], ['content_category', 'content_category']])
  if (out.content_ids === undefined && d.content_id !== undefined) out.content_ids = [d.content_id]
  if (d.contents !== undefined) {
    out.contents = list(d.contents).map((c) => copy(c as Data, [['content_id', 'id'], ['content_name', 'name'], ['content_category', 'category'], ['brand', 'brand'], ['price', 'price'], ['quantity', 'quantity']]))
  }
  return out
}

/**
 * Each platform's call data → neutral data. A pixel platform without an entry (a driver registered
 * since) has its call data read as neutral data, and its calls as custom events under their own names.
 */
const DATA: Record<string, (d: Data) => Data> = { meta: metaData, tiktok: tiktokData }

const httpUrl = (v: string | undefined) => (v && /^https?:\/\//i.test(v) ? v : undefined)

/**
 * The canonical event a pixel call stands for: that platform only (`platforms`), under the page's
 * own event name (`pixel_names`, so the platform matches name + id), the shopper's IP, user agent,
 * hashed email and that platform's click/browser ids, source `loader`, the server's time. Data the
 * server copy cannot carry (a value that is no number, …) skips the call, with the reason.
 * @example pixelCallToEvent({ px: 'meta', name: 'Purchase', id: 'ord_1', data: { value: 9, currency: 'USD' } }, shopper, Date.now())
 */
export function pixelCallToEvent(call: PixelCall, shopper: Shopper, nowMs: number): { event: CanonicalEvent } | { skip: string } {
  const neutralName = call.custom ? undefined : NEUTRAL[call.px]?.[call.name]
  const input = {
    name: neutralName ?? 'custom',
    ...(neutralName ? {} : { custom_name: call.name }),
    event_id: call.id,
    url: httpUrl(call.loc),
    referrer: httpUrl(call.ref),
    data: DATA[call.px] ? DATA[call.px](call.data) : call.data,
    pixel_names: { [call.px]: call.name },
    platforms: [call.px],
  }
  const parsed = neutralEventSchema.safeParse(input)
  if (!parsed.success) return { skip: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }
  const now = Math.floor(nowMs / 1000)
  const event = neutralToCanonical(parsed.data, now, (t) => t)
  event.source = 'loader'
  const user: Identity = {}
  if (shopper.ip) user.client_ip_address = shopper.ip
  if (shopper.ua) user.client_user_agent = shopper.ua.slice(0, 2048)
  if (shopper.em) user.em = [shopper.em]
  const ids = Object.entries(shopper.ids ?? {}).filter(([k]) => k.startsWith(`${call.px}.`))
  if (ids.length) user.ids = Object.fromEntries(ids)
  event.user = user
  if (shopper.language) event.language = shopper.language
  if (shopper.consent) event.consent = shopper.consent
  return { event }
}
