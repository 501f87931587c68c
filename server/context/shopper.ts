import { getCookie, type H3Event } from 'h3'
import type { ContextClaims } from './claims'
import { browserIdsOf } from './browser-ids'
import { declaredBrowserIds } from './declared-browser-ids'
import type { ConsentSignals } from '../event'
import type { Shopper } from '../pinterest/beacon-event'
import type { Runtime } from '../runtime'

const OPAQUE = /^[\x21-\x7e]{1,256}$/

/** The two-letter language of `Accept-Language` ("Two-character ISO-639-1 language code", v5/openapi.yaml `language`). */
export function requestLanguage(event: H3Event): string | undefined {
  const m = /^\s*([A-Za-z]{2})(?:[-_,;\s]|$)/.exec(event.req.headers.get('accept-language') ?? '')
  return m?.[1].toLowerCase()
}

/**
 * The shopper's country from the configured header (`TAGWARDEN_COUNTRY_HEADER`), uppercase; undefined
 * without one. The header is the CDN's word only when a trusted proxy passed the request on.
 */
export function requestCountry(event: H3Event, rt: Pick<Runtime, 'config' | 'client'>): string | undefined {
  const header = rt.config.countryHeader
  const raw = header && rt.client(event).viaTrustedProxy ? event.req.headers.get(header)?.trim() : undefined
  return raw && /^[A-Za-z]{2}$/.test(raw) ? raw.toUpperCase() : undefined
}

/**
 * Consent as the server sees it: the snapshot in the verified cookie, plus `Sec-GPC: 1` (a header
 * page scripts cannot set; docs/consent-signals.md §4) and the country from the configured header, read only
 * when a trusted proxy (TAGWARDEN_TRUSTED_PROXIES) passed the request on.
 * No signal at all → undefined, so TAGWARDEN_DEFAULT_CONSENT applies.
 */
export function requestConsent(event: H3Event, rt: Pick<Runtime, 'config' | 'client'>, claims: ContextClaims | undefined): ConsentSignals | undefined {
  const gpc = event.req.headers.get('sec-gpc')?.trim() === '1'
  const country = requestCountry(event, rt)
  const saved = claims?.consent
  // Nothing added: the cookie's own (verified, cached, never mutated) object, so the consent policy
  // decodes a returning shopper's signals once rather than on every beacon.
  if (!gpc && !country) return saved && Object.keys(saved).length ? saved : undefined
  const signals: ConsentSignals = { ...saved }
  if (gpc) signals.gpc = true
  if (country) signals.country = country
  return signals
}

/**
 * Everything the server knows about the shopper behind a request: IP, user agent, language,
 * the verified tw_ctx (epik, hashed email, visitor id), Pinterest's `_pin_unauth` cookie and every
 * declared click and browser id (a valid cookie on the request beats the context's copy: context/browser-ids.ts).
 * @example const { shopper, claims } = await readShopper(event, rt)
 */
export async function readShopper(event: H3Event, rt: Pick<Runtime, 'config' | 'client' | 'context' | 'destinations'>): Promise<{ shopper: Shopper; claims?: ContextClaims }> {
  const { claims } = await rt.context.read(event)
  const cookiePinUnauth = getCookie(event, '_pin_unauth')
  const shopper: Shopper = {
    ip: rt.client(event).ip,
    ua: event.req.headers.get('user-agent') || undefined,
    language: requestLanguage(event),
    epik: claims?.epik,
    em: claims?.em,
    pinUnauth: cookiePinUnauth && OPAQUE.test(cookiePinUnauth) ? cookiePinUnauth : claims?.pin_unauth,
    visitorId: claims?.vid,
    consent: requestConsent(event, rt, claims),
  }
  const ids = browserIdsOf(event, claims, declaredBrowserIds(rt).ids)
  if (ids) shopper.ids = ids
  return { shopper, claims }
}
