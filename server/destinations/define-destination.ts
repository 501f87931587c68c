import type { Config } from '../config'
import type { ConsentTarget } from '../consent/types'
import type { CanonicalEvent } from '../event'

/** Pinterest-style per-event result, in request order. */
export interface EventResult { status: 'processed' | 'failed'; error?: string; warning?: string }

/** What one batch request came to; the delivery core acts on it (retry, pause, dead-letter). */
export type BatchOutcome =
  | { kind: 'done'; results: EventResult[] }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'auth'; reason: string }
  | { kind: 'rejected'; reason: string }

export interface HttpRequest { url: string; method: 'POST'; headers: Record<string, string>; body: string }

/**
 * A batch destination: pure builders only; the core owns storage, batching, I/O and retries.
 * Adding a destination is one file exporting one of these plus one line in `destinations/index.ts`.
 */
export interface Destination<Payload = unknown> extends ConsentTarget {
  name: string
  /** Most events one request may carry. */
  maxBatch: number
  /** Whether requests are really sent; `false` → dry-run (built, validated, recorded only). */
  isLive(config: Config): boolean
  /** Canonical event (consent already applied) → this destination's wire object; undefined when the platform has no counterpart for the event. */
  toPayload(event: CanonicalEvent): Payload | undefined
  /** A problem that the destination would reject the payload for, or undefined. */
  validate(payload: Payload): string | undefined
  toRequest(payloads: Payload[], config: Config): HttpRequest
  fromResponse(status: number, body: unknown, headers: Headers, count: number): BatchOutcome
  /** Requests allowed per minute, shared by everything with the same `rateLimitKey`. */
  rateLimit?: { perMinute: number; burst?: number }
  /** What the rate limit counts against (e.g. the ad account). Default: the destination name. */
  rateLimitKey?(config: Config): string
  /** Identity of the credentials in use: a 401/403 pause lifts when this changes. */
  credentialsKey?(config: Config): string
}

/** Typed identity helper for destination definitions. */
export const defineDestination = <P>(d: Destination<P>): Destination<P> => d
