import { z } from 'zod'
import { pixelPlatforms, pixelReading } from './destinations'
import { CUSTOM_EVENT_NAME } from './destinations/wire'
import type { CanonicalEvent, EventName, Identity } from './event'
import { neutralEventSchema, neutralToCanonical } from './neutral-input'
import type { Shopper } from './pinterest/beacon-event'

// One page pixel call the loader saw (client/px/mirror.ts), sent to `POST {prefix}/e` so the server
// makes that platform's copy with the pixel's own id (README "Meta and TikTok pixels on the page").
// The call's name and data are the platform's own: its driver declares how they are read
// (define-destination.ts `PixelReading`), and what the reading leaves out is dropped.

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

/** Platform name → neutral name: the reverse of the driver's table (first neutral name wins), its extra names first. */
const reverse = (table: Partial<Record<EventName, string>>, extra: Record<string, EventName> = {}): Record<string, EventName> => {
  const out: Record<string, EventName> = { ...extra }
  for (const [neutral, name] of Object.entries(table) as [EventName, string][]) if (!Object.hasOwn(out, name)) out[name] = neutral
  return out
}

/**
 * Each pixel platform's reading, as its driver declares it (destinations/index.ts `pixelReading`):
 * name lookup and data reader. A platform without one has its calls taken as custom events under
 * their own names, and its call data read as neutral data.
 */
const READINGS = new Map(
  PIXEL_PLATFORMS.map((px) => {
    const read = pixelReading(px)
    return [px, read && { neutral: reverse(read.names, read.extraNames), data: read.data }] as const
  }),
)

const httpUrl = (v: string | undefined) => (v && /^https?:\/\//i.test(v) ? v : undefined)

/**
 * The canonical event a pixel call stands for: that platform only (`platforms`), under the page's
 * own event name (`pixel_names`, so the platform matches name + id), the shopper's IP, user agent,
 * hashed email and that platform's click/browser ids, source `loader`, the server's time. Data the
 * server copy cannot carry (a value that is no number, …) skips the call, with the reason.
 * @example pixelCallToEvent({ px: 'meta', name: 'Purchase', id: 'ord_1', data: { value: 9, currency: 'USD' } }, shopper, Date.now())
 */
export function pixelCallToEvent(call: PixelCall, shopper: Shopper, nowMs: number): { event: CanonicalEvent } | { skip: string } {
  const reading = READINGS.get(call.px)
  // Own keys only: a page's `constructor` or `toString` is a custom event, not a built-in of the object.
  const neutralName = !call.custom && reading && Object.hasOwn(reading.neutral, call.name) ? reading.neutral[call.name] : undefined
  const input = {
    name: neutralName ?? 'custom',
    ...(neutralName ? {} : { custom_name: call.name }),
    event_id: call.id,
    url: httpUrl(call.loc),
    referrer: httpUrl(call.ref),
    data: reading ? reading.data(call.data) : call.data,
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
