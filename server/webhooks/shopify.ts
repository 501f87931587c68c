import { z } from 'zod'
import { cents, parseTime, toAmount, type OrderFacts } from './order-event'

// The Shopify Order as webhooks deliver it (REST Admin API "Order" resource; orders/paid and
// orders/create send the full order). Only what the mapping reads is declared; everything is
// optional or nullable because Shopify sends null for absent values and fields differ by API
// version, and an unknown key is ignored rather than refused.

const text = z.string().nullish()
const money = z.union([z.string(), z.number()]).nullish()
const id = z.union([z.number(), z.string()]).nullish()

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
  quantity: z.number({ error: 'must be a number' }).int().nonnegative(),
  tax_lines: z.array(z.object({ price: money })).nullish(),
})

export const shopifyOrderSchema = z.object({
  // Not `.int()`: zod refuses integers beyond 2^53, and Shopify's own webhook sample uses one (820982911946154508).
  id: z.union([z.number().positive(), z.string().regex(/^\d+$/)], { error: 'must be the numeric order id' }),
  admin_graphql_api_id: text,
  email: text,
  contact_email: text,
  phone: text,
  currency: text,
  subtotal_price: money,
  total_price: money,
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

/**
 * Cart attributes a storefront can set (`/cart/update.js` `attributes`) to carry tagwarden's own
 * cart token into the order's `note_attributes`; a leading `_` hides it from the checkout.
 */
export const SHOPIFY_TOKEN_ATTRIBUTES = ['_tw_cart', '_tw_ctx', 'tw_cart', 'tw_ctx']

const str = (v: unknown): string | undefined => (typeof v === 'number' ? String(v) : typeof v === 'string' && v.trim() ? v.trim() : undefined)

/**
 * The order id as a string. `admin_graphql_api_id` (`gid://shopify/Order/<id>`) is preferred: it is
 * a string, so ids above 2^53 survive JSON parsing intact. It equals the thank-you page's
 * `checkout.order_id` (Liquid) and a custom pixel's `checkout.order.id`.
 */
export const shopifyOrderId = (order: ShopifyOrder): string =>
  /\/Order\/(\d+)$/.exec(order.admin_graphql_api_id ?? '')?.[1] ?? String(order.id)

/**
 * The value policy: `subtotal` = `subtotal_price` (Shopify: the order price after discounts, before
 * shipping, duties, taxes and tips), minus line-item taxes when the shop's prices include tax;
 * `total` = `total_price`.
 */
export function shopifyValue(order: ShopifyOrder, policy: 'subtotal' | 'total'): number | undefined {
  if (policy === 'total') return toAmount(order.total_price)
  const subtotal = toAmount(order.subtotal_price)
  if (subtotal === undefined || !order.taxes_included) return subtotal
  const tax = order.line_items.flatMap((l) => l.tax_lines ?? []).reduce((t, l) => t + (toAmount(l.price) ?? 0), 0)
  return cents(subtotal - tax)
}

/** A Shopify order → the facts the checkout event is built from. */
export function shopifyOrderFacts(order: ShopifyOrder, valuePolicy: 'subtotal' | 'total'): OrderFacts {
  const address = order.billing_address ?? order.shipping_address ?? order.customer?.default_address ?? undefined
  const c = order.customer
  const attrs = order.note_attributes ?? []
  const attrTokens = SHOPIFY_TOKEN_ATTRIBUTES.flatMap((name) => attrs.filter((a) => a.name === name).map((a) => str(a.value)))
  const locale = order.customer_locale?.trim().slice(0, 2).toLowerCase()
  return {
    orderId: shopifyOrderId(order),
    value: shopifyValue(order, valuePolicy),
    currency: order.currency ?? undefined,
    items: order.line_items.map((l) => ({
      sku: str(l.sku),
      productId: str(l.product_id),
      variantId: str(l.variant_id),
      price: toAmount(l.price),
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
