import type { CanonicalEvent } from '../event'
import { joinContext, type CartContextStore } from '../context/cart-store'
import type { Runtime } from '../runtime'
import { describeTimeProblem, eventTimeProblem } from '../event-time'
import { createWebhookLedger, DELIVERY_TTL_MS, ORDER_TTL_MS, type WebhookLedger } from './ledger'
import { buildCheckoutEvent, epikFrom, orderEventId, usableIp, type OrderFacts } from './order-event'

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
  if (!user.ids?.['pinterest.epik']) {
    const epik = epikFrom(facts.landingUrl)
    if (epik) user.ids = { ...user.ids, 'pinterest.epik': epik }
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
  /** Cancellations and refunds already recorded on a counted purchase (so a repeat is not noted twice). */
  reversals: WebhookLedger
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
    reversals: createWebhookLedger(storage, 'wh:reversal', ORDER_TTL_MS, rt.now),
  }
}

/**
 * One paid order → at most one purchase: build the checkout event, skip it when this order was
 * counted before, join the browser context, persist through `rt.ingest` (consent, idempotency by
 * destination + event_id, outbox) and remember the order. Never calls Pinterest itself.
 */
export async function ingestOrder(rt: Pick<Runtime, 'config' | 'now' | 'metrics' | 'carts' | 'ingest' | 'journal' | 'log'>, ledgers: WebhookLedgers, facts: OrderFacts, platform: Platform): Promise<OrderOutcome> {
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

export interface ReversalOutcome {
  event_id: string
  /** cancelled: the order is cancelled, voided or fully refunded; refunded: a (partial) refund; ignored: nothing was counted to record it on. */
  status: 'cancelled' | 'refunded' | 'ignored'
  /** True when a purchase for this order had been accepted before: it stays counted at Pinterest. */
  counted: boolean
  reason: string
}

/**
 * An order taken back after the fact: cancelled, voided or refunded. Pinterest's Conversions API
 * has no way to retract or reduce a conversion (docs/order-webhooks.md "Cancellations"), so a
 * purchase already accepted stays counted; the cancellation is recorded where the purchase is
 * audited — a note on the event in the inspector and `/_/events`, and an info log line — once per
 * order and kind. An order never counted is answered as cancelled and nothing is sent.
 * @example await recordReversal(rt, ledgers, '450789469', 'shopify', 'cancelled', 'cancelled at 2026-01-02T10:00:00Z (customer)')
 */
export async function recordReversal(
  rt: Pick<Runtime, 'config' | 'journal' | 'log'>,
  ledgers: WebhookLedgers,
  orderId: string,
  platform: Platform,
  kind: 'cancelled' | 'refunded',
  detail: string,
): Promise<ReversalOutcome> {
  const event_id = orderEventId(rt.config.eventIdTemplate, orderId)
  if (!(await ledgers.orders.has(event_id))) {
    return kind === 'cancelled'
      ? { event_id, status: 'cancelled', counted: false, reason: `order ${orderId} is ${detail}: no purchase, nothing sent to Pinterest` }
      : { event_id, status: 'ignored', counted: false, reason: `refund for order ${orderId}, which tagwarden never counted as a purchase: nothing to record` }
  }
  const note = `${platform} order ${orderId} ${kind === 'cancelled' ? `was taken back after its purchase was counted: ${detail}` : `got a refund after its purchase was counted: ${detail}`}. Pinterest has no retraction, so the conversion stays counted`
  const key = `${event_id}:${kind}:${detail}`
  if (!(await ledgers.reversals.has(key))) {
    await ledgers.reversals.add(key)
    const inInspector = rt.journal.note(event_id, note)
    rt.log.info(`[tagwarden] [webhooks] [${platform}] ${kind} after the purchase was counted; it stays counted at Pinterest`, { event_id, detail, in_inspector: inInspector })
  }
  return { event_id, status: kind, counted: true, reason: note }
}
