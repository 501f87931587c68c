import type { ConsentSignals } from '../event'
import { explicitlyDenied } from './combine'
import type { ConsentState } from './types'

/**
 * Whether the signed context cookie (and the cart store) may keep click and browser ids (epik,
 * fbc, fbp, ttclid, ttp). They are advertising storage: a shopper who explicitly denied
 * ad_storage (a CMP's or the hook's decision, a TC string without purpose 1, GDPR without a valid
 * TC string) keeps none. A denial that is only a default (the page's Consent Mode default, a region
 * default, TAGWARDEN_DEFAULT_CONSENT) keeps them unsent until the shopper decides: they are used if
 * the shopper grants (README "Consent").
 * @example keepsClickIds({ ad_storage: 'denied', source: 'hook' }, policy.normalize(signals)) // false
 */
export function keepsClickIds(signals: ConsentSignals | undefined, state: ConsentState): boolean {
  if (!signals) return true
  return !(state.ad_storage === 'denied' && (explicitlyDenied(signals) || state.tcf !== undefined || state.gdpr_applies === true))
}
