import type { CanonicalEvent } from '../event'
import { joinContext, type CartContextStore } from '../context/cart-store'
import type { Runtime } from '../runtime'
import { describeTimeProblem, eventTimeProblem } from '../event-time'
import { createWebhookLedger, DELIVERY_TTL_MS, ORDER_TTL_MS, type WebhookLedger } from './ledger'
import { buildCheckoutEvent, epikFrom, usableIp, type OrderFacts } from './order-event'

/** Consent `source` recorded when an order matched no stored browser context (the audit trail). */
export const NO_CONTEXT_SOURCE = 'webhook-no-context'
/** Consent `source` recorded when the context was found but held no consent signal. */
export const CONTEXT_WITHOUT_CONSENT_SOURCE = 'webhook-context-without-consent'
export const NO_CONTEXT_NOTE = 'order webhook found no browser context: the region default / TAGWARDEN_DEFAULT_CONSENT applied (webhook-no-context)'

export type Platform = 'shopify' | 'woocommerce'

export interface JoinedOrder {
  event: CanonicalEvent
  context: 'joined' | 'none'
}

/**
 * Join an order's checkout event to the shopper's browser context (epik, IP, UA, visitor id,
 * consent) found under any of the order's tokens. What the context lacks comes from the order
 * itself: the IP/UA the order system recorded, `epik` from the landing URL. Without any consent
 * signal the event says so in `consent.source` and carries the billing country, so the region
 * default (else TAGWARDEN_DEFAULT_CONSENT) decides.
 */
export async function joinOrderContext(carts: CartContextStore, event: CanonicalEvent, facts: OrderFacts): Promise<JoinedOrder> {
  const ctx = await carts.find(facts.tokens)
  const joined = ctx ? joinContext(event, ctx) : event
  const user = { ...joined.user }
  const ip = usableIp(facts.ip)
  const ua = facts.ua?.trim().slice(0, 2048)
  if (!user.client_ip_address && ip) user.client_ip_address = ip
  if (!user.client_user_agent && ua) user.client_user_agent = ua
  if (!user.click_id) {
    const epik = epikFrom(facts.landingUrl)
    if (epik) user.click_id = epik
  }
  const country = facts.country && /^[A-Za-z]{2}$/.test(facts.country) ? facts.country.toUpperCase() : undefined
  const consent = joined.consent
    ? { ...joined.consent, ...(joined.consent.country || !country ? {} : { country }) }
    : { source: ctx ? CONTEXT_WITHOUT_CONSENT_SOURCE : NO_CONTEXT_SOURCE, ...(country ? { country } : {}) }
  return { event: { ...joined, user, consent }, context: ctx ? 'joined' : 'none' }
}

export interface OrderOutcome {
  event_id: string
  /** accepted: queued; duplicate: this order was counted before; suppressed: consent kept it from every destination; ignored: too old to deliver. */
  status: 'accepted' | 'duplicate' | 'suppressed' | 'ignored'
  context?: 'joined' | 'none'
  reason?: string
}

export interface WebhookLedgers {
  deliveries: Record<Platform, WebhookLedger>
  /** Orders already turned into a purchase, by event_id (shared: the event_id is the same whichever way it came). */
  orders: WebhookLedger
}

/** The ledgers the webhook routes share, on the runtime's storage and clock. */
export function createWebhookLedgers(rt: Pick<Runtime, 'store' | 'now'>): WebhookLedgers {
  const storage = rt.store.storage
  return {
    deliveries: {
      shopify: createWebhookLedger(storage, 'wh:delivery:shopify', DELIVERY_TTL_MS, rt.now),
      woocommerce: createWebhookLedger(storage, 'wh:delivery:woocommerce', DELIVERY_TTL_MS, rt.now),
    },
    orders: createWebhookLedger(storage, 'wh:order', ORDER_TTL_MS, rt.now),
  }
}

/**
 * One paid order → at most one purchase: build the checkout event, skip it when this order was
 * counted before, join the browser context, persist through `rt.ingest` (consent, idempotency by
 * destination + event_id, outbox) and remember the order. Never calls Pinterest itself.
 */
export async function ingestOrder(rt: Runtime, ledgers: WebhookLedgers, facts: OrderFacts, platform: Platform): Promise<OrderOutcome> {
  const { webhooks, eventIdTemplate } = rt.config
  const built = buildCheckoutEvent(facts, { eventIdTemplate, contentId: webhooks.contentId }, rt.now())
  if (await ledgers.orders.has(built.event_id)) return { event_id: built.event_id, status: 'duplicate' }
  // An order older than Pinterest accepts is acknowledged (a refused webhook is retried for days and
  // can cost the subscription) but not queued: it could only be dead-lettered.
  const maxAgeDays = rt.config.delivery.maxEventAgeDays
  if (eventTimeProblem(built.time, Math.floor(rt.now() / 1000), maxAgeDays) === 'too-old') {
    rt.metrics.dropped('webhook', 'too_old', 1)
    return { event_id: built.event_id, status: 'ignored', reason: `the order's time ${describeTimeProblem('too-old', maxAgeDays)}` }
  }

  const { event, context } = await joinOrderContext(rt.carts, built, facts)
  const [result] = await rt.ingest([event])
  await ledgers.orders.add(event.event_id)

  if (context === 'none') {
    rt.log.info(`[tagwarden] [webhooks] [${platform}] no browser context for this order; default consent applies`, { event_id: event.event_id, status: result.status })
    // The audit: every destination's record of this event says why its consent was a default.
    if (result.status !== 'duplicate') {
      for (const [dest, rec] of Object.entries(result.destinations)) {
        rt.journal.update(dest, event.event_id, { detail: [rec.detail, NO_CONTEXT_NOTE].filter(Boolean).join('; ') })
      }
    }
  }
  return { event_id: event.event_id, status: result.status, context }
}
