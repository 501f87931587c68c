import type { CanonicalEvent, ClickIdKey, ConsentSignals, Identity, NetworkField, PersonalField } from '../event'
import type { SourceSignals } from './source-signals'

/** One Consent Mode v2 flag. `unset` is not `granted` (docs/design.md "Consent model"). */
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

/**
 * `restricted` = the destination's restricted-processing mode (Pinterest LDP, Meta LDU, TikTok
 * limited data use); a destination without one treats it as `suppress`.
 */
export type ConsentAction = 'allow' | 'strip' | 'restricted' | 'suppress'

/**
 * Identifiers a rule removes: names (`em`, `client_ip_address`, a click id key such as
 * `pinterest.epik`), `identifiers` (every personal identifier and click id the destination
 * declares; with `restricted`, except what its restricted mode keeps) or `click_ids` (every click
 * and browser id it declares).
 */
export type FieldSelector = 'identifiers' | 'click_ids' | PersonalField | NetworkField | ClickIdKey

/** What one rule decided for one destination; `rule` is the id of the rule that matched. */
export interface Decision {
  action: ConsentAction
  rule: string
  /** Identifiers removed (`strip`, or `restricted` that also strips). */
  fields?: FieldSelector[]
}

/**
 * What consent needs to know of a destination: the identifiers it may send (so `identifiers`
 * and `click_ids` mean each destination's own, a new platform's ids included), what its
 * restricted mode keeps, and the least its API accepts.
 */
export interface ConsentTarget {
  name: string
  identifiers: { personal: readonly PersonalField[]; ids: readonly ClickIdKey[]; network: readonly NetworkField[] }
  /** Present when the platform has a restricted-processing mode; `keeps` = identifiers that mode needs (Pinterest LDP: st, country). */
  restricted?: { keeps: readonly PersonalField[] }
  /** False when stripping left too little for the platform's API (the event is then suppressed, not sent invalid). */
  accepts?(user: Identity): boolean
  /** What `accepts` asks for, in words (for error messages). */
  requires?: string
  /** The consent purposes it needs (its shipped rules are made from them; `defineDestination` sets its driver's). */
  consent?: ConsentNeeds
}

export interface ConsentPolicy {
  /** Several sources (the loader's per-source signals) → one snapshot, by the rule in combine.ts; `country` resolves regional defaults. */
  combine(sources: readonly SourceSignals[], country?: string): ConsentSignals
  normalize(signals: ConsentSignals | undefined): ConsentState
  decide(destination: string, state: ConsentState): Decision
  /**
   * Apply a decision to a canonical event for one destination: returns the event to send, or null
   * when it must not be sent (suppress; restricted without a restricted mode; stripping left less
   * than the destination's API accepts).
   */
  apply(target: ConsentTarget, event: CanonicalEvent, decision: Decision): CanonicalEvent | null
  /** The browser tags `browser` decides for (the policy's `browserTags` option): every one the loader may load. */
  browserTags: readonly string[]
  /**
   * One shopper's browser, from the same inputs as every other decision: each browser tag's
   * decision (what `/ctx` answers, the loader loads a tag only as that says), whether the context
   * cookie may keep click and browser ids, and whether a tag may run with its ids kept first-party.
   */
  browser(signals: ConsentSignals | undefined): BrowserDecision
}

/** What `POST /tw/ctx` answers: per browser tag, the action (`allow`, `restricted`, `suppress`, …) and the rule that made it. */
export interface BrowserDecisions {
  decisions: Record<string, Pick<Decision, 'action' | 'rule'>>
}

/** The policy's whole word on one shopper's browser (`ConsentPolicy.browser`): the `/ctx` answer, and what the cookies may keep. */
export interface BrowserDecision extends BrowserDecisions {
  /** The context cookie and the cart store may keep click and browser ids (consent/click-ids.ts). */
  keepsClickIds: boolean
  /**
   * A browser tag may run with its ids kept first-party (its cookies, for Meta's pixel a server-made
   * `_fbp`): the ids are kept and the tag's decision is not `suppress`.
   */
  runs(tag: string): boolean
}

/**
 * What a destination (or a page pixel) needs consent for, in Consent Mode flags and IAB TCF
 * purposes (docs/consent-signals.md §3, §7). Its shipped rules are made from this (`declaredRules`);
 * `consent.rules["<name>"]` in the config file still replaces them.
 */
export interface ConsentNeeds {
  /**
   * The Consent Mode flags for storage on the shopper's device (the platform's cookies and click
   * ids). A browser tag runs only with each one granted; a server copy is suppressed when none of
   * these nor `userData` is granted.
   */
  storage: readonly [ConsentFlagName, ...ConsentFlagName[]]
  /** The flag for sending personal identifiers (Google's `ad_user_data`): a server copy without it goes with its identifiers stripped. Absent: none needed. */
  userData?: ConsentFlagName
  /** TCF purposes that need consent where GDPR applies (consent bits only: docs/consent-signals.md §7). */
  tcfPurposes: readonly number[]
}

/** One name the policy judges, with what it declares: a destination, or a page pixel (`kind: 'tag'`). */
export interface ConsentSubject {
  name: string
  /** `tag`: a script on the page (loaded or not, beacons forwarded or dropped); `batch`: a server copy. */
  kind: 'tag' | 'batch'
  needs: ConsentNeeds
}
