import type { ConsentSignals } from '../event'
import { applyDecision } from './apply'
import type { ConsentOptions, ConsentRule } from './config'
import { normalizeConsent } from './normalize'
import { DEFAULT_RULES, evaluateRules, FALLBACK_DESTINATION } from './rules'
import type { ConsentPolicy, ConsentState } from './types'

/** Region defaults when the config names none: opt-in law countries start denied. */
export const DEFAULT_REGIONS = { EEA: 'denied' } as const

/**
 * Build the consent policy from the parsed `consent` config section and TAGWARDEN_DEFAULT_CONSENT.
 * Configured rule lists replace the shipped list of the same destination; a destination with no
 * list of its own uses `rules["*"]` (configured, else shipped). Pure: no I/O.
 * @example createConsentPolicy({ defaultConsent: 'denied' }).decide('pinterest-capi', state)
 */
export function createConsentPolicy(options: ConsentOptions): ConsentPolicy {
  const regions = options.regions ?? DEFAULT_REGIONS
  const rules: Record<string, readonly ConsentRule[]> = { ...DEFAULT_RULES, ...options.rules }
  const normalizeOptions = { regions, defaultConsent: options.defaultConsent }
  // The pipeline normalizes once per destination; the signals object of an event is decoded once.
  const cache = new WeakMap<ConsentSignals, ConsentState>()

  return {
    normalize(signals) {
      if (!signals) return normalizeConsent(undefined, normalizeOptions)
      let state = cache.get(signals)
      if (!state) cache.set(signals, (state = normalizeConsent(signals, normalizeOptions)))
      return state
    },
    decide(destination, state) {
      return evaluateRules(rules[destination] ?? rules[FALLBACK_DESTINATION], state)
    },
    apply: applyDecision,
  }
}
