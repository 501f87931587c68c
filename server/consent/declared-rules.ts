import type { ConsentNeeds, ConsentSubject } from './types'


/**
 * Advertising measurement, what Pinterest, Meta and TikTok need and every driver gets unless it
 * declares otherwise: `ad_storage` for the click ids, `ad_user_data` for identifiers, TCF purposes 1
 * (store or access the click id) and 7 (measure advertising performance) — docs/consent-signals.md §7.
 */
export const AD_MEASUREMENT: ConsentNeeds = { storage: ['ad_storage'], userData: 'ad_user_data', tcfPurposes: [1, 7] }


/** A rule in the config file's own syntax (consent/config.ts `ruleSchema` parses it). */
export interface RuleInput {
  id: string
  when: Record<string, unknown>
  action: 'allow' | 'strip' | 'restricted' | 'suppress'
  fields?: string[]
}

const kebab = (flag: string) => flag.replace(/_/g, '-')
/** `ad_user_data` → `ad`, `analytics_storage` → `analytics`: the group a flag belongs to. */
const group = (flag: string) => flag.slice(0, flag.indexOf('_'))

/**
 * The shipped rules for what a subject needs, first match wins (README "Default rules"). For
 * advertising measurement these are the lists tagwarden has always shipped — the browser tag's
 * `gdpr-tcf-p1-p7`, `ad-storage-not-granted`, `sale-opt-out`, `allow`; the server copy's
 * `gdpr-tcf-p1-p7`, `no-ad-consent`, `sale-opt-out-no-user-data`, `ad-user-data-not-granted`,
 * `sale-opt-out`, `allow` — and other needs get the same shape with their own flags and purposes.
 * @example declaredRules('tag', { storage: ['analytics_storage'], tcfPurposes: [8] }).map((r) => r.id) // ['gdpr-tcf-p8', 'analytics-storage-not-granted', 'sale-opt-out', 'allow']
 */
export function declaredRules(kind: ConsentSubject['kind'], needs: ConsentNeeds): RuleInput[] {
  const rules: RuleInput[] = []
  if (needs.tcfPurposes.length) {
    const id = `gdpr-tcf-${needs.tcfPurposes.map((p) => `p${p}`).join('-')}`
    rules.push({ id, when: { gdpr_applies: true, tcf_purposes_missing: [...needs.tcfPurposes] }, action: 'suppress' })
  }
  if (kind === 'tag') {
    for (const flag of needs.storage) rules.push({ id: `${kebab(flag)}-not-granted`, when: { [flag]: 'not_granted' }, action: 'suppress' })
  } else {
    const flags = [...needs.storage, ...(needs.userData ? [needs.userData] : [])]
    const none = Object.fromEntries(flags.map((f) => [f, 'not_granted']))
    rules.push({ id: `no-${[...new Set(flags.map(group))].join('-')}-consent`, when: none, action: 'suppress' })
    const data = needs.userData
    if (data) {
      rules.push({ id: `sale-opt-out-no-${kebab(data.slice(group(data).length + 1))}`, when: { sale_opt_out: true, [data]: 'not_granted' }, action: 'restricted', fields: ['identifiers'] })
      rules.push({ id: `${kebab(data)}-not-granted`, when: { [data]: 'not_granted' }, action: 'strip', fields: ['identifiers'] })
    }
  }
  rules.push({ id: 'sale-opt-out', when: { sale_opt_out: true }, action: 'restricted' })
  rules.push({ id: 'allow', when: {}, action: 'allow' })
  return rules
}

const sameNeeds = (a: ConsentNeeds, b: ConsentNeeds) =>
  a.userData === b.userData && a.storage.join() === b.storage.join() && a.tcfPurposes.join() === b.tcfPurposes.join()

/**
 * The subjects that need a shipped list of their own: every browser tag and page pixel, and a
 * server copy that needs other than advertising measurement (the others share `"*"`, so a `"*"`
 * in the config file covers them).
 */
export function ownRuleInput(subjects: readonly ConsentSubject[]): Record<string, RuleInput[]> {
  const out: Record<string, RuleInput[]> = {}
  for (const s of subjects) {
    if (s.kind === 'batch' && sameNeeds(s.needs, AD_MEASUREMENT)) continue
    out[s.name] ??= declaredRules(s.kind, s.needs)
  }
  return out
}
