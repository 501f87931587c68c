import { decodeHTML } from 'entities'
import { z } from 'zod'
import { parseTime, toAmount, type OrderFacts } from './order-event'

// The WooCommerce order as `order.created` / `order.updated` webhooks deliver it: the REST API
// order (`/wc/v3/orders/<id>`, WC_Webhook::get_wp_api_payload). Only what the mapping reads is
// declared; the rest is ignored. Woo sends "" for absent strings.

const text = z.string().nullish()
const money = z.union([z.string(), z.number()]).nullish()
/** A WordPress id: a number, or the exact digits of one beyond 2^53 (json-exact.ts reads those as strings). */
const wpId = z.union([z.number().int(), z.string().regex(/^\d{1,20}$/)])

const address = z.object({ first_name: text, last_name: text, city: text, state: text, postcode: text, country: text, email: text, phone: text }).nullish()

const lineItem = z.object({
  product_id: wpId.nullish(),
  variation_id: wpId.nullish(),
  sku: text,
  name: text,
  quantity: z.number({ error: 'must be a number' }).int().nonnegative(),
  subtotal: money,
  total: money,
  price: money,
})

export const wooOrderSchema = z.object({
  id: z.union([z.number().int().positive(), z.string().regex(/^[1-9]\d{0,19}$/)], { error: 'must be the numeric order id' }),
  status: z.string({ error: 'must be the order status' }),
  currency: text,
  total: money,
  date_paid_gmt: text,
  date_created_gmt: text,
  customer_ip_address: text,
  customer_user_agent: text,
  cart_hash: text,
  billing: address,
  shipping: address,
  meta_data: z.array(z.object({ key: z.string().nullish(), value: z.unknown() })).nullish(),
  line_items: z.array(lineItem).default([]),
})
export type WooOrder = z.output<typeof wooOrderSchema>

/** Order meta a shop can set at checkout (see the README hook) to carry tagwarden's cart token. */
export const WOO_TOKEN_META = ['_tw_cart', '_tw_ctx', 'tw_cart', 'tw_ctx']
/** WooCommerce order attribution (8.5+) keeps the session's landing URL here; it may carry `epik=`. */
const WOO_LANDING_META = '_wc_order_attribution_session_entry'

// Order statuses: pending, processing, on-hold, completed, cancelled, refunded, failed, trash
// (REST API docs, "Order properties"). processing = paid and awaiting fulfilment; completed = done.
const PAID_STATUSES = new Set(['processing', 'completed'])
/** Not paid (yet): no purchase. */
const UNPAID_STATUSES = new Set(['pending', 'failed', 'on-hold', 'draft', 'checkout-draft', 'auto-draft'])
/** Taken back: no purchase, and one already counted is recorded as cancelled (docs/order-webhooks.md "Cancellations"). */
const CANCELLED_STATUSES = new Set(['cancelled', 'refunded', 'trash'])

const statusOf = (order: Pick<WooOrder, 'status'>) => order.status.trim().toLowerCase().replace(/^wc-/, '')

/**
 * What the order is: `paid` when it counts as a purchase (status processing/completed, or a payment
 * date on a custom status that is none of the others), `cancelled` (cancelled, refunded, trashed),
 * else `not-paid` (pending, failed, on-hold, drafts).
 * @example wooOrderState({ status: 'on-hold', date_paid_gmt: null }) // 'not-paid'
 */
export function wooOrderState(order: Pick<WooOrder, 'status' | 'date_paid_gmt'>): 'paid' | 'not-paid' | 'cancelled' {
  const status = statusOf(order)
  if (CANCELLED_STATUSES.has(status)) return 'cancelled'
  if (UNPAID_STATUSES.has(status)) return 'not-paid'
  return PAID_STATUSES.has(status) || !!order.date_paid_gmt ? 'paid' : 'not-paid'
}

const str = (v: unknown): string | undefined => (typeof v === 'number' ? String(v) : typeof v === 'string' && v.trim() ? v.trim() : undefined)
const positiveId = (v: number | string | null | undefined): string | undefined => (v && Number(v) > 0 ? String(v) : undefined)
/**
 * Product names come HTML-escaped from WordPress (`Ship Your Idea &ndash; Color: Black`, the REST
 * API docs' own example; docs/order-webhooks.md "WooCommerce names"): decoded to the text the shop shows.
 */
const plainName = (v: unknown): string | undefined => {
  const s = str(v)
  return s && decodeHTML(s).trim()
}

/**
 * The value policy: `subtotal` = the sum of line totals (after discounts; Woo keeps line totals
 * excluding tax, and shipping and fees are separate lines); `total` = the order `total`.
 */
export function wooValue(order: WooOrder, policy: 'subtotal' | 'total'): number | undefined {
  if (policy === 'total') return toAmount(order.total)
  if (!order.line_items.length) return undefined
  return order.line_items.reduce((sum, l) => sum + (toAmount(l.total) ?? 0), 0)
}

/** A WooCommerce order → the facts the checkout event is built from. */
export function wooOrderFacts(order: WooOrder, valuePolicy: 'subtotal' | 'total'): OrderFacts {
  const a = order.billing?.city || order.billing?.country ? order.billing : (order.shipping ?? order.billing)
  const meta = order.meta_data ?? []
  const metaValue = (key: string) => meta.filter((m) => m.key === key).map((m) => str(m.value))
  return {
    orderId: String(order.id),
    value: wooValue(order, valuePolicy),
    currency: order.currency ?? undefined,
    items: order.line_items.map((l) => {
      // Unit price before discounts: the line subtotal (pre-discount, excl. tax) per unit.
      const subtotal = toAmount(l.subtotal)
      return {
        sku: str(l.sku),
        productId: positiveId(l.product_id),
        variantId: positiveId(l.variation_id),
        price: subtotal !== undefined && l.quantity > 0 ? subtotal / l.quantity : toAmount(l.price),
        quantity: l.quantity,
        name: plainName(l.name),
      }
    }),
    identity: {
      em: [order.billing?.email],
      ph: [order.billing?.phone],
      // Billing names only: a shipping recipient is someone else, who never saw the ad.
      fn: [order.billing?.first_name],
      ln: [order.billing?.last_name],
      ct: [a?.city],
      st: [a?.state],
      zp: [a?.postcode],
      country: [a?.country],
    },
    time: parseTime(order.date_paid_gmt) ?? parseTime(order.date_created_gmt),
    ip: order.customer_ip_address ?? undefined,
    ua: order.customer_user_agent ?? undefined,
    tokens: [...WOO_TOKEN_META.flatMap(metaValue), str(order.cart_hash)].filter((t): t is string => !!t),
    landingUrl: metaValue(WOO_LANDING_META)[0],
    country: a?.country ?? undefined,
  }
}
