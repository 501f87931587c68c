// Pinterest: "This endpoint has a rate limit of 5,000 calls per minute per ad account." The limiter
// must never let a 60-second window hold more, on one instance or shared by several through Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { createLocalRateLimiter, createRedisRateLimiter, type RateLimiter } from '../../server/delivery/rate-limit'
import { redisAvailability, startRedis, type RedisServer } from '../helpers/redis'

/** Call as fast as the limiter allows for `ms` of simulated time; returns the call times. */
async function drive(limiters: RateLimiter[], clock: { t: number }, ms: number): Promise<number[]> {
  const calls: number[] = []
  for (let k = 0; clock.t < ms; k++) {
    const wait = await limiters[k % limiters.length].take('549755885175')
    if (wait === 0) calls.push(clock.t)
    else clock.t += wait
  }
  return calls
}

function maxInAnyMinute(calls: number[]): number {
  let max = 0
  for (let i = 0, j = 0; i < calls.length; i++) {
    while (calls[i] - calls[j] >= 60_000) j++
    max = Math.max(max, i - j + 1)
  }
  return max
}

describe('per-ad-account rate limit (token bucket)', () => {
  it('never exceeds 5,000 calls in any 60 s window, yet uses most of it', async () => {
    const clock = { t: 0 }
    const calls = await drive([createLocalRateLimiter({ perMinute: 5000 }, () => clock.t)], clock, 180_000)
    expect(maxInAnyMinute(calls)).toBeLessThanOrEqual(5000)
    expect(calls.filter((c) => c >= 60_000 && c < 120_000).length).toBeGreaterThanOrEqual(4800)
  })

  it('a naive bucket of 5,000 tokens would allow twice the limit (why the burst is small)', async () => {
    const clock = { t: 0 }
    const calls = await drive([createLocalRateLimiter({ perMinute: 10_000, burst: 5000 }, () => clock.t)], clock, 60_000)
    expect(maxInAnyMinute(calls)).toBeGreaterThan(5000)
  })
})

const mode = redisAvailability()
describe.skipIf(mode === 'skip')('rate limit shared through Redis (real redis-server)', () => {
  let server: RedisServer
  const clients: Redis[] = []
  beforeAll(async () => { server = await startRedis() })
  afterAll(async () => {
    for (const c of clients) c.disconnect()
    await server?.stop()
  })

  it('two instances together stay under 5,000 calls per minute', async () => {
    const clock = { t: 1_000_000 }
    const make = () => {
      const c = new Redis(server.url)
      clients.push(c)
      return createRedisRateLimiter(c, { perMinute: 5000 }, () => clock.t)
    }
    const calls = await drive([make(), make()], clock, 1_000_000 + 70_000)
    expect(maxInAnyMinute(calls)).toBeLessThanOrEqual(5000)
    expect(calls.length).toBeGreaterThan(4800)
  }, 60_000)
})
