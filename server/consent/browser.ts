import type { ConsentSignals } from '../event'
import { TAG_DESTINATION } from '../pipeline'
import type { ConsentPolicy, Decision } from './types'

/**
 * The destinations whose script the loader may load in the browser. The loader never decides this
 * itself: `/tw/ctx` answers each one's decision for the shopper, made by the same policy (rules,
 * region defaults, TAGWARDEN_DEFAULT_CONSENT) that judges the server copies and the beacons.
 */
export const BROWSER_TAGS: readonly string[] = [TAG_DESTINATION]

/** What `POST /tw/ctx` answers: per browser tag, the action (`allow`, `ldp`, `suppress`, …) and the rule that made it. */
export interface BrowserDecisions {
  decisions: Record<string, Pick<Decision, 'action' | 'rule'>>
}

/**
 * The policy's decision per browser tag for these signals (the shopper's cookie consent plus what
 * the server sees itself: Sec-GPC, country).
 * @example browserDecisions(policy, { ad_storage: 'granted' }).decisions['pinterest-tag'].action // 'allow'
 */
export function browserDecisions(policy: ConsentPolicy, signals: ConsentSignals | undefined): BrowserDecisions {
  const state = policy.normalize(signals)
  const decisions: BrowserDecisions['decisions'] = {}
  for (const tag of BROWSER_TAGS) {
    const { action, rule } = policy.decide(tag, state)
    decisions[tag] = { action, rule }
  }
  return { decisions }
}
