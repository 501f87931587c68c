import { HTTPError, type H3, type H3Event } from 'h3'
import type { Runtime } from '../runtime'
import { describeTimeProblem, eventTimeProblem } from '../event-time'
import { createWebhookLedgers } from '../webhooks/ingest-order'
import { PIXEL_BODY_LIMIT, pixelBodySchema, type PixelBody } from '../shopify/pixel-body'
import { mapPixelEvent } from '../shopify/pixel-event'
import { pixelKeys } from '../shopify/pixel-key'
import { PIXEL_PATH } from '../shopify/snippet'
import { matchesSecret, parseJson, readBodyText, validate } from '../http/request'
import { outboxFullTo503 } from './events'
import { createIpRateLimiter, rateLimitKey } from '../guards/rate-limit'
import { originProblem } from '../guards/same-site'
import { requestCountry, requestLanguage } from '../context/shopper'

// The snippet posts text/plain with mode no-cors and reads nothing back; these headers only let a
// hand-written pixel that sends JSON pass its preflight. No credentials: the route never reads cookies.
const CORS = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '86400' }

/**
 * Where a pixel post may come from: Shopify's sandbox (`Origin: null`; docs/shopify-web-pixels.md §2),
 * the shop's own pages (a `browser.sendBeacon` that runs in the top frame, §9), or a client without
 * `Origin`. A real foreign origin is refused: only this route, only with the key, accepts `null`.
 */
function pixelOriginProblem(event: H3Event, rt: Pick<Runtime, 'config' | 'client'>): string | undefined {
  if (event.req.headers.get('origin') === 'null') return undefined
  return originProblem(event, rt)
}

/**
 * `POST {prefix}/shopify/pixel` — Shopify's standard events from the shipped custom pixel
 * (server/shopify/snippet.ts): per-IP rate limit (TAGWARDEN_SHOPIFY_PIXEL_RATE_LIMIT), origin, body
 * limit, the public pixel key (constant time), strict validation, then the mapping
 * (server/shopify/pixel-event.ts). Events carrying a checkout token leave their browser context
 * under it for the signed order webhook. `checkout_completed` is the webhook's purchase, same
 * event_id: with SHOPIFY_WEBHOOK_SECRET set the pixel only enriches it (the key is public, so a
 * post alone never counts an order) and counts as the order's browser report (the report's `pixel`
 * path); without it the pixel's purchase is sent itself, and the pipeline records that.
 * Answers 202 with the event's fate.
 */
export function shopifyPixelRoutes(app: H3, rt: Pick<Runtime, 'config' | 'keys' | 'client' | 'now' | 'store' | 'carts' | 'recorder' | 'ingest'> & Parameters<typeof requestCountry>[1]): void {
  const { config } = rt
  const path = PIXEL_PATH
  const keys = pixelKeys(config, rt.keys)
  const limit = config.shopifyPixel.rateLimit
  const limiter = limit && createIpRateLimiter({ ...limit, now: rt.now })
  const { orders } = createWebhookLedgers(rt)

  app.options(path, (event) => {
    event.res.status = 204
    for (const [k, v] of Object.entries(CORS)) event.res.headers.set(k, v)
    return ''
  })

  app.post(path, (event) =>
    accept(event).catch((error: unknown) => {
      // Refusals carry the CORS headers too, so a pixel that reads answers learns why (401/403/429…).
      if (!HTTPError.isError(error)) throw error
      throw new HTTPError({ status: error.status, message: error.message, data: error.data, headers: { ...Object.fromEntries(error.headers ?? []), ...CORS, 'cache-control': 'no-store' } })
    }),
  )

  async function accept(event: H3Event) {
    for (const [k, v] of Object.entries(CORS)) event.res.headers.set(k, v)
    event.res.headers.set('cache-control', 'no-store')
    const wait = limiter ? limiter.take(rateLimitKey(rt.client(event).ip)) : 0
    if (wait) {
      const seconds = Math.ceil(wait / 1000)
      throw new HTTPError({ status: 429, message: `too many pixel events from this address (TAGWARDEN_SHOPIFY_PIXEL_RATE_LIMIT); retry in ${seconds} s`, headers: { 'retry-after': String(seconds) } })
    }
    const origin = pixelOriginProblem(event, rt)
    if (origin) throw new HTTPError({ status: 403, message: `cross-origin request refused: ${origin}; the Shopify pixel posts from Shopify's sandbox (Origin: null)` })
    const type = event.req.headers.get('content-type') ?? 'text/plain'
    if (!/^(text\/plain|application\/json)\b/i.test(type)) throw new HTTPError({ status: 415, message: 'Content-Type must be text/plain (the snippet\'s) or application/json' })

    const raw = parseJson(await readBodyText(event, PIXEL_BODY_LIMIT))
    // The key first: a post without it learns nothing about the expected shape.
    const key = raw && typeof raw === 'object' && typeof (raw as { key?: unknown }).key === 'string' ? (raw as { key: string }).key : undefined
    if (!matchesSecret(key, keys)) {
      throw new HTTPError({ status: 403, message: `${key ? 'unknown' : 'missing'} Shopify pixel key: paste the snippet \`tagwarden shopify-pixel\` prints (it carries the current key)` })
    }
    const body = validate(pixelBodySchema, raw) as PixelBody

    const nowMs = rt.now()
    const mapped = mapPixelEvent(
      body,
      {
        ip: rt.client(event).ip,
        ua: event.req.headers.get('user-agent') || undefined,
        language: requestLanguage(event),
        gpc: event.req.headers.get('sec-gpc')?.trim() === '1',
        country: requestCountry(event, rt),
        nowMs,
      },
      { eventIdTemplate: config.eventIdTemplate, contentId: config.webhooks.contentId, orderValue: config.webhooks.orderValue },
    )
    if ('problem' in mapped) throw new HTTPError({ status: 400, message: mapped.problem })
    const { event: built, token, context } = mapped
    const late = built && eventTimeProblem(built.time, Math.floor(nowMs / 1000), config.delivery.maxEventAgeDays)
    if (late === 'too-old') throw new HTTPError({ status: 400, message: `event.timestamp: ${describeTimeProblem(late, config.delivery.maxEventAgeDays)}` })

    if (token) {
      // Later steps add to what earlier ones left (the email arrives at the contact step).
      const before = await rt.carts.get(token)
      await rt.carts.put([token], { ...before, ...context, at: nowMs })
    }
    event.res.status = 202
    if (!built) return { event: body.event.name, status: 'context', reason: token ? 'kept for the order webhook of this checkout' : 'no checkout token: nothing to keep' }
    if (mapped.purchase && config.webhooks.shopifySecret) {
      // Not sent, but the browser did report this order: the reconciliation report counts it under
      // `pixel` (docs/report.md), before or after the webhook, so the order is not "recovered".
      rt.recorder.reported(built)
      const counted = await orders.has(built.event_id)
      return { event: body.event.name, event_id: built.event_id, status: 'joined', reason: counted ? 'the order webhook already counted this order' : 'the signed order webhook sends this purchase with the browser context kept here' }
    }
    const [result] = await rt.ingest([built]).catch(outboxFullTo503)
    return { event: body.event.name, event_id: result.event_id, status: result.status }
  }
}
