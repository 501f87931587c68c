import type { ConsentSignals } from '../event'
import type { ConsentPolicy, Decision } from './types'

/** The Meta and TikTok pixels: browser tags whose script the loader adds where these decisions allow (client/px/). */
export const PIXEL_TAGS = ['meta-pixel', 'tiktok-pixel'] as const

/** What `POST /tw/ctx` answers: per browser tag, the action (`allow`, `restricted`, `suppress`, …) and the rule that made it. */
export interface BrowserDecisions {
  decisions: Record<string, Pick<Decision, 'action' | 'rule'>>
}

/**
 * The policy's decision per browser tag (the destinations whose script the loader may load) for
 * these signals: the shopper's cookie consent plus what the server sees itself (Sec-GPC, country).
 * The loader never decides this itself: `/tw/ctx` answers these, made by the same policy (rules,
 * region defaults, TAGWARDEN_DEFAULT_CONSENT) that judges the server copies and the beacons.
 * @example browserDecisions(policy, { ad_storage: 'granted' }, ['pinterest-tag']).decisions['pinterest-tag'].action // 'allow'
 */
export function browserDecisions(policy: ConsentPolicy, signals: ConsentSignals | undefined, tags: readonly string[]): BrowserDecisions {
  const state = policy.normalize(signals)
  const decisions: BrowserDecisions['decisions'] = {}
  for (const tag of tags) {
    const { action, rule } = policy.decide(tag, state)
    decisions[tag] = { action, rule }
  }
  return { decisions }
}
