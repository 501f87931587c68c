import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from '../../server/config'
import { deliveryOptions } from '../../server/delivery/dispatcher'

const problems = (env: Record<string, string>) => {
  try {
    parseConfig(env)
    return []
  } catch (error) {
    return (error as ConfigError).problems
  }
}

describe('delivery configuration', () => {
  it('defaults to the production values', () => {
    const config = parseConfig({})
    expect(config.delivery).toEqual({ maxEventAgeDays: 7, maxInFlight: 4, flushIntervalMs: 1000, maxQueue: 1_000_000, idempotencyMaxIds: 2_000_000, backoffMaxS: 60, retryAfterMaxS: 300, redisWaitReplicas: 0 })
    expect(deliveryOptions(config)).toMatchObject({
      maxEventAgeMs: 7 * 86_400_000,
      maxInFlight: 4,
      flushIntervalMs: 1000,
      requestTimeoutMs: 30_000,
      leaseMs: 120_000,
      probeIntervalMs: 60_000,
      backoff: { baseMs: 1000, maxMs: 60_000, maxRetryAfterMs: 300_000 },
    })
  })

  it('reads TAGWARDEN_MAX_EVENT_AGE_DAYS, TAGWARDEN_MAX_IN_FLIGHT, TAGWARDEN_FLUSH_INTERVAL_MS and the wait caps', () => {
    const config = parseConfig({ TAGWARDEN_MAX_EVENT_AGE_DAYS: '3', TAGWARDEN_MAX_IN_FLIGHT: '8', TAGWARDEN_FLUSH_INTERVAL_MS: '250', TAGWARDEN_MAX_QUEUE: '5000', TAGWARDEN_IDEMPOTENCY_MAX_IDS: '10000', TAGWARDEN_BACKOFF_MAX_S: '30', TAGWARDEN_RETRY_AFTER_MAX_S: '3600' })
    expect(config.delivery).toEqual({ maxEventAgeDays: 3, maxInFlight: 8, flushIntervalMs: 250, maxQueue: 5000, idempotencyMaxIds: 10_000, backoffMaxS: 30, retryAfterMaxS: 3600, redisWaitReplicas: 0 })
    expect(deliveryOptions(config).backoff).toMatchObject({ maxMs: 30_000, maxRetryAfterMs: 3_600_000 })
  })

  it('lists every bad value with a message naming the variable', () => {
    expect(problems({ TAGWARDEN_MAX_EVENT_AGE_DAYS: '0', TAGWARDEN_MAX_IN_FLIGHT: 'lots', TAGWARDEN_FLUSH_INTERVAL_MS: '5000' })).toEqual([
      'TAGWARDEN_MAX_EVENT_AGE_DAYS must be between 1 and 90',
      'TAGWARDEN_MAX_IN_FLIGHT must be a number',
      'TAGWARDEN_FLUSH_INTERVAL_MS must be between 10 and 1000',
    ])
    expect(problems({ TAGWARDEN_MAX_QUEUE: '0', TAGWARDEN_IDEMPOTENCY_MAX_IDS: '2e9' })).toEqual([
      'TAGWARDEN_MAX_QUEUE must be between 1 and 100000000 events waiting per destination',
      'TAGWARDEN_IDEMPOTENCY_MAX_IDS must be between 1000 and 100000000 (≈ 100 bytes each)',
    ])
    expect(problems({ TAGWARDEN_MAX_QUEUE: 'many' })).toEqual(['TAGWARDEN_MAX_QUEUE must be a number of events'])
    expect(problems({ TAGWARDEN_BACKOFF_MAX_S: '0', TAGWARDEN_RETRY_AFTER_MAX_S: '1.5' })).toEqual([
      'TAGWARDEN_BACKOFF_MAX_S must be between 1 and 3600 seconds',
      'TAGWARDEN_RETRY_AFTER_MAX_S must be a whole number of seconds',
    ])
  })
})
