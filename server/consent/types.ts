import type { CanonicalEvent, ConsentSignals } from '../event'
import type { SourceSignals } from './combine'

/** One Consent Mode v2 flag. `unset` is not `granted` (DESIGN §4). */
export type ConsentFlag = 'granted' | 'denied' | 'unset'

/** The four Google Consent Mode v2 types tagwarden tracks (docs/consent-signals.md §3). */
export const CONSENT_FLAGS = ['ad_storage', 'ad_user_data', 'ad_personalization', 'analytics_storage'] as const
export type ConsentFlagName = (typeof CONSENT_FLAGS)[number]

/** What `normalize` makes of an event's raw signals: the only input rules see. */
export interface ConsentState {
  ad_storage: ConsentFlag
  ad_user_data: ConsentFlag
  ad_personalization: ConsentFlag
  analytics_storage: ConsentFlag
  /** GPC, GPP US opt-outs (sale, sharing, targeted advertising), uspv1 `OptOutSale=Y`, a CMP's `sale_opt_out`. */
  sale_opt_out: boolean
  gdpr_applies: boolean | null
  /** The TC string that counted, decoded. `purposes` = purpose ids with consent. `reason` says why it is not valid. */
  tcf?: { valid: boolean; version?: number; cmpId?: number; purposes: number[]; legitimateInterests?: number[]; reason?: string }
  /** The GPP string, decoded: section names in it. `reason` says why it is not valid. */
  gpp?: { valid: boolean; sections: string[]; reason?: string }
  gpc: boolean
  /** ISO 3166-1 alpha-2, uppercase. */
  country?: string
  /** The signal that won: 'gpc' | 'tcf' | 'gpp' | 'us-privacy' | 'consent-mode' | 'cmp:<name>' | 'hook' | 'region-default' | 'default'. */
  source: string
}

export type ConsentAction = 'allow' | 'strip' | 'ldp' | 'suppress'

/** What one rule decided for one destination; `rule` is the id of the rule that matched. */
export interface Decision {
  action: ConsentAction
  rule: string
  /** User fields removed (`strip`, or `ldp` that also strips). */
  fields?: string[]
}

export interface ConsentPolicy {
  /** Several sources (the loader's per-source signals) → one snapshot, by the rule in combine.ts; `country` resolves regional defaults. */
  combine(sources: readonly SourceSignals[], country?: string): ConsentSignals
  normalize(signals: ConsentSignals | undefined): ConsentState
  decide(destination: string, state: ConsentState): Decision
  /**
   * Apply a decision to a canonical event: returns the event to send, or null when it must not be
   * sent (suppress, or — for 'pinterest-capi' — stripping left no em, no hashed_maids and not IP+UA).
   */
  apply(destination: string, event: CanonicalEvent, decision: Decision): CanonicalEvent | null
}
