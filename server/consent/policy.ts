import type { ConsentSignals } from '../event'
import { applyDecision } from './apply'
import { browserDecisions } from './browser'
import { combineSources } from './combine'
import type { ConsentOptions, ConsentRule } from './config'
import { CONTEXT_COOKIE, CONTEXT_COOKIE_RULES } from './click-ids'
import { flagsDecided, normalizeConsent } from './normalize'
import { declaredRuleLists, DEFAULT_RULES, evaluateRules, FALLBACK_DESTINATION } from './rules'
import type { ConsentPolicy, ConsentState, Decision } from './types'

/** Distinct plain Consent Mode states remembered (a handful in practice; the table is emptied when full). */
const PLAIN_STATES = 1024

/**
 * Region defaults when the config names none: opt-in law countries (EEA, UK, CH) start denied; the
 * US, where state privacy laws are opt-out regimes, starts granted — an opt-out (GPC, a GPP or US
 * Privacy opt-out) then means Limited Data Processing (docs/us-consent.md).
 */
export const DEFAULT_REGIONS = { EEA: 'denied', US: 'granted' } as const

/**
 * Build the consent policy from the parsed `consent` config section and TAGWARDEN_DEFAULT_CONSENT.
 * Shipped lists come from what each registered driver declares (rules.ts `DEFAULT_RULES`) and from
 * `declared` (configured destinations no registered driver makes); configured rule lists replace
 * the shipped list of the same destination; a destination with no list of its own uses
 * `rules["*"]` (configured, else shipped); `browserTags` are the tags `browser` answers for. Pure: no I/O.
 * @example createConsentPolicy({ defaultConsent: 'denied' }).decide('pinterest-capi', state)
 */
export function createConsentPolicy(options: ConsentOptions): ConsentPolicy {
  const regions = options.regions ?? DEFAULT_REGIONS
  const shipped = { ...DEFAULT_RULES, [CONTEXT_COOKIE]: CONTEXT_COOKIE_RULES, ...declaredRuleLists(options.declared ?? []) }
  const rules: Record<string, readonly ConsentRule[]> = { ...shipped, ...options.rules }
  const normalizeOptions = { regions, defaultConsent: options.defaultConsent }
  // Decoding is pure, so results are shared: signals carrying consent strings (TC, GPP, US
  // Privacy) are decoded once per signals object; plain Consent Mode flags — the common case, one
  // new object per API event — map through a small table keyed by their values. Nothing downstream
  // mutates a state, and a state's decisions are kept with it.
  const decoded = new WeakMap<ConsentSignals, ConsentState>()
  const plain = new Map<string, ConsentState>()
  const decisions = new WeakMap<ConsentState, Map<string, Decision>>()
  // Whether each state's flags are a decision, not a default (a rule's `decided`): known from the
  // signals, so kept beside the state rather than in it.
  const decided = new WeakMap<ConsentState, boolean>()
  const made = (s: ConsentSignals | undefined): ConsentState => {
    const state = normalizeConsent(s, normalizeOptions)
    decided.set(state, flagsDecided(s, state))
    return state
  }
  const none = made(undefined)

  function normalize(s: ConsentSignals | undefined): ConsentState {
    if (!s) return none
    if (s.tcf === undefined && s.gpp === undefined && s.us_privacy === undefined) {
      const key = `${s.ad_storage}|${s.ad_user_data}|${s.ad_personalization}|${s.analytics_storage}|${s.gpc}|${s.sale_opt_out}|${s.gdpr_applies}|${s.country}|${s.source}`
      let state = plain.get(key)
      if (!state) {
        if (plain.size >= PLAIN_STATES) plain.clear()
        plain.set(key, (state = made(s)))
      }
      return state
    }
    let state = decoded.get(s)
    if (!state) decoded.set(s, (state = made(s)))
    return state
  }

  function decide(destination: string, state: ConsentState): Decision {
    let byDest = decisions.get(state)
    if (!byDest) decisions.set(state, (byDest = new Map()))
    let decision = byDest.get(destination)
    if (!decision) byDest.set(destination, (decision = evaluateRules(rules[destination] ?? rules[FALLBACK_DESTINATION], state, decided.get(state))))
    return decision
  }

  const browserTags = [...new Set(options.browserTags ?? [])]
  return {
    combine: (sources, country) => combineSources(sources, { country, regions }),
    normalize,
    decide,
    apply: applyDecision,
    browserTags,
    browser: (signals) => browserDecisions({ normalize, decide }, signals, browserTags),
  }
}
