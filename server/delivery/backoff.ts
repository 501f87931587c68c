export interface BackoffOptions {
  /** First retry delay (ms). Default 1,000. */
  baseMs: number
  /** Longest delay between tries (ms), so a waiting destination is probed at least this often (TAGWARDEN_BACKOFF_MAX_S). Default 60,000. */
  maxMs: number
  /** Longest Retry-After honoured (ms); longer answers are capped (TAGWARDEN_RETRY_AFTER_MAX_S). Default 300,000. */
  maxRetryAfterMs: number
  random: () => number
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 60_000, maxRetryAfterMs: 300_000, random: Math.random }

/** The wait is this share of the time the destination has been failing: recovery is noticed within a quarter of the outage. */
const SHARE_OF_EPISODE = 0.25

/**
 * Delay before the next try in a failure episode that began `elapsedMs` ago: a quarter of that
 * time, at least `baseMs` and at most `maxMs`, with "equal jitter" (half fixed, half random) so
 * instances that failed together do not retry together. Waits so grow exponentially (×1.25 per
 * failed round) while the time lost after Pinterest recovers stays a fraction of the outage: a 20 s
 * storm costs at most 5 s, an hour-long outage at most `maxMs`. A server's Retry-After wins when
 * given, capped at `maxRetryAfterMs`, plus up to 10 % jitter
 * (https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/).
 * @example retryDelay(20_000, undefined, DEFAULT_BACKOFF) // between 2.5 s and 5 s
 */
export function retryDelay(elapsedMs: number, retryAfterMs: number | undefined, o: BackoffOptions): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, o.maxRetryAfterMs) * (1 + o.random() * 0.1)
  const d = Math.min(o.maxMs, Math.max(o.baseMs, elapsedMs * SHARE_OF_EPISODE))
  return d / 2 + (o.random() * d) / 2
}
