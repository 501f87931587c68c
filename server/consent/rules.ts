import { consentSubjects } from '../destinations'
import { ruleSchema, type ConsentRule, type RuleWhen } from './config'
import { AD_MEASUREMENT, declaredRules, ownRuleInput } from './declared-rules'
import type { ConsentSubject } from './types'
import { flagsDecided } from './normalize'
import { countryMatches } from './regions'
import { CONSENT_FLAGS, type ConsentState, type Decision } from './types'

/** The rule list a destination falls back to when the defaults and the config have none for it. */
export const FALLBACK_DESTINATION = '*'
/** Decision when no rule in the list matches (a custom list without a catch-all). */
export const NO_MATCH_RULE = 'no-rule-matched'

/** Rule inputs (the config file's syntax) → rules, parsed with the config's own schema, so they are valid by construction. */
const parseLists = (input: Record<string, unknown[]>): Record<string, readonly ConsentRule[]> =>
  Object.fromEntries(Object.entries(input).map(([dest, rules]) => [dest, rules.map((r) => ruleSchema.parse(r))]))

/**
 * Shipped rules, first match wins (README "Default rules"), made from what each registered driver
 * declares it needs (consent/declared-rules.ts). `*` is every destination that sends a server copy
 * for advertising measurement (Pinterest, Meta, TikTok alike: `identifiers` means each one's own,
 * and `restricted` each one's restricted mode); each browser tag and page pixel (`pinterest-tag`,
 * `meta-pixel`, `tiktok-pixel`) and each server copy that needs other purposes has its own list.
 */
export const DEFAULT_RULES: Readonly<Record<string, readonly ConsentRule[]>> = parseLists({
  [FALLBACK_DESTINATION]: declaredRules('batch', AD_MEASUREMENT),
  ...ownRuleInput(consentSubjects()),
})

/** The shipped lists of destinations no registered driver makes (an embedder's own), from their declarations. */
export const declaredRuleLists = (subjects: readonly ConsentSubject[]): Record<string, readonly ConsentRule[]> => parseLists(ownRuleInput(subjects))

/**
 * True when every key of `when` matches the state (README "Writing rules"). `decided`: whether the
 * state's flags are a decision (normalize.ts `flagsDecided`; the policy knows it for each state it made).
 */
export function matchesWhen(when: RuleWhen, state: ConsentState, decided = flagsDecided(undefined, state)): boolean {
  for (const flag of CONSENT_FLAGS) {
    const allowed = when[flag]
    if (allowed && !allowed.includes(state[flag])) return false
  }
  if (when.decided !== undefined && when.decided !== decided) return false
  if (when.sale_opt_out !== undefined && when.sale_opt_out !== state.sale_opt_out) return false
  if (when.gpc !== undefined && when.gpc !== state.gpc) return false
  if (when.gdpr_applies !== undefined && when.gdpr_applies !== state.gdpr_applies) return false
  if (when.tcf_valid !== undefined && when.tcf_valid !== (state.tcf?.valid ?? false)) return false
  if (when.tcf_purposes_missing) {
    const consented = state.tcf?.valid ? state.tcf.purposes : []
    if (when.tcf_purposes_missing.every((p) => consented.includes(p))) return false
  }
  if (when.country && !countryMatches(state.country, when.country)) return false
  if (when.source && !when.source.includes(state.source)) return false
  return true
}

/**
 * The one place consent is decided: the first rule whose `when` matches names the action.
 * A rule without an id is named `#<position>` (1-based); no match → suppress.
 */
export function evaluateRules(rules: readonly ConsentRule[], state: ConsentState, decided = flagsDecided(undefined, state)): Decision {
  for (const [i, rule] of rules.entries()) {
    if (!matchesWhen(rule.when, state, decided)) continue
    const decision: Decision = { action: rule.action, rule: rule.id ?? `#${i + 1}` }
    if (rule.fields) decision.fields = [...rule.fields]
    return decision
  }
  return { action: 'suppress', rule: NO_MATCH_RULE }
}
