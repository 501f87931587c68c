import type { CanonicalEvent, ConsentSignals, EventName } from '../event'
import type { CartContext } from '../context/cart-store'
import { shopifyConsentSignals } from '../consent/shopify'
import { hashUserValue, normalizeValues } from '../identity/normalize'
import { buildCheckoutEvent, epikFrom, orderEventId, type ContentIdPolicy, type OrderItem } from '../webhooks/order-event'
import type { PixelBody, PixelCheckout, PixelEventName, PixelVariant } from './pixel-body'

/** What the server itself knows about the request (never from the body): the client as `rt.client` decided. */
export interface PixelRequest {
  ip?: string
  ua?: string
  language?: string
  /** `Sec-GPC: 1` on the request. */
  gpc: boolean
  /** The country header of a trusted proxy (TAGWARDEN_COUNTRY_HEADER). */
  country?: string
  nowMs: number
}

export interface PixelOptions {
  /** TAGWARDEN_EVENT_ID_TEMPLATE: `checkout_completed` gets the id the order webhook gives the order. */
  eventIdTemplate: string
  contentId: ContentIdPolicy
  orderValue: 'subtotal' | 'total'
}

/** A mapped pixel event: the neutral event (none for a step that only enriches the checkout), and what to keep under the checkout token. */
export type PixelMapping =
  | { event?: CanonicalEvent; purchase: boolean; token?: string; context: Omit<CartContext, 'at'> }
  | { problem: string }

/** Shopify event → neutral name (docs/shopify-web-pixels.md §6); `undefined` = enriches the checkout's context only. */
export const PIXEL_EVENT_MAP: Record<PixelEventName, EventName | undefined> = {
  page_viewed: 'page_visit',
  product_viewed: 'view_content',
  collection_viewed: 'view_category',
  search_submitted: 'search',
  product_added_to_cart: 'add_to_cart',
  checkout_started: 'initiate_checkout',
  // Only the email/phone are new at this step: kept for the order webhook, no conversion of its own.
  checkout_contact_info_submitted: undefined,
  payment_info_submitted: 'add_payment_info',
  checkout_completed: 'checkout',
}

/** The order id in `checkout.order.id`: `gid://shopify/OrderIdentity/N`, `gid://shopify/Order/N` or bare `N` (docs §7); anything else is not guessed at. */
export const PIXEL_ORDER_ID = /^(?:gid:\/\/shopify\/Order(?:Identity)?\/)?(\d{1,20})$/

/** Ids may come as GIDs (`gid://shopify/ProductVariant/123`): the catalog and the webhook use the number. */
const plainId = (id: string | null | undefined): string | undefined => {
  const s = id?.trim()
  return s ? (/^gid:\/\/shopify\/\w+\/(\d+)$/.exec(s)?.[1] ?? s) : undefined
}
const PRINTABLE = /^[\x21-\x7e]{1,1024}$/

const variantItem = (v: PixelVariant | null | undefined, quantity: number, name?: string | null): OrderItem => ({
  sku: v?.sku?.trim() || undefined,
  productId: plainId(v?.product?.id),
  variantId: plainId(v?.id),
  price: v?.price?.amount,
  quantity,
  name: v?.product?.title?.trim() || name?.trim() || undefined,
})

/**
 * The value policy of the webhook path (TAGWARDEN_ORDER_VALUE), from what a checkout carries:
 * `subtotal` = total − tax − shipping (after discounts, before tax and shipping; the pixel's own
 * `subtotalPrice` is not documented as after discounts, docs §6), `total` = `totalPrice`.
 */
function checkoutValue(c: PixelCheckout, policy: 'subtotal' | 'total'): number | undefined {
  const total = c.totalPrice?.amount
  if (total === undefined) return c.subtotalPrice?.amount ?? undefined
  if (policy === 'total') return total
  return total - (c.totalTax?.amount ?? 0) - (c.shippingLine?.price?.amount ?? 0)
}

interface Facts { items: OrderItem[]; value?: number; currency?: string | null; custom: CanonicalEvent['custom']; checkout?: PixelCheckout }

function factsOf(body: PixelBody, options: PixelOptions): Facts | string {
  const e = body.event
  switch (e.name) {
    case 'page_viewed':
      return { items: [], custom: {} }
    case 'product_viewed': {
      const v = e.data.productVariant
      return { items: [variantItem(v, 1)], value: v.price?.amount, currency: v.price?.currencyCode, custom: v.product?.title ? { content_name: v.product.title.slice(0, 1024) } : {} }
    }
    case 'collection_viewed': {
      const c = e.data.collection
      return { items: (c.productVariants ?? []).map((v) => variantItem(v, 1)), custom: c.title ? { content_category: c.title.slice(0, 1024) } : {} }
    }
    case 'search_submitted': {
      const s = e.data.searchResult
      return { items: (s.productVariants ?? []).map((v) => variantItem(v, 1)), custom: s.query ? { search_string: s.query.slice(0, 1024) } : {} }
    }
    case 'product_added_to_cart': {
      const line = e.data.cartLine
      // Shopify documents `cartLine` as nullable; an add to cart without a line says nothing.
      if (!line) return 'event.data.cartLine: is null: nothing was added to the cart'
      return { items: [variantItem(line.merchandise, line.quantity)], value: line.cost?.totalAmount?.amount, currency: line.cost?.totalAmount?.currencyCode ?? line.merchandise?.price?.currencyCode, custom: {} }
    }
    default: {
      const c = e.data.checkout
      return {
        checkout: c,
        items: (c.lineItems ?? []).map((l) => variantItem(l.variant, l.quantity, l.title)),
        value: checkoutValue(c, options.orderValue),
        currency: c.currencyCode ?? c.totalPrice?.currencyCode,
        custom: {},
      }
    }
  }
}

/**
 * One post of the shipped snippet → the neutral event (source `pixel`) and the browser context to
 * keep under the checkout token, so the signed order webhook of that checkout joins it (the
 * token is the order's `checkout_token`, docs §8). Identifiers are normalized here and hashed by
 * each destination; the email kept in the context is hashed at once. `checkout_completed` gets
 * `event_id` = the order's (`ord_{order id}`), every other event Shopify's own event id.
 * @example mapPixelEvent(body, { ip: '203.0.113.7', ua, gpc: false, nowMs: Date.now() }, { eventIdTemplate: 'ord_{order_id}', contentId: 'sku', orderValue: 'subtotal' })
 */
export function mapPixelEvent(body: PixelBody, req: PixelRequest, options: PixelOptions): PixelMapping {
  const e = body.event
  const facts = factsOf(body, options)
  if (typeof facts === 'string') return { problem: facts }
  const c = facts.checkout
  let orderId: string | undefined
  if (e.name === 'checkout_completed') {
    const raw = c?.order?.id
    orderId = raw === null || raw === undefined ? undefined : PIXEL_ORDER_ID.exec(String(raw).trim())?.[1]
    if (!orderId) return { problem: `event.data.checkout.order.id: ${raw == null ? 'is missing' : `"${String(raw).slice(0, 80)}" is not a Shopify order id`} (expected gid://shopify/OrderIdentity/<digits> or the digits)` }
  }

  const address = c?.billingAddress ?? c?.shippingAddress
  const addressCountry = address?.countryCode ?? c?.localization?.country?.isoCode ?? undefined
  const time = Date.parse(e.timestamp)
  const built = buildCheckoutEvent(
    {
      orderId: orderId ?? '',
      value: facts.value,
      currency: facts.currency ?? undefined,
      items: facts.items,
      identity: c
        ? { em: [c.email], ph: [c.phone, address?.phone], fn: [address?.firstName], ln: [address?.lastName], ct: [address?.city], st: [address?.provinceCode], zp: [address?.zip], country: [address?.countryCode] }
        : {},
      time: Number.isFinite(time) ? time : undefined,
      tokens: [],
      country: addressCountry,
    },
    { eventIdTemplate: options.eventIdTemplate, contentId: options.contentId },
    req.nowMs,
  )

  const url = e.url?.trim() || undefined
  const cookieEpik = body.epik?.trim()
  // The landing URL's epik beats the cookie, as in the loader (client/epik.ts).
  const epik = epikFrom(url) ?? (cookieEpik && PRINTABLE.test(cookieEpik) ? cookieEpik : undefined)
  const consent: ConsentSignals = { ...shopifyConsentSignals(body.privacy) }
  if (req.gpc) consent.gpc = true
  const country = req.country ?? (addressCountry && /^[A-Za-z]{2}$/.test(addressCountry) ? addressCountry.toUpperCase() : undefined)
  if (country) consent.country = country

  const user = { ...built.user }
  if (req.ip) user.client_ip_address = req.ip
  if (req.ua) user.client_user_agent = req.ua.slice(0, 2048)
  if (epik) user.ids = { 'pinterest.epik': epik }
  const externalId = body.client_id ? normalizeValues('external_id', [body.client_id]) : undefined
  if (externalId) user.external_id = externalId

  const { order_id: _orderId, num_items, ...custom } = built.custom
  const token = c?.token?.trim() || undefined
  const email = c?.email ? hashUserValue('em', c.email) : undefined
  const context: Omit<CartContext, 'at'> = {
    ...(epik ? { epik } : {}),
    ...(req.ip ? { ip: req.ip } : {}),
    ...(req.ua ? { ua: req.ua.slice(0, 2048) } : {}),
    ...(body.client_id ? { visitor_id: body.client_id } : {}),
    ...(email ? { em: email } : {}),
    consent,
  }
  const name = PIXEL_EVENT_MAP[e.name]
  if (!name) return { purchase: false, token, context }
  const event: CanonicalEvent = {
    ...built,
    name,
    event_id: orderId ? built.event_id : e.id,
    source: 'pixel',
    ...(url ? { url: url.slice(0, 8192) } : {}),
    ...(e.referrer?.trim() ? { referrer: e.referrer.trim().slice(0, 8192) } : {}),
    ...(req.language ? { language: req.language } : {}),
    user,
    custom: { ...custom, ...facts.custom, ...(orderId ? { order_id: orderId } : {}), ...(facts.items.length ? { num_items } : {}) },
    consent,
    ...(token ? { context: token } : {}),
  }
  return { event, purchase: e.name === 'checkout_completed', token, context }
}

export { orderEventId }
