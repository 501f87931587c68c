import { z } from 'zod'

/**
 * The one wire shape of `POST {prefix}/shopify/pixel`: what the shipped snippet (snippet.ts) sends
 * for one Shopify standard event. It keeps Shopify's own field names and nesting
 * (docs/shopify-web-pixels.md §5–§6) but only the fields the mapping reads: the snippet copies
 * exactly these (images, URLs, discounts and the page context stay in the browser). Strict: a
 * field the snippet never sends is refused, so a hand-made post cannot smuggle anything in.
 */

/** Line items and variants the snippet sends at most (a keepalive fetch body must stay under 64 KiB). */
export const PIXEL_MAX_ITEMS = 50
/** At most this many bytes per post. */
export const PIXEL_BODY_LIMIT = 64 * 1024

const text = (max: number) => z.string().max(max).nullish()
// Money amounts are numbers in the pixel API (docs §6), never strings.
const money = z.object({ amount: z.number().finite(), currencyCode: text(8) }).strict()

const product = z.object({ id: text(256), title: text(1024), type: text(256), vendor: text(256) }).strict()
const variant = z.object({ id: text(256), sku: text(256), title: text(1024), price: money.nullish(), product: product.nullish() }).strict()
const variants = z.array(variant).max(PIXEL_MAX_ITEMS).nullish()

const address = z
  .object({ firstName: text(256), lastName: text(256), city: text(256), provinceCode: text(16), zip: text(32), countryCode: text(8), phone: text(64) })
  .strict()

const lineItem = z.object({ quantity: z.number().int().min(0).max(1_000_000), title: text(1024), variant: variant.nullish() }).strict()

const checkout = z
  .object({
    token: text(256),
    currencyCode: text(8),
    totalPrice: money.nullish(),
    subtotalPrice: money.nullish(),
    totalTax: money.nullish(),
    shippingLine: z.object({ price: money.nullish() }).strict().nullish(),
    email: text(320),
    phone: text(64),
    billingAddress: address.nullish(),
    shippingAddress: address.nullish(),
    localization: z.object({ country: z.object({ isoCode: text(8) }).strict().nullish() }).strict().nullish(),
    order: z.object({ id: z.union([z.string().max(256), z.number()]).nullish() }).strict().nullish(),
    lineItems: z.array(lineItem).max(PIXEL_MAX_ITEMS).nullish(),
  })
  .strict()
export type PixelCheckout = z.output<typeof checkout>
export type PixelVariant = z.output<typeof variant>

const withCheckout = z.object({ checkout }).strict()

/** Per event name, its `data` (the names the issue lists; docs §6). */
export const PIXEL_DATA = {
  page_viewed: z.object({}).strict(),
  product_viewed: z.object({ productVariant: variant }).strict(),
  collection_viewed: z.object({ collection: z.object({ id: text(256), title: text(1024), productVariants: variants }).strict() }).strict(),
  search_submitted: z.object({ searchResult: z.object({ query: text(1024), productVariants: variants }).strict() }).strict(),
  product_added_to_cart: z
    .object({ cartLine: z.object({ cost: z.object({ totalAmount: money.nullish() }).strict().nullish(), merchandise: variant.nullish(), quantity: z.number().int().min(0).max(1_000_000) }).strict().nullable() })
    .strict(),
  checkout_started: withCheckout,
  checkout_contact_info_submitted: withCheckout,
  payment_info_submitted: withCheckout,
  checkout_completed: withCheckout,
} as const
export type PixelEventName = keyof typeof PIXEL_DATA
export const PIXEL_EVENT_NAMES = Object.keys(PIXEL_DATA) as PixelEventName[]

const envelope = {
  /** Shopify's event id (`sh-…`): unique per event, so a retry or a consent replay counts once. */
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be Shopify\'s event id (letters, digits, _ . : -; at most 128)'),
  timestamp: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time' }),
  /** `context.document.location.href` of the top frame. */
  url: text(8192),
  referrer: text(8192),
}
const pixelEvent = z.discriminatedUnion(
  'name',
  PIXEL_EVENT_NAMES.map((name) => z.object({ ...envelope, name: z.literal(name), data: PIXEL_DATA[name] }).strict()) as unknown as [
    z.ZodObject<typeof envelope & { name: z.ZodLiteral<PixelEventName>; data: z.ZodType }>,
  ],
  { error: (i) => (i.code === 'invalid_union' ? `must be one of ${PIXEL_EVENT_NAMES.join(', ')}` : undefined) },
)

/** `init.customerPrivacy` as the snippet last saw it (docs §4). */
export const customerPrivacySchema = z
  .object({ analyticsProcessingAllowed: z.boolean(), marketingAllowed: z.boolean(), preferencesProcessingAllowed: z.boolean().optional(), saleOfDataAllowed: z.boolean() })
  .strict()

export const pixelBodySchema = z
  .object({
    v: z.literal(1, { error: 'must be 1 (this snippet\'s format); print a fresh snippet with `tagwarden shopify-pixel`' }),
    key: z.string().max(256),
    event: pixelEvent,
    privacy: customerPrivacySchema,
    /** Shopify's client id (a UUID): hashed into `external_id`. */
    client_id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/).nullish(),
    /** The shop page's `_epik` cookie via `browser.cookie.get` ('' when missing). */
    epik: z.string().max(1024).nullish(),
  })
  .strict()
type Envelope = z.output<z.ZodObject<typeof envelope>>
/** One event, its `data` typed by its name. */
export type PixelEventBody = { [N in PixelEventName]: Envelope & { name: N; data: z.output<(typeof PIXEL_DATA)[N]> } }[PixelEventName]
export type PixelBody = Omit<z.output<typeof pixelBodySchema>, 'event'> & { event: PixelEventBody }
