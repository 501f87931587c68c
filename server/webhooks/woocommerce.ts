import { z } from 'zod'
import { cents, parseTime, toAmount, type OrderFacts } from './order-event'

// The WooCommerce order as `order.created` / `order.updated` webhooks deliver it: the REST API
// order (`/wc/v3/orders/<id>`, WC_Webhook::get_wp_api_payload). Only what the mapping reads is
// declared; the rest is ignored. Woo sends "" for absent strings.

const text = z.string().nullish()
const money = z.union([z.string(), z.number()]).nullish()

const address = z.object({ first_name: text, last_name: text, city: text, state: text, postcode: text, country: text, email: text, phone: text }).nullish()

const lineItem = z.object({
  product_id: z.number().int().nullish(),
  variation_id: z.number().int().nullish(),
  sku: text,
  name: text,
  quantity: z.number({ error: 'must be a number' }).int().nonnegative(),
  subtotal: money,
  total: money,
  price: money,
})

export const wooOrderSchema = z.object({
  id: z.number({ error: 'must be the numeric order id' }).int().positive(),
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
const UNPAID_STATUSES = new Set(['pending', 'failed', 'on-hold', 'cancelled', 'refunded', 'trash', 'draft', 'checkout-draft', 'auto-draft'])

/**
 * True when the order counts as a purchase: status processing/completed, or a payment date on a
 * status that is not one of the unpaid ones (custom statuses of paid orders). Never for pending,
 * failed, on-hold, cancelled or refunded orders.
 * @example isWooOrderPaid({ status: 'on-hold', date_paid_gmt: null, … }) // false
 */
export function isWooOrderPaid(order: Pick<WooOrder, 'status' | 'date_paid_gmt'>): boolean {
  const status = order.status.trim().toLowerCase().replace(/^wc-/, '')
  if (UNPAID_STATUSES.has(status)) return false
  return PAID_STATUSES.has(status) || !!order.date_paid_gmt
}

const str = (v: unknown): string | undefined => (typeof v === 'number' ? String(v) : typeof v === 'string' && v.trim() ? v.trim() : undefined)
const positiveId = (v: number | null | undefined): string | undefined => (v && v > 0 ? String(v) : undefined)

/**
 * The value policy: `subtotal` = the sum of line totals (after discounts; Woo keeps line totals
 * excluding tax, and shipping and fees are separate lines); `total` = the order `total`.
 */
export function wooValue(order: WooOrder, policy: 'subtotal' | 'total'): number | undefined {
  if (policy === 'total') return toAmount(order.total)
  if (!order.line_items.length) return undefined
  return cents(order.line_items.reduce((sum, l) => sum + (toAmount(l.total) ?? 0), 0))
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
        name: str(l.name),
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
