import { HTTPError, type H3, type H3Event } from 'h3'
import type { Runtime } from '../runtime'

/** IPs remembered at most (least recently seen forgotten first): ~100 bytes each, so ~5 MB at most. */
export const RATE_LIMIT_MAX_IPS = 50_000

export interface IpRateLimiter {
  /** Take one request for `key`: 0 = go, otherwise the milliseconds until one is allowed. */
  take(key: string): number
  /** IPs currently remembered. */
  size(): number
}

/**
 * A token bucket per key: `max` requests at once, refilled at `max` per `windowMs`; the buckets
 * live in a Map used as an LRU of at most `maxKeys` (a key seen again moves to the back; the front
 * is dropped when full). A dropped key starts over with a full bucket.
 * @example const limiter = createIpRateLimiter({ max: 600, windowMs: 60_000 }); limiter.take('203.0.113.7') // 0
 */
export function createIpRateLimiter(o: { max: number; windowMs: number; maxKeys?: number; now?: () => number }): IpRateLimiter {
  const now = o.now ?? Date.now
  const maxKeys = o.maxKeys ?? RATE_LIMIT_MAX_IPS
  const perMs = o.max / o.windowMs
  const buckets = new Map<string, { tokens: number; at: number }>()
  return {
    take(key) {
      const t = now()
      let b = buckets.get(key)
      if (b) {
        buckets.delete(key)
        b.tokens = Math.min(o.max, b.tokens + Math.max(0, t - b.at) * perMs)
        b.at = Math.max(b.at, t)
      } else {
        b = { tokens: o.max, at: t }
        if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value as string)
      }
      buckets.set(key, b)
      if (b.tokens >= 1) {
        b.tokens -= 1
        return 0
      }
      return Math.ceil((1 - b.tokens) / perMs)
    },
    size: () => buckets.size,
  }
}

/**
 * The bucket an address counts against: an IPv4 address, or an IPv6 /64 (one subscriber's network:
 * a client holding a /64 could otherwise take a fresh bucket per address).
 * @example rateLimitKey('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 */
export function rateLimitKey(ip: string | undefined): string {
  if (!ip) return 'unknown'
  if (!ip.includes(':') || ip.startsWith('::ffff:')) return ip
  const [head, tail = ''] = ip.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = ip.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`
}

/**
 * Optional per-IP rate limit on the public routes a browser calls (`/ctx`, `/e`, `/pin/ct/*`), from
 * TAGWARDEN_RATE_LIMIT (off by default). Over the limit → 429 with `Retry-After`, before the body is
 * read or anything is forwarded. The IP is the one the rest of the server uses (`rt.client`:
 * a forwarding header counts only from a trusted proxy, TAGWARDEN_TRUSTED_PROXIES), so a client
 * cannot spread itself over made-up X-Forwarded-For addresses.
 * https://www.rfc-editor.org/rfc/rfc6585#section-4 (429), https://httpwg.org/specs/rfc9110.html#field.retry-after
 */
export function rateLimitRoutes(app: H3, rt: Pick<Runtime, 'config' | 'now' | 'client'>): void {
  const limit = rt.config.rateLimit
  if (!limit) return
  const limiter = createIpRateLimiter({ ...limit, now: rt.now })
  // Paths inside the mount: h3 strips the prefix before a mounted app's middleware runs.
  const exact = new Set(['/ctx', '/ctx/', '/e', '/e/'])
  const isPublic = (event: H3Event) => exact.has(event.url.pathname) || event.url.pathname.startsWith('/pin/ct/')
  const per = limit.windowMs === 1_000 ? 'second' : limit.windowMs === 60_000 ? 'minute' : 'hour'

  app.use(
    (event) => {
      const wait = limiter.take(rateLimitKey(rt.client(event).ip))
      if (!wait) return
      const seconds = Math.ceil(wait / 1000)
      throw new HTTPError({
        status: 429,
        message: `too many requests from this address: at most ${limit.max} per ${per} (TAGWARDEN_RATE_LIMIT); retry in ${seconds} s`,
        headers: { 'retry-after': String(seconds), 'cache-control': 'no-store' },
      })
    },
    { match: isPublic },
  )
}
