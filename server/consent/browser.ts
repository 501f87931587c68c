import type { ConsentSignals } from '../event'
import { keepsClickIds } from './click-ids'
import type { BrowserDecision, BrowserDecisions, ConsentPolicy } from './types'


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
