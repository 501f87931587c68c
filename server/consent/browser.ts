import type { ConsentSignals } from '../event'
import { keepsClickIds } from './click-ids'
import type { ConsentPolicy, Decision } from './types'

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
 * The policy's decision per browser tag (the destinations whose script the loader may load) for
 * these signals: the shopper's cookie consent plus what the server sees itself (Sec-GPC, country).
 * The loader never decides this itself: `/tw/ctx` answers these, made by the same policy (rules,
 * region defaults, TAGWARDEN_DEFAULT_CONSENT) that judges the server copies and the beacons.
 * @example browserDecisions(policy, { ad_storage: 'granted' }, ['pinterest-tag']).decisions['pinterest-tag'].action // 'allow'
 */
export function browserDecisions(policy: Pick<ConsentPolicy, 'normalize' | 'decide'>, signals: ConsentSignals | undefined, tags: readonly string[]): BrowserDecision {
  const state = policy.normalize(signals)
  const decisions: BrowserDecisions['decisions'] = {}
  for (const tag of tags) {
    const { action, rule } = policy.decide(tag, state)
    decisions[tag] = { action, rule }
  }
  const keeps = keepsClickIds(policy, state)
  return { decisions, keepsClickIds: keeps, runs: (tag) => keeps && decisions[tag] !== undefined && decisions[tag].action !== 'suppress' }
}
