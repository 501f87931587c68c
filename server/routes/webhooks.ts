import { HTTPError, type H3, type H3Event } from 'h3'
import type { Runtime } from '../runtime'
import { createWebhookLedgers, ingestOrder, recordReversal } from '../webhooks/ingest-order'
import { shopifyCancellation, shopifyOrderFacts, shopifyOrderId, shopifyOrderSchema, shopifyRefundDetail, shopifyRefundSchema } from '../webhooks/shopify'
import { verifyWebhook } from '../webhooks/verify'
import { wooOrderFacts, wooOrderSchema, wooOrderState } from '../webhooks/woocommerce'
import { outboxFullTo503 } from './events'
import { parseJson, readBodyText, validate } from '../http/request'

/** A Shopify order with hundreds of line items runs to a few hundred kB; a refused delivery is retried and can cost the subscription, so the limit is generous. */
export const WEBHOOK_BODY_LIMIT = 4 * 1024 * 1024

/** Shopify topics that can tell of an order taken back (docs/order-webhooks.md "Cancellations"). */
const SHOPIFY_CANCEL_TOPICS = new Set(['orders/cancelled', 'orders/updated'])
const SHOPIFY_REFUND_TOPIC = 'refunds/create'

/** The WooCommerce topics that carry an order; the purchase is made once, when the order is paid. */
const WOO_ORDER_TOPICS = new Set(['order.created', 'order.updated'])
/** WooCommerce pings a new webhook's delivery URL with a form body `webhook_id=<id>`, unsigned (WC_Webhook::deliver_ping). */
const WOO_PING = /^webhook_id=\d+$/
/** The one unsigned body read: a ping is a few bytes, so an unsigned caller cannot make us buffer megabytes. */
const WOO_PING_LIMIT = 1024
/** Base64 of a 32-byte HMAC-SHA256: a header of any other shape is refused before the body is read. */
const SIGNATURE_SHAPE = /^[A-Za-z0-9+/]{43}=$/

const header = (event: H3Event, name: string): string | undefined => event.req.headers.get(name)?.trim().slice(0, 256) || undefined

const unauthorized = (headerName: string, envName: string) =>
  new HTTPError({ status: 401, message: `missing or invalid ${headerName}: expected the base64 HMAC-SHA256 of the raw body with ${envName}` })

/**
 * `POST {prefix}/webhooks/shopify` and `POST {prefix}/webhooks/woocommerce` — signed order
 * webhooks → one `checkout` per paid order, joined to the shopper's browser context, with the
 * thank-you page's event_id. Each answers once the event is persisted (never calling Pinterest
 * inline); repeats answer 200 and send nothing twice.
 */
export function webhooksRoutes(app: H3, rt: Pick<Runtime, 'config' | 'store' | 'now' | 'metrics' | 'carts' | 'ingest' | 'journal' | 'log'>): void {
  const { webhooks } = rt.config
  const ledgers = createWebhookLedgers(rt)

  app.post('/webhooks/shopify', async (event) => {
    const secret = webhooks.shopifySecret
    if (!secret) throw new HTTPError({ status: 404, message: 'the Shopify webhook is disabled: set SHOPIFY_WEBHOOK_SECRET to enable it' })
    const hmac = header(event, 'x-shopify-hmac-sha256')
    if (!hmac || !SIGNATURE_SHAPE.test(hmac)) throw unauthorized('X-Shopify-Hmac-Sha256', 'SHOPIFY_WEBHOOK_SECRET')
    const raw = await readBodyText(event, WEBHOOK_BODY_LIMIT, { exact: true })
    if (!verifyWebhook(hmac, secret, raw)) throw unauthorized('X-Shopify-Hmac-Sha256', 'SHOPIFY_WEBHOOK_SECRET')

    // Shopify may deliver one webhook more than once; X-Shopify-Webhook-Id is the same each time.
    const webhookId = header(event, 'x-shopify-webhook-id')
    if (webhookId && (await ledgers.deliveries.shopify.has(webhookId))) return { ok: true, status: 'duplicate', reason: 'this X-Shopify-Webhook-Id was processed before' }
    const topic = header(event, 'x-shopify-topic')
    const done = async <T>(answer: T): Promise<T> => {
      if (webhookId) await ledgers.deliveries.shopify.add(webhookId)
      return answer
    }

    if (topic === webhooks.shopifyPurchaseTopic) {
      const order = validate(shopifyOrderSchema, parseJson(raw))
      if (order.test === true) {
        // A test checkout (Bogus Gateway, test mode of a payment provider) is no conversion: Pinterest would count it as one.
        return done({ ok: true, status: 'ignored', reason: `order ${shopifyOrderId(order)} is a Shopify test order (test: true): not sent to Pinterest` })
      }
      // Paid, then cancelled or voided before this delivery (or fully refunded): no purchase.
      const cancelled = shopifyCancellation(order)
      if (cancelled) return done({ ok: true, ...(await recordReversal(rt, ledgers, shopifyOrderId(order), 'shopify', 'cancelled', cancelled)) })
      const outcome = await ingestOrder(rt, ledgers, shopifyOrderFacts(order, webhooks.orderValue), 'shopify').catch(outboxFullTo503)
      return done({ ok: true, ...outcome })
    }
    if (topic && SHOPIFY_CANCEL_TOPICS.has(topic)) {
      const order = validate(shopifyOrderSchema, parseJson(raw))
      const cancelled = order.test === true ? undefined : shopifyCancellation(order)
      if (cancelled) return done({ ok: true, ...(await recordReversal(rt, ledgers, shopifyOrderId(order), 'shopify', 'cancelled', cancelled)) })
    } else if (topic === SHOPIFY_REFUND_TOPIC) {
      const refund = validate(shopifyRefundSchema, parseJson(raw))
      return done({ ok: true, ...(await recordReversal(rt, ledgers, String(refund.order_id), 'shopify', 'refunded', shopifyRefundDetail(refund))) })
    }
    return {
      ok: true,
      status: 'ignored',
      reason: `topic ${topic ?? '(none)'} is not the purchase trigger ${webhooks.shopifyPurchaseTopic} (SHOPIFY_PURCHASE_TOPIC)${topic && SHOPIFY_CANCEL_TOPICS.has(topic) ? ' and the order is not cancelled, voided or refunded' : ''}`,
    }
  })

  app.post('/webhooks/woocommerce', async (event) => {
    const secret = webhooks.woocommerceSecret
    if (!secret) throw new HTTPError({ status: 404, message: 'the WooCommerce webhook is disabled: set WOOCOMMERCE_WEBHOOK_SECRET to enable it' })
    const signature = header(event, 'x-wc-webhook-signature')
    if (!signature) {
      // Woo saves a webhook only if this ping answers 200; it carries nothing, so nothing is stored.
      const ping = await readBodyText(event, WOO_PING_LIMIT).catch(() => '')
      if (WOO_PING.test(ping.trim())) return { ok: true, status: 'ping' }
      throw unauthorized('X-WC-Webhook-Signature', 'WOOCOMMERCE_WEBHOOK_SECRET')
    }
    if (!SIGNATURE_SHAPE.test(signature)) throw unauthorized('X-WC-Webhook-Signature', 'WOOCOMMERCE_WEBHOOK_SECRET')
    const raw = await readBodyText(event, WEBHOOK_BODY_LIMIT, { exact: true })
    if (!verifyWebhook(signature, secret, raw)) throw unauthorized('X-WC-Webhook-Signature', 'WOOCOMMERCE_WEBHOOK_SECRET')

    const topic = header(event, 'x-wc-webhook-topic')
    if (!topic || !WOO_ORDER_TOPICS.has(topic)) {
      return { ok: true, status: 'ignored', reason: `topic ${topic ?? '(none)'} carries no order (order.created, order.updated do)` }
    }
    const order = validate(wooOrderSchema, parseJson(raw))
    // Woo's delivery id is wp_hash(webhook id . current second) (WC_Webhook::get_new_delivery_id):
    // two orders delivered in the same second share it, so the order id is part of the key.
    const deliveryId = header(event, 'x-wc-webhook-delivery-id')
    const deliveryKey = deliveryId ? `${deliveryId}:${order.id}` : undefined
    if (deliveryKey && (await ledgers.deliveries.woocommerce.has(deliveryKey))) return { ok: true, status: 'duplicate', reason: 'this X-WC-Webhook-Delivery-ID was processed before' }
    const state = wooOrderState(order)
    if (state === 'not-paid') return { ok: true, status: 'not-paid', reason: `order ${order.id} is not paid (status ${order.status.slice(0, 32)})` }
    if (state === 'cancelled') {
      const outcome = await recordReversal(rt, ledgers, String(order.id), 'woocommerce', 'cancelled', `status ${order.status.trim().slice(0, 32)}`)
      if (deliveryKey) await ledgers.deliveries.woocommerce.add(deliveryKey)
      return { ok: true, ...outcome }
    }

    const outcome = await ingestOrder(rt, ledgers, wooOrderFacts(order, webhooks.orderValue), 'woocommerce').catch(outboxFullTo503)
    if (deliveryKey) await ledgers.deliveries.woocommerce.add(deliveryKey)
    return { ok: true, ...outcome }
  })
}
