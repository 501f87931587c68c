import { z } from 'zod'
import { toMoneyString } from '../money'
import { parseTime, toAmount, type OrderFacts } from './order-event'

// The Shopify Order as webhooks deliver it (REST Admin API "Order" resource; orders/paid and
// orders/create send the full order). Only what the mapping reads is declared; everything is
// optional or nullable because Shopify sends null for absent values and fields differ by API
// version, and an unknown key is ignored rather than refused.

const text = z.string().nullish()
const money = z.union([z.string(), z.number()]).nullish()
const id = z.union([z.number(), z.string()]).nullish()
/** An amount in both currencies of the order (`*_set` fields): the shop's and the buyer's ("presentment"). */
const moneyBag = z.object({ amount: money, currency_code: text }).nullish()
const moneySet = z.object({ shop_money: moneyBag, presentment_money: moneyBag }).nullish()

const address = z
  .object({ first_name: text, last_name: text, phone: text, city: text, zip: text, province_code: text, country_code: text })
  .nullish()

const lineItem = z.object({
  product_id: id,
  variant_id: id,
  sku: text,
  name: text,
  title: text,
  price: money,
  price_set: moneySet,
  quantity: z.number({ error: 'must be a number' }).int().nonnegative(),
  tax_lines: z.array(z.object({ price: money, price_set: moneySet })).nullish(),
})

export const shopifyOrderSchema = z.object({
  // Not `.int()`: zod refuses integers beyond 2^53, and Shopify's own webhook sample uses one (820982911946154508).
  id: z.union([z.number().positive(), z.string().regex(/^\d+$/)], { error: 'must be the numeric order id' }),
  admin_graphql_api_id: text,
  email: text,
  contact_email: text,
  phone: text,
  currency: text,
  presentment_currency: text,
  subtotal_price: money,
  subtotal_price_set: moneySet,
  total_price: money,
  total_price_set: moneySet,
  // An order paid and then cancelled, voided or refunded is no purchase (docs/order-webhooks.md "Cancellations").
  cancelled_at: text,
  cancel_reason: text,
  financial_status: text,
  taxes_included: z.boolean().nullish(),
  // "Whether this is a test order." (Order resource): placed with Shopify's Bogus Gateway or a test payment.
  test: z.boolean().nullish(),
  processed_at: text,
  created_at: text,
  customer_locale: text,
  browser_ip: text,
  client_details: z.object({ browser_ip: text, user_agent: text }).nullish(),
  cart_token: text,
  checkout_token: text,
  landing_site: text,
  note_attributes: z.array(z.object({ name: z.string().nullish(), value: z.unknown() })).nullish(),
  customer: z.object({ email: text, phone: text, first_name: text, last_name: text, default_address: address }).nullish(),
  billing_address: address,
  shipping_address: address,
  line_items: z.array(lineItem).default([]),
})
export type ShopifyOrder = z.output<typeof shopifyOrderSchema>

/** The Refund a `refunds/create` webhook delivers: only which order it belongs to and what was paid back is read. */
export const shopifyRefundSchema = z.object({
  order_id: z.union([z.number().positive(), z.string().regex(/^\d+$/)], { error: 'must be the numeric order id' }),
  created_at: text,
  transactions: z.array(z.object({ kind: text, status: text, amount: money, currency: text })).nullish(),
})
export type ShopifyRefund = z.output<typeof shopifyRefundSchema>

/**
 * A refund in words for the audit: its successful refund transactions' total and currency, and when.
 * @example shopifyRefundDetail({ order_id: 1, created_at: '2026-01-20T13:00:00-05:00', transactions: [{ kind: 'refund', status: 'success', amount: '89.99', currency: 'USD' }] }) // 'refund of 89.99 USD at 2026-01-20T13:00:00-05:00'
 */
export function shopifyRefundDetail(refund: ShopifyRefund): string {
  const paid = (refund.transactions ?? []).filter((t) => t.kind === 'refund' && (t.status ?? 'success') === 'success')
  const currency = paid.find((t) => t.currency)?.currency?.trim().toUpperCase()
  const amount = paid.length ? toMoneyString(paid.reduce((sum, t) => sum + (toAmount(t.amount) ?? 0), 0), currency) : undefined
  const at = refund.created_at?.trim().slice(0, 40)
  return `refund${amount ? ` of ${amount}${currency ? ` ${currency}` : ''}` : ''}${at ? ` at ${at}` : ''}`
}

/**
 * Cart attributes a storefront can set (`/cart/update.js` `attributes`) to carry tagwarden's own
 * cart token into the order's `note_attributes`; a leading `_` hides it from the checkout.
 */
export const SHOPIFY_TOKEN_ATTRIBUTES = ['_tw_cart', '_tw_ctx', 'tw_cart', 'tw_ctx']

const str = (v: unknown): string | undefined => (typeof v === 'number' ? String(v) : typeof v === 'string' && v.trim() ? v.trim() : undefined)

/**
 * The order id as a string. `admin_graphql_api_id` (`gid://shopify/Order/<id>`) is preferred: it is
 * a string, so ids above 2^53 survive JSON parsing intact. Its digits equal the thank-you page's
 * `checkout.order_id` (Liquid) and the number in a custom pixel's `checkout.order.id` (`gid://shopify/OrderIdentity/<id>` or bare; docs/shopify-web-pixels.md §7).
 */
export const shopifyOrderId = (order: ShopifyOrder): string =>
  /\/Order\/(\d+)$/.exec(order.admin_graphql_api_id ?? '')?.[1] ?? String(order.id)

/**
 * The money of the order as the buyer saw it: in a multi-currency shop the thank-you page (Liquid
 * `checkout`, a custom pixel's `checkout.totalPrice`) shows the presentment currency, so the
 * purchase is sent in it too, from the `*_set.presentment_money` amounts (docs/order-webhooks.md
 * "Currency"). Shop money is used when the order is in the shop's currency or carries no
 * presentment amounts (then every amount and the currency come from the shop side alike).
 */
export function shopifyMoney(order: ShopifyOrder) {
  const presentment = order.presentment_currency?.trim().toUpperCase()
  const usePresentment =
    !!presentment && presentment !== order.currency?.trim().toUpperCase() &&
    (order.subtotal_price_set?.presentment_money?.amount != null || order.total_price_set?.presentment_money?.amount != null)
  type Set = z.output<typeof moneySet>
  const pick = (set: Set, shop: string | number | null | undefined) => toAmount(usePresentment ? set?.presentment_money?.amount : shop)
  return {
    currency: usePresentment ? presentment : (order.currency ?? undefined),
    subtotal: pick(order.subtotal_price_set, order.subtotal_price),
    total: pick(order.total_price_set, order.total_price),
    itemPrice: (l: ShopifyOrder['line_items'][number]) => pick(l.price_set, l.price),
    tax: (l: ShopifyOrder['line_items'][number]) => (l.tax_lines ?? []).reduce((t, x) => t + (pick(x.price_set, x.price) ?? 0), 0),
  }
}

/**
 * The value policy: `subtotal` = `subtotal_price` (Shopify: the order price after discounts, before
 * shipping, duties, taxes and tips), minus line-item taxes when the shop's prices include tax;
 * `total` = `total_price`. In the currency {@link shopifyMoney} chose.
 */
export function shopifyValue(order: ShopifyOrder, policy: 'subtotal' | 'total'): number | undefined {
  const money = shopifyMoney(order)
  if (policy === 'total') return money.total
  if (money.subtotal === undefined || !order.taxes_included) return money.subtotal
  // Float noise (0.1 + 0.2) is rounded away with the currency's minor units when the value is sent.
  return money.subtotal - order.line_items.reduce((t, l) => t + money.tax(l), 0)
}

/**
 * Why a Shopify order is no purchase although it was paid: cancelled (`cancelled_at`), or its
 * payment voided or fully refunded (`financial_status`); undefined for a live order. A partial
 * refund leaves the purchase standing.
 * @example shopifyCancellation({ cancelled_at: '2026-01-02T10:00:00-05:00', cancel_reason: 'customer', … }) // 'cancelled at 2026-01-02T10:00:00-05:00 (customer)'
 */
export function shopifyCancellation(order: Pick<ShopifyOrder, 'cancelled_at' | 'cancel_reason' | 'financial_status'>): string | undefined {
  const at = order.cancelled_at?.trim()
  if (at) return `cancelled at ${at.slice(0, 40)}${order.cancel_reason ? ` (${order.cancel_reason.trim().slice(0, 40)})` : ''}`
  const status = order.financial_status?.trim().toLowerCase()
  return status === 'voided' || status === 'refunded' ? `financial_status ${status}` : undefined
}

/** A Shopify order → the facts the checkout event is built from. */
export function shopifyOrderFacts(order: ShopifyOrder, valuePolicy: 'subtotal' | 'total'): OrderFacts {
  const address = order.billing_address ?? order.shipping_address ?? order.customer?.default_address ?? undefined
  const c = order.customer
  const attrs = order.note_attributes ?? []
  const attrTokens = SHOPIFY_TOKEN_ATTRIBUTES.flatMap((name) => attrs.filter((a) => a.name === name).map((a) => str(a.value)))
  const locale = order.customer_locale?.trim().slice(0, 2).toLowerCase()
  const money = shopifyMoney(order)
  return {
    orderId: shopifyOrderId(order),
    value: shopifyValue(order, valuePolicy),
    currency: money.currency,
    items: order.line_items.map((l) => ({
      sku: str(l.sku),
      productId: str(l.product_id),
      variantId: str(l.variant_id),
      price: money.itemPrice(l),
      quantity: l.quantity,
      name: str(l.name) ?? str(l.title),
    })),
    identity: {
      em: [order.email, order.contact_email, c?.email],
      ph: [order.phone, address?.phone, c?.phone],
      fn: [address?.first_name, c?.first_name],
      ln: [address?.last_name, c?.last_name],
      ct: [address?.city],
      st: [address?.province_code],
      zp: [address?.zip],
      country: [address?.country_code],
    },
    time: parseTime(order.processed_at) ?? parseTime(order.created_at),
    language: locale && /^[a-z]{2}$/.test(locale) ? locale : undefined,
    ip: order.browser_ip ?? order.client_details?.browser_ip ?? undefined,
    ua: order.client_details?.user_agent ?? undefined,
    tokens: [...attrTokens, str(order.checkout_token), str(order.cart_token)].filter((t): t is string => !!t),
    landingUrl: order.landing_site ?? undefined,
    country: address?.country_code ?? undefined,
  }
}
