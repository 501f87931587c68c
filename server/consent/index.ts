/**
 * Consent: raw signals → one normalized state → a decision per destination → the event to send.
 * Everything here is pure; routes put what the server saw (Sec-GPC, country header) into the
 * event's `consent` signals before the pipeline calls the policy.
 */
export type { ConsentPolicy, ConsentState, ConsentTarget, Decision } from './types'
export { consentConfigSchema, parseConsentConfig, ruleSchema } from './config'
export { createConsentPolicy } from './policy'
export { DEFAULT_RULES, evaluateRules } from './rules'
export { strippedFields } from './apply'
export { combineSources, explicitlyDenied } from './combine'
export type { SourceSignals } from './combine'
export { browserDecisions } from './browser'
export { explainConsent, parseExplainArgs } from './explain'
