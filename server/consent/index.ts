/**
 * Consent: raw signals → one normalized state → a decision per destination → the event to send.
 * Everything here is pure; routes put what the server saw (Sec-GPC, country header) into the
 * event's `consent` signals before the pipeline calls the policy.
 */
export type { ConsentAction, ConsentFlag, ConsentFlagName, ConsentPolicy, ConsentState, ConsentTarget, Decision, FieldSelector } from './types'
export { CONSENT_FLAGS } from './types'
export { consentConfigSchema, parseConsentConfig, ruleSchema, whenSchema } from './config'
export type { ConsentConfig, ConsentOptions, ConsentRule, RuleWhen } from './config'
export { createConsentPolicy, DEFAULT_REGIONS } from './policy'
export { DEFAULT_RULES, FALLBACK_DESTINATION, NO_MATCH_RULE, evaluateRules, matchesWhen } from './rules'
export { applyDecision, strippedFields } from './apply'
export { normalizeConsent } from './normalize'
export { GCM_DEFAULT, combineSources, explicitlyDenied, sourceSignalsSchema } from './combine'
export type { CombineOptions, SourceSignals } from './combine'
export { browserDecisions } from './browser'
export { EEA_GROUP, EEA_UK_CH, isEeaCountry } from './regions'
export { EXPLAIN_DESTINATIONS, explainConsent, parseExplainArgs } from './explain'
export type { ConsentExplanation } from './explain'
