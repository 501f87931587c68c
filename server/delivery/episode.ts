import { retryDelay, type BackoffOptions } from './backoff'

/** Why a destination waits, as a bounded set (health and metrics; the upstream's own text stays in the logs). */
export type WaitReason = 'rate-limited' | 'upstream-5xx' | 'timeout' | 'network' | 'unreadable-answer'

/** A failure episode: from the first failed request until a probe succeeds. */
export interface Episode {
  since: number
  /** No request (except a forced flush) before this time (ms); then one probe. */
  until: number
  /** Failed rounds so far: the request that opened the episode, then each failed probe. */
  failures: number
  reason: WaitReason
}

/**
 * The backoff of one destination, counted per failure episode rather than per request: requests in
 * flight together that fail together are one failed round, so TAGWARDEN_MAX_IN_FLIGHT parallel
 * failures do not multiply the delay. While an episode lasts, one probe at a time goes once its
 * delay has passed; the probe's success ends the episode (the backlog then drains at full speed),
 * its failure is the next round. Every request carries the round it was sent in (`ticket`). 429 and
 * 503 mean Pinterest did not process the request (docs/pinterest-capi-delivery.md), so waiting
 * costs no duplicate; a one-event probe keeps a still-missing answer from costing a whole batch.
 * @example const e = createEpisodes(DEFAULT_BACKOFF, Date.now); const t = e.ticket(); e.failed(t, 'network')
 */
export function createEpisodes(backoff: BackoffOptions, now: () => number) {
  let current: Episode | undefined
  let round = 0
  let probing = false

  return {
    /** The round a request is sent in. */
    ticket: () => round,
    /**
     * A request sent in round `ticket` failed. Counted when it belongs to the current round (it opened
     * the episode, or it was the probe); a sibling sent before only lengthens the wait for a longer
     * Retry-After. Returns whether it counted.
     */
    failed(ticket: number, reason: WaitReason, retryAfterMs?: number): boolean {
      if (ticket !== round) {
        if (current && retryAfterMs !== undefined) current.until = Math.max(current.until, now() + Math.min(retryAfterMs, backoff.maxRetryAfterMs))
        return false
      }
      const since = current?.since ?? now()
      current = { since, until: now() + retryDelay(now() - since, retryAfterMs, backoff), failures: (current?.failures ?? 0) + 1, reason }
      round++
      return true
    },
    /** A request sent in round `ticket` succeeded: true when it was the probe that ends the episode. */
    succeeded(ticket: number): boolean {
      if (!current || ticket !== round) return false
      current = undefined
      round++
      return true
    },
    /** go: no episode (or forced); probe: the wait is over, this caller sends the one probe; wait: not yet. */
    gate(force = false): 'go' | 'probe' | 'wait' {
      if (!current || force) return 'go'
      if (probing || now() < current.until) return 'wait'
      probing = true
      return 'probe'
    },
    /** The probe's request is over (whatever came of it): another may go when due. */
    probeDone(): void {
      probing = false
    },
    current: (): Readonly<Episode> | undefined => current,
  }
}

