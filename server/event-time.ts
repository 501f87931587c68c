/** Clock skew tolerated for an `event_time` in the future ("cannot be in the future", docs/pinterest-tag.md "Event time"). */
export const FUTURE_SKEW_S = 300

/** Why an event's time makes it undeliverable: older than the acceptance window, or ahead of the clock. */
export type EventTimeProblem = 'too-old' | 'future'

/**
 * Whether an event can still be delivered, judged at the edge so nothing is acknowledged that could
 * only be dead-lettered: the outbox dead-letters events older than TAGWARDEN_MAX_EVENT_AGE_DAYS.
 * @example eventTimeProblem(978307200, Date.now() / 1000, 7) // 'too-old'
 */
export function eventTimeProblem(timeS: number, nowS: number, maxAgeDays: number): EventTimeProblem | undefined {
  if (timeS > nowS + FUTURE_SKEW_S) return 'future'
  if (timeS < nowS - maxAgeDays * 86_400) return 'too-old'
  return undefined
}

/** The problem as the sentence a 400 or an "ignored" answer gives. */
export const describeTimeProblem = (problem: EventTimeProblem, maxAgeDays: number): string =>
  problem === 'future'
    ? `is in the future (more than ${FUTURE_SKEW_S / 60} minutes ahead of the server clock)`
    : `is older than ${maxAgeDays} days (TAGWARDEN_MAX_EVENT_AGE_DAYS): Pinterest refuses events that old, so it would only be dead-lettered`
