import { getCookie, setCookie, type H3Event } from 'h3'
import type { BrowserDecision } from '../consent/types'
import { TAG_DESTINATION } from '../destinations/pinterest-tag'
import type { ContextClaims } from './claims'

/**
 * Pinterest's click id cookies (docs/consent-signals.md §6: the tag reads `_epik`, and sets
 * `_derived_epik` itself); the declared browser ids' cookies (Meta's `_fbc`/`_fbp`, TikTok's
 * `_ttp`: context/browser-ids.ts) come after them.
 */
export const EPIK_COOKIES = ['_epik', '_derived_epik'] as const
/** A year, as Pinterest's tag keeps `_epik` (and Stape's Pinterest tag). */
export const EPIK_COOKIE_MAX_AGE_S = 365 * 24 * 3600
/** Values written raw into a cookie: base64 / base64url / UUID characters only (no `;`, `,`, quotes or spaces). */
const COOKIE_SAFE = /^[\w.+/=-]{1,256}$/

/**
 * The click id cookies follow the shopper's consent, decided on the server with everything else.
 * Explicitly denied (`keepsClickIds` false): every one of them — Pinterest's and each declared
 * browser id's `cookies` — is deleted. The Pinterest tag allowed: an epik taken from the landing URL
 * is kept in `_epik` for a year (Pinterest's own tag does the same), so later pages and the tag find
 * it. Not HttpOnly: Pinterest's tag reads it.
 */
export function ownClickIdCookies(event: H3Event, claims: ContextClaims, decided: Pick<BrowserDecision, 'keepsClickIds' | 'runs'>, cookies: readonly string[]): void {
  const attrs = { path: '/', sameSite: 'lax' as const, secure: true, encode: (v: string) => v }
  if (!decided.keepsClickIds) {
    for (const name of [...EPIK_COOKIES, ...cookies]) if (getCookie(event, name) !== undefined) setCookie(event, name, '', { ...attrs, maxAge: 0 })
    return
  }
  const epik = claims.epik
  if (decided.runs(TAG_DESTINATION) && claims.epik_src === 'url' && epik && COOKIE_SAFE.test(epik) && getCookie(event, '_epik') !== epik) {
    setCookie(event, '_epik', epik, { ...attrs, maxAge: EPIK_COOKIE_MAX_AGE_S })
  }
}
