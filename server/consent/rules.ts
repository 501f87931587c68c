import { ruleSchema, type ConsentRule, type RuleWhen } from './config'
import { countryMatches } from './regions'
import { CONSENT_FLAGS, type ConsentState, type Decision } from './types'

/** The rule list a destination falls back to when the defaults and the config have none for it. */
export const FALLBACK_DESTINATION = '*'
/** Decision when no rule in the list matches (a custom list without a catch-all). */
export const NO_MATCH_RULE = 'no-rule-matched'

const GDPR_TCF = { gdpr_applies: true, tcf_purposes_missing: [1, 7] }

/**
 * Shipped rules, first match wins (README "Consent rules"). Written in the config file's own syntax
 * and parsed with the same schema, so they are valid by construction. `*` is every destination
 * that sends a server copy (Pinterest, Meta, TikTok alike: `identifiers` means each one's own, and
 * `restricted` each one's restricted mode); `pinterest-tag` judges the browser tag's beacons, and
 * `meta-pixel` / `tiktok-pixel` whether the loader adds those platforms' scripts to the page.
 */
const BROWSER_TAG_RULES = [
  { id: 'gdpr-tcf-p1-p7', when: GDPR_TCF, action: 'suppress' },
  { id: 'ad-storage-not-granted', when: { ad_storage: 'not_granted' }, action: 'suppress' },
  { id: 'sale-opt-out', when: { sale_opt_out: true }, action: 'restricted' },
  { id: 'allow', when: {}, action: 'allow' },
]

const DEFAULT_RULE_INPUT: Record<string, unknown[]> = {
  'pinterest-tag': BROWSER_TAG_RULES,
  // The Meta and TikTok pixels the loader adds to the page (README "Meta and TikTok pixels on the page"): browser tags, judged alike.
  'meta-pixel': BROWSER_TAG_RULES,
  'tiktok-pixel': BROWSER_TAG_RULES,
  [FALLBACK_DESTINATION]: [
    { id: 'gdpr-tcf-p1-p7', when: GDPR_TCF, action: 'suppress' },
    { id: 'no-ad-consent', when: { ad_storage: 'not_granted', ad_user_data: 'not_granted' }, action: 'suppress' },
    { id: 'sale-opt-out-no-user-data', when: { sale_opt_out: true, ad_user_data: 'not_granted' }, action: 'restricted', fields: ['identifiers'] },
    { id: 'ad-user-data-not-granted', when: { ad_user_data: 'not_granted' }, action: 'strip', fields: ['identifiers'] },
    { id: 'sale-opt-out', when: { sale_opt_out: true }, action: 'restricted' },
    { id: 'allow', when: {}, action: 'allow' },
  ],
}

export const DEFAULT_RULES: Readonly<Record<string, readonly ConsentRule[]>> = Object.fromEntries(
  Object.entries(DEFAULT_RULE_INPUT).map(([dest, rules]) => [dest, rules.map((r) => ruleSchema.parse(r))]),
)

/** True when every key of `when` matches the state (README "The when language"). */
export function matchesWhen(when: RuleWhen, state: ConsentState): boolean {
  for (const flag of CONSENT_FLAGS) {
    const allowed = when[flag]
    if (allowed && !allowed.includes(state[flag])) return false
  }
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
export function evaluateRules(rules: readonly ConsentRule[], state: ConsentState): Decision {
  for (const [i, rule] of rules.entries()) {
    if (!matchesWhen(rule.when, state)) continue
    const decision: Decision = { action: rule.action, rule: rule.id ?? `#${i + 1}` }
    if (rule.fields) decision.fields = [...rule.fields]
    return decision
  }
  return { action: 'suppress', rule: NO_MATCH_RULE }
}
