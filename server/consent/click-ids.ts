import { ruleSchema, type ConsentRule } from './config'
import type { ConsentPolicy, ConsentState } from './types'

/** The name the policy judges the context cookie's click and browser ids under (`consent.rules["context-cookie"]`). */
export const CONTEXT_COOKIE = 'context-cookie'

/**
 * Shipped rules for `context-cookie` (README "Default rules"). Click and browser ids (epik, fbc,
 * fbp, ttclid, ttp) are advertising storage: a shopper whose ad_storage is denied by a decision (a
 * CMP's or the hook's, a TC string without purpose 1, GDPR without a valid TC string) keeps none. A
 * denial that is only a default (the page's Consent Mode default, a region default,
 * TAGWARDEN_DEFAULT_CONSENT) keeps them unsent until the shopper decides: they are used if the
 * shopper grants (README "Consent").
 */
export const CONTEXT_COOKIE_RULES: readonly ConsentRule[] = [
  { id: 'ad-storage-denied', when: { ad_storage: 'denied', decided: true }, action: 'suppress' },
  { id: 'allow', when: {}, action: 'allow' },
].map((r) => ruleSchema.parse(r))

/**
 * Whether the signed context cookie (and the cart store) may keep click and browser ids: the
 * policy's `context-cookie` decision for this state (`suppress` keeps none; any other action keeps them).
 * @example keepsClickIds(policy, policy.normalize({ ad_storage: 'denied', source: 'hook' })) // false
 */
export function keepsClickIds(policy: Pick<ConsentPolicy, 'decide'>, state: ConsentState): boolean {
  return policy.decide(CONTEXT_COOKIE, state).action !== 'suppress'
}
