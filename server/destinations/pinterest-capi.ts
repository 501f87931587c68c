import type { CanonicalEvent } from '../event'
import { capiEventSchema, capiResponseSchema, type CapiEvent } from '../pinterest/capi-schema'
import { defineDestination, type BatchOutcome } from './define-destination'

/** Pinterest Conversions API: POST /v5/ad_accounts/{ad_account_id}/events (v5/openapi.yaml). */
export const pinterestCapi = defineDestination<CapiEvent>({
  name: 'pinterest-capi',
  // "data" maxItems: 1000 (ConversionEvents)
  maxBatch: 1000,
  isLive: (config) => !config.pinterest.dryRun,
  // "This endpoint has a rate limit of 5,000 calls per minute per ad account." (events/create)
  rateLimit: { perMinute: 5000 },
  rateLimitKey: (config) => `pinterest-ad-account-${config.pinterest.adAccountId ?? 'none'}`,
  credentialsKey: (config) => `${config.pinterest.adAccountId ?? ''}:${config.pinterest.accessToken ?? ''}`,

  toPayload: (e: CanonicalEvent): CapiEvent => {
    // Optional keys are added in one fixed order (no spread of conditional literals): payloads
    // share a few shapes, which keeps the validation and JSON serialization behind them fast.
    const p: CapiEvent = { event_name: e.name, action_source: e.action_source, event_time: e.time, event_id: e.event_id, user_data: e.user }
    if (e.url) p.event_source_url = e.url
    if (e.opt_out !== undefined) p.opt_out = e.opt_out
    if (e.partner_name) p.partner_name = e.partner_name
    if (e.language) p.language = e.language
    for (const _ in e.custom) {
      p.custom_data = e.custom
      break
    }
    return p
  },

  validate: (payload) => {
    const r = capiEventSchema.safeParse(payload)
    return r.success ? undefined : r.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`).join('; ')
  },

  toRequest: (payloads, config) => {
    const p = config.pinterest
    const query = p.testEvents ? '?test=true' : ''
    return {
      url: `${p.apiUrl}/v5/ad_accounts/${p.adAccountId ?? '0'}/events${query}`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${p.accessToken ?? ''}` },
      body: JSON.stringify({ data: payloads }),
    }
  },

  fromResponse: (status, body, headers, count): BatchOutcome => {
    // 200 → ConversionApiResponse; 422 → DetailedError whose `details` has the same shape.
    if (status === 200 || status === 422) {
      const source = status === 422 && body && typeof body === 'object' ? (body as { details?: unknown }).details : body
      const parsed = capiResponseSchema.safeParse(source)
      if (parsed.success && parsed.data.events.length === count) {
        return {
          kind: 'done',
          results: parsed.data.events.map((ev) => ({
            status: ev.status === 'processed' ? 'processed' : 'failed',
            error: ev.error_message || undefined,
            warning: ev.warning_message || undefined,
          })),
        }
      }
      if (status === 200) return { kind: 'retry', reason: `200 from Pinterest with an unreadable body` }
      return { kind: 'rejected', reason: `422 from Pinterest: ${describe(body)}` }
    }
    // 404 (v5.28) on this path means the ad account is wrong: a credentials problem, not the events'.
    if (status === 401 || status === 403 || status === 404) return { kind: 'auth', reason: `${status} from Pinterest: ${describe(body)}` }
    // 429 "exceeded a rate limit"; 5xx (503 "ramped down") → retry, honouring Retry-After.
    if (status === 429 || status >= 500) {
      return { kind: 'retry', reason: `${status} from Pinterest: ${describe(body)}`, retryAfterMs: retryAfter(headers.get('retry-after')) }
    }
    return { kind: 'rejected', reason: `${status} from Pinterest: ${describe(body)}` }
  },
})

function describe(body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body) {
    const b = body as { code?: unknown; message?: unknown }
    return `${String(b.message)}${b.code !== undefined ? ` (code ${String(b.code)})` : ''}`
  }
  return typeof body === 'string' ? body.slice(0, 200) : 'no message'
}

/** Retry-After: delta-seconds or an HTTP date (https://httpwg.org/specs/rfc9110.html#field.retry-after). */
export function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}
