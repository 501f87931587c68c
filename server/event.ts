import { z } from 'zod'

/**
 * The neutral event names every path speaks and every destination maps to its own vocabulary
 * (docs/pinterest-capi.md "Events"). They are Pinterest's conversion names, the most complete list of the
 * three platforms; `custom` carries its own name in `custom_name`.
 */
export const EVENT_NAMES = [
  'add_payment_info', 'add_to_cart', 'add_to_wishlist', 'app_install', 'checkout', 'custom',
  'initiate_checkout', 'lead', 'page_visit', 'search', 'signup', 'subscribe', 'view_category',
  'view_content', 'watch_video',
] as const
export type EventName = (typeof EVENT_NAMES)[number]

/** Where an event entered the pipeline: a tag beacon, the loader's fallback, a platform pixel (Shopify), an order webhook, the events API. */
export const EVENT_SOURCES = ['tag', 'loader', 'pixel', 'webhook', 'api'] as const
export type EventSource = (typeof EVENT_SOURCES)[number]

/**
 * Personal identifiers, by their short names (the ones Pinterest and Meta share): each value is
 * normalized plaintext (identity/normalize.ts) or a SHA-256 the sender gave; every destination
 * hashes what it sends, by its own rules. `maid` = a mobile advertising id (GAID/IDFA).
 */
export const PERSONAL_FIELDS = ['em', 'ph', 'fn', 'ln', 'ge', 'db', 'ct', 'st', 'zp', 'country', 'external_id', 'maid'] as const
export type PersonalField = (typeof PERSONAL_FIELDS)[number]

/** The shopper's network identity, sent raw: never removed by a `strip` rule unless named. */
export const NETWORK_FIELDS = ['client_ip_address', 'client_user_agent'] as const
export type NetworkField = (typeof NETWORK_FIELDS)[number]

/**
 * A click or browser id, keyed by platform: `pinterest.epik`, `meta.fbc`, `meta.fbp`,
 * `tiktok.ttclid`, `tiktok.ttp`, … Sent raw, each only to its own platform's destinations.
 */
export const CLICK_ID_KEY = /^[a-z][a-z0-9-]{0,31}\.[a-z][a-z0-9_]{0,31}$/
export type ClickIdKey = `${string}.${string}`

/** Who the event is about: personal identifiers (lists), network identity, click and browser ids. */
export type Identity = { [K in PersonalField]?: string[] } & { [K in NetworkField]?: string } & { ids?: Partial<Record<ClickIdKey, string>> }

/** Names of the identifiers an event carries, click ids by their keys (for records; never their values). */
export function identifierNames(user: Identity): string[] {
  const names: string[] = []
  for (const k in user) {
    if (k === 'ids') for (const id in user.ids) names.push(id)
    else if (user[k as PersonalField | NetworkField] !== undefined) names.push(k)
  }
  return names
}

/** One line item: money as a number (each destination writes it its own way). */
export interface Content {
  id?: string
  price?: number
  quantity?: number
  name?: string
  category?: string
  brand?: string
}

/** What the event is about, platform-neutral: value as a number with its currency, contents, order id, … */
export interface EventData {
  value?: number
  /** ISO 4217, uppercase. */
  currency?: string
  content_ids?: string[]
  contents?: Content[]
  num_items?: number
  order_id?: string
  search_string?: string
  content_name?: string
  content_category?: string
  content_brand?: string
  predicted_ltv?: number
}

export const consentValue = z.enum(['granted', 'denied'])
/**
 * Raw consent signals as they arrived with an event (loader, API body or server headers).
 * Normalization and rules live in `server/consent/`; these are inputs, never forwarded.
 */
export const consentSignalsSchema = z
  .object({
    ad_storage: consentValue.optional(),
    ad_user_data: consentValue.optional(),
    ad_personalization: consentValue.optional(),
    analytics_storage: consentValue.optional(),
    gpc: z.boolean().optional(),
    tcf: z.string().max(8192).optional(),
    gpp: z.string().max(8192).optional(),
    gpp_sid: z.array(z.number().int()).max(64).optional(),
    us_privacy: z.string().max(8).optional(),
    gdpr_applies: z.boolean().optional(),
    country: z.string().max(8).optional(),
    sale_opt_out: z.boolean().optional(),
    source: z.string().max(64).optional(),
  })
  .strict()
export type ConsentSignals = z.infer<typeof consentSignalsSchema>

/** Where the event happened: a web page, an app, or offline (a store). */
export type ActionSource = 'web' | 'app_android' | 'app_ios' | 'offline'

/**
 * The one internal event type (docs/design.md "The canonical event"): built at the edge by each path (events API, tag
 * beacon, loader fallback, webhooks), typed, never validated again inside; consent and each
 * destination's wire format come after it.
 */
export interface CanonicalEvent {
  name: EventName
  /** The event's own name when `name` is `custom` (a platform that allows custom events sends it). */
  custom_name?: string
  /**
   * The name the page's own pixel gave this event, by platform (`{ tiktok: 'CompletePayment' }`):
   * platforms deduplicate on name + id, so a server copy keeps the page's spelling of a standard event.
   */
  pixel_names?: Partial<Record<string, string>>
  /**
   * The platforms this event is for (`pinterest`, `meta`, `tiktok`: a destination's `platform`,
   * lowercase); unset = every destination. A platform's own pixel call is mirrored to that platform
   * only: another platform's pixel reports the event itself, with its own id.
   */
  platforms?: readonly string[]
  event_id: string
  /** Unix seconds. */
  time: number
  source: EventSource
  action_source: ActionSource
  url?: string
  referrer?: string
  /** Two-letter ISO-639-1. */
  language?: string
  opt_out?: boolean
  partner_name?: string
  /** The sender asked for the platform's restricted-processing mode (Pinterest LDP, Meta LDU, TikTok limited data use). */
  restricted?: boolean
  user: Identity
  custom: EventData
  consent?: ConsentSignals
  /** A cart/checkout token to join the stored browser context. */
  context?: string
}
