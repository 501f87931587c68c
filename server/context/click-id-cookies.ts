import { getCookie, setCookie, type H3Event } from 'h3'
import type { ContextClaims } from './claims'

/**
 * The first-party click and browser id cookies: Pinterest's (docs/consent-signals.md §6: the tag
 * reads `_epik`, and sets `_derived_epik` itself), Meta's `_fbc`/`_fbp` (docs/meta-capi.md §7) and
 * TikTok's `_ttp` (docs/tiktok-events.md §9).
 */
export const CLICK_ID_COOKIES = ['_epik', '_derived_epik', '_fbc', '_fbp', '_ttp'] as const
/** A year, as Pinterest's tag keeps `_epik` (and Stape's Pinterest tag). */
export const EPIK_COOKIE_MAX_AGE_S = 365 * 24 * 3600
/** Values written raw into a cookie: base64 / base64url / UUID characters only (no `;`, `,`, quotes or spaces). */
const COOKIE_SAFE = /^[\w.+/=-]{1,256}$/

/**
 * The click id cookies follow the shopper's consent, decided on the server with everything else.
 * Explicitly denied: every one of them is deleted. The browser tag allowed: an epik taken
 * from the landing URL is kept in `_epik` for a year (Pinterest's own tag does the same), so later
 * pages and the tag find it. Not HttpOnly: Pinterest's tag reads it.
 */
export function ownClickIdCookies(event: H3Event, claims: ContextClaims, tagAllowed: boolean, explicitlyDenied: boolean): void {
  const attrs = { path: '/', sameSite: 'lax' as const, secure: true, encode: (v: string) => v }
  if (explicitlyDenied) {
    for (const name of CLICK_ID_COOKIES) if (getCookie(event, name) !== undefined) setCookie(event, name, '', { ...attrs, maxAge: 0 })
    return
  }
  const epik = claims.epik
  if (tagAllowed && claims.epik_src === 'url' && epik && COOKIE_SAFE.test(epik) && getCookie(event, '_epik') !== epik) {
    setCookie(event, '_epik', epik, { ...attrs, maxAge: EPIK_COOKIE_MAX_AGE_S })
  }
}
