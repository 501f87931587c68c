import type { CanonicalEvent, Content, Identity, PersonalField } from '../event'
import { isSha256, normalizeValues } from '../identity/normalize'
import { parseAmount } from '../money'
import { internationalPhone } from './phone'

/** Which product identifier becomes `content_ids` / `contents[].id` (TAGWARDEN_CONTENT_ID). */
export type ContentIdPolicy = 'sku' | 'product_id' | 'variant_id'

export interface OrderItem {
  sku?: string
  productId?: string
  variantId?: string
  /** Unit price before discounts ("original item value before any discount", custom_data.contents). */
  price?: number
  quantity: number
  name?: string
}

/** Plaintext identifiers from the order, normalized by {@link buildCheckoutEvent} (each destination hashes them) and never kept. */
export type OrderIdentity = Partial<Record<'em' | 'ph' | 'fn' | 'ln' | 'ct' | 'st' | 'zp' | 'country', (string | null | undefined)[]>>

/** What a platform mapper (Shopify, WooCommerce) reads from an order, in one shape. */
export interface OrderFacts {
  /** The id the thank-you page also knows (template `{order_id}`). */
  orderId: string
  /** Already chosen by the value policy (TAGWARDEN_ORDER_VALUE). */
  value?: number
  currency?: string
  items: OrderItem[]
  identity: OrderIdentity
  /** When the order was paid/placed, ms. */
  time?: number
  language?: string
  /** The shopper's IP and UA as the order system saw them (fallback when no browser context). */
  ip?: string
  ua?: string
  /** Candidate context tokens, most specific first (tagwarden attribute, checkout, cart). */
  tokens: string[]
  /** A URL that may carry `epik=` (Shopify landing_site, Woo order attribution entry): last resort for the click id. */
  landingUrl?: string
  /** Billing (else shipping) country, ISO alpha-2: picks the region default when no consent is known. */
  country?: string
}

/**
 * The deterministic checkout event_id (docs/design.md "event_id contract"): the template's
 * `{order_id}` replaced, exactly as the loader does it for the thank-you page (first occurrence;
 * client/pintrk.ts), so both name the same conversion.
 * @example orderEventId('ord_{order_id}', 450789469) // 'ord_450789469'
 */
export const orderEventId = (template: string, orderId: string | number): string =>
  template.replace('{order_id}', () => String(orderId).trim())

/** A number from the string or number money fields order systems send; undefined when not one. */
export function toAmount(v: string | number | null | undefined): number | undefined {
  if (v === null || v === undefined || v === '') return undefined
  const n = typeof v === 'number' ? v : Number(String(v).trim())
  return Number.isFinite(n) ? n : undefined
}

/** An ISO timestamp in ms; a value without a zone is taken as UTC (WooCommerce `*_gmt` fields). */
export function parseTime(v: string | null | undefined): number | undefined {
  if (!v) return undefined
  const s = v.trim()
  const t = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(s) ? s : `${s}Z`)
  return Number.isFinite(t) ? t : undefined
}

/** A client IP worth sending: not empty and not the unspecified address (Shopify's docs sample says `0.0.0.0`). */
export const usableIp = (ip: string | null | undefined): string | undefined => {
  const s = ip?.trim()
  return s && s !== '0.0.0.0' && s !== '::' && s.length <= 64 ? s : undefined
}

/** `epik` from a landing URL (absolute or path-only), or undefined. */
export function epikFrom(url: string | undefined): string | undefined {
  if (!url) return undefined
  try {
    const v = new URL(url, 'https://shop.invalid').searchParams.get('epik')?.trim()
    return v && v.length <= 1024 ? v : undefined
  } catch {
    return undefined
  }
}

function contentId(item: OrderItem, policy: ContentIdPolicy): string | undefined {
  // Fall back along sku → variant → product so an item without the preferred id still counts.
  if (policy === 'sku') return item.sku || item.variantId || item.productId
  if (policy === 'variant_id') return item.variantId || item.productId
  return item.productId || item.variantId
}

export interface BuildOptions {
  /** TAGWARDEN_EVENT_ID_TEMPLATE, e.g. `ord_{order_id}`. */
  eventIdTemplate: string
  contentId: ContentIdPolicy
}

const IDENTITY: (keyof OrderIdentity & PersonalField)[] = ['em', 'ph', 'fn', 'ln', 'ct', 'st', 'zp', 'country']
// At most 1,000 line items and 100 values per identifier: our own bounds, Pinterest states none (docs/pinterest-capi.md "Limits").
const MAX_ITEMS = 1000
const MAX_VALUES = 100

/**
 * Order facts → the canonical `checkout` event (source `webhook`): identifiers normalized here
 * (each destination hashes them), money as numbers, `event_time` in seconds and never in the future.
 * @example buildCheckoutEvent(shopifyOrderFacts(order, 'subtotal'), { eventIdTemplate: 'ord_{order_id}', contentId: 'sku' }, Date.now())
 */
export function buildCheckoutEvent(facts: OrderFacts, options: BuildOptions, nowMs: number): CanonicalEvent {
  const user: Identity = {}
  for (const field of IDENTITY) {
    let values = (facts.identity[field] ?? []).filter((v): v is string => typeof v === 'string' && v.trim() !== '')
    // ph needs the country calling code; order systems keep what the shopper typed.
    if (field === 'ph') values = values.flatMap((v) => (isSha256(v.trim()) ? v : (internationalPhone(v, facts.country) ?? [])))
    const normalized = normalizeValues(field, values)
    if (normalized) user[field] = normalized.slice(0, MAX_VALUES)
  }

  const currency = facts.currency && /^[A-Za-z]{3}$/.test(facts.currency) ? facts.currency.toUpperCase() : undefined
  const contents: Content[] = []
  for (const item of facts.items.slice(0, MAX_ITEMS)) {
    const id = contentId(item, options.contentId)
    const price = parseAmount(item.price)
    const content: Content = {}
    if (id) content.id = id.slice(0, 1024)
    if (price !== undefined) content.price = price
    content.quantity = item.quantity
    if (item.name) content.name = item.name.slice(0, 1024)
    contents.push(content)
  }
  const ids = [...new Set(contents.map((c) => c.id).filter((id): id is string => !!id))]
  // A negative value (a discount larger than the items) is left out (docs/money.md).
  const value = parseAmount(facts.value)

  const nowS = Math.floor(nowMs / 1000)
  // event_time: "Unix timestamp in seconds"; an event in the future is rejected (docs/pinterest-capi.md "event_time").
  const time = facts.time === undefined ? nowS : Math.min(Math.floor(facts.time / 1000), nowS)

  return {
    name: 'checkout',
    event_id: orderEventId(options.eventIdTemplate, facts.orderId),
    time: time > 0 ? time : nowS,
    source: 'webhook',
    action_source: 'web',
    ...(facts.language ? { language: facts.language } : {}),
    user,
    custom: {
      ...(value !== undefined ? { value } : {}),
      ...(currency ? { currency } : {}),
      order_id: facts.orderId,
      num_items: facts.items.reduce((n, i) => n + i.quantity, 0),
      ...(ids.length ? { content_ids: ids } : {}),
      ...(contents.length ? { contents } : {}),
    },
  }
}
