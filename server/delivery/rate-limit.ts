import type { Redis } from 'ioredis'

export interface RateLimiter {
  /** Take one call for `key`: 0 = go now, otherwise wait that many ms and ask again. */
  take(key: string): Promise<number>
}

export interface RateLimit {
  /** Calls allowed in any 60-second window. */
  perMinute: number
  /** Calls that may go at once after a quiet spell (the bucket size). */
  burst?: number
}

// Token bucket whose burst plus one minute of refill equals the limit, so no 60-second window can
// ever hold more than `perMinute` calls (a bucket of `perMinute` tokens would allow twice that).
const shape = ({ perMinute, burst = Math.min(100, Math.ceil(perMinute / 10)) }: RateLimit) => ({ burst, perMs: (perMinute - burst) / 60_000 })

/**
 * A token bucket in this process (one instance).
 * @example const limiter = createLocalRateLimiter({ perMinute: 5000 }); await limiter.take('549755885175')
 */
export function createLocalRateLimiter(limit: RateLimit, now: () => number = Date.now): RateLimiter {
  const { burst, perMs } = shape(limit)
  const buckets = new Map<string, { tokens: number; at: number }>()
  return {
    async take(key) {
      const t = now()
      const b = buckets.get(key) ?? { tokens: burst, at: t }
      b.tokens = Math.min(burst, b.tokens + Math.max(0, t - b.at) * perMs)
      b.at = Math.max(b.at, t)
      buckets.set(key, b)
      if (b.tokens >= 1) {
        b.tokens -= 1
        return 0
      }
      return Math.ceil((1 - b.tokens) / perMs)
    },
  }
}

const TAKE = `
local key, now, burst, perMs = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local v = redis.call('HMGET', key, 't', 'at')
local tokens, at = tonumber(v[1]) or burst, tonumber(v[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * perMs)
at = math.max(at, now)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / perMs) end
redis.call('HSET', key, 't', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', key, 120000)
return wait`

/**
 * One token bucket shared by every instance on a Redis (Pinterest's limit is per ad account, not
 * per instance).
 */
export function createRedisRateLimiter(redis: Redis, limit: RateLimit, now: () => number = Date.now): RateLimiter {
  const { burst, perMs } = shape(limit)
  redis.defineCommand('twRateTake', { numberOfKeys: 0, lua: TAKE })
  const take = (redis as unknown as Record<string, (...a: (string | number)[]) => Promise<number>>).twRateTake
  return { take: (key) => take.call(redis, `tagwarden:rate:{${key}}`, now(), burst, perMs) }
}
