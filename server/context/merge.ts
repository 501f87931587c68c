import { randomBytes } from 'node:crypto'
import type { ContextClaims } from './claims'
import type { ConsentSignals } from '../event'
import type { CtxBody } from './ctx-body'

/**
 * A loader update with its consent already one snapshot (per-source lists are combined by the
 * consent policy first) and its declared browser ids resolved by claim name (`postedIds`:
 * context/browser-ids.ts).
 */
export type CtxUpdate = Omit<CtxBody, 'consent'> & { consent?: ConsentSignals; ids?: Record<string, string> }

/** A new random visitor id: 128 bits, base64url. */
export const newVisitorId = (): string => randomBytes(16).toString('base64url')

/**
 * Merge a loader update into the verified existing context (or start a new one):
 * - the visitor id and first-seen time are kept;
 * - the newest epik wins and its capture time is recorded — except that an epik Pinterest only
 *   derived (`_derived_epik`) never replaces one taken from an ad click (URL or `_epik` cookie);
 * - consent is a full snapshot from the CMP, so a new one replaces the old;
 * - a cart update replaces the tokens; `pin_unauth`, the hashed email and each declared browser id replace when given.
 * @example mergeContext(undefined, { epik: 'abc', epik_src: 'url' }, Date.now())
 */
export function mergeContext(existing: ContextClaims | undefined, body: CtxUpdate, nowMs: number, visitorId: () => string = newVisitorId): ContextClaims {
  const now = Math.floor(nowMs / 1000)
  const next: ContextClaims = existing ? { ...existing } : { vid: visitorId(), first_seen: now }
  if (body.epik && body.epik !== next.epik) {
    const weaker = body.epik_src === 'derived' && next.epik && next.epik_src !== 'derived'
    if (!weaker) {
      next.epik = body.epik
      next.epik_at = now
      next.epik_src = body.epik_src ?? 'url'
    }
  }
  if (body.pin_unauth) next.pin_unauth = body.pin_unauth
  // Declared browser ids replace when given (the route ranks URL, cookie and stored value first).
  for (const claim in body.ids) next[claim] = body.ids[claim]
  if (body.consent) next.consent = { ...body.consent }
  if (body.em) next.em = body.em
  if (body.cart) {
    const { id, token, checkout_token } = body.cart
    if (id || token || checkout_token) {
      next.cart = {}
      if (id) next.cart.id = String(id)
      if (token) next.cart.token = token
      if (checkout_token) next.cart.checkout_token = checkout_token
    }
  }
  return next
}

/** Stable JSON (sorted keys) so two contexts compare equal whatever order their keys were set in. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** True when two contexts carry the same claims (the cookie is then not re-issued). */
export const sameContext = (a: ContextClaims | undefined, b: ContextClaims): boolean => !!a && stable(a) === stable(b)
