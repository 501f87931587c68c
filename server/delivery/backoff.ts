export interface BackoffOptions {
  /** First retry delay (ms). Default 1,000. */
  baseMs: number
  /** Longest delay between tries (ms). Default 300,000 (5 min). */
  maxMs: number
  /** Longest Retry-After honoured as given (ms); longer answers are capped. Default 3,600,000. */
  maxRetryAfterMs: number
  random: () => number
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 300_000, maxRetryAfterMs: 3_600_000, random: Math.random }

/**
 * Delay before the next try after `failures` consecutive failures: exponential with "equal jitter"
 * (half fixed, half random) so instances that failed together do not retry together. A server's
 * Retry-After wins when given, plus up to 10 % jitter
 * (https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/).
 * @example retryDelay(3, undefined, DEFAULT_BACKOFF) // between 2 s and 4 s
 */
export function retryDelay(failures: number, retryAfterMs: number | undefined, o: BackoffOptions): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, o.maxRetryAfterMs) * (1 + o.random() * 0.1)
  const d = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, failures - 1))
  return d / 2 + (o.random() * d) / 2
}
