/**
 * Consent: raw signals → one normalized state → a decision per destination → the event to send.
 * Everything here is pure; routes put what the server saw (Sec-GPC, country header) into the
 * event's `consent` signals before the pipeline calls the policy. This file exports what the rest
 * of the server uses; everything else is imported from its own file.
 */
export type { ConsentPolicy } from './types'
export { createConsentPolicy } from './policy'
export { explainConsent, parseExplainArgs } from './explain'
