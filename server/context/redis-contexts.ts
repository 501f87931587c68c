import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { contextClaimsSchema, type ContextClaims } from './claims'

/** A context as written for a visitor, and when (ms, the writing instance's clock). */
export interface WrittenContext {
  claims: ContextClaims
  at: number
}

/** One visitor's turn: what was last written for them, by any instance. */
export interface SharedTurn {
  latest?: WrittenContext
  /** Store what this post wrote (if it wrote) and let the next post of the visitor go. */
  end(wrote?: WrittenContext): Promise<void>
}

/** The newest context per visitor, shared by every instance on one store. */
export interface SharedContexts {
  /** Wait for this visitor's turn (another instance's post of the same visitor goes first); undefined when the store is not reachable now. */
  turn(vid: string): Promise<SharedTurn | undefined>
}

/** A turn is held at most this long: an instance that dies holding one delays the visitor's next post by no more than this. */
export const TURN_LEASE_MS = 2_000
/** How long a post waits for another instance's post of the same visitor before it merges without waiting. */
export const TURN_WAIT_MS = 1_000

// Keys: `tagwarden:ctx:turn:{<vid>}` (STR, the holder's token, PX = lease) and
// `tagwarden:ctx:latest:{<vid>}` (STR, `{"at":ms,"claims":{…}}`, PX = how long a context is remembered).

/** ARGV: turn key, latest key, token, lease ms. Returns [1 if the turn was taken else 0, latest JSON or nil]. */
const TAKE = `
local got = redis.call('SET', ARGV[1], ARGV[3], 'NX', 'PX', ARGV[4])
return { got and 1 or 0, redis.call('GET', ARGV[2]) }`

/** ARGV: turn key, latest key, token, latest JSON ('' = nothing written), keep ms. */
const END = `
if ARGV[4] ~= '' then redis.call('SET', ARGV[2], ARGV[4], 'PX', ARGV[5]) end
if redis.call('GET', ARGV[1]) == ARGV[3] then redis.call('DEL', ARGV[1]) end
return 1`

type Script = (...args: (string | number)[]) => Promise<unknown>

function parse(json: unknown, vid: string): WrittenContext | undefined {
  if (typeof json !== 'string') return undefined
  try {
    const { at, claims } = JSON.parse(json) as { at?: unknown; claims?: unknown }
    const parsed = contextClaimsSchema.safeParse(claims)
    return typeof at === 'number' && parsed.success && parsed.data.vid === vid ? { claims: parsed.data, at } : undefined
  } catch {
    return undefined
  }
}

export interface RedisContextsOptions {
  /** How long a written context is remembered (ms). */
  keepMs: number
  leaseMs?: number
  waitMs?: number
  /** How the wait for a turn pauses between tries. */
  pause?: (ms: number) => Promise<void>
}

/**
 * The newest context of each visitor on the shared Redis, so that concurrent `/tw/ctx` posts of one
 * shopper that reach different instances still merge one at a time (context/latest.ts): a post
 * takes the visitor's turn (SET NX with a lease) and reads what was last written in one script, and
 * writes its context and gives the turn back in another — two round trips per post. Waiting for a
 * turn polls (pauses of 2 ms doubling to 50 ms, `waitMs` in all), then goes ahead without it. With Redis
 * reconnecting there is no turn: the caller merges against the cookie.
 * @example const shared = createRedisContexts(store.redis, { keepMs: 60_000 }); const t = await shared.turn(vid)
 */
export function createRedisContexts(redis: Redis, o: RedisContextsOptions): SharedContexts {
  const { keepMs, leaseMs = TURN_LEASE_MS, waitMs = TURN_WAIT_MS } = o
  const pause = o.pause ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  redis.defineCommand('twCtxTake', { numberOfKeys: 0, lua: TAKE })
  redis.defineCommand('twCtxEnd', { numberOfKeys: 0, lua: END })
  const scripts = redis as unknown as Record<'twCtxTake' | 'twCtxEnd', Script>

  return {
    async turn(vid) {
      // Reconnecting or closed: commands would queue until they fail; the post does not wait for that.
      if (redis.status !== 'ready' && redis.status !== 'connecting' && redis.status !== 'connect') return undefined
      const turnKey = `tagwarden:ctx:turn:{${vid}}`
      const latestKey = `tagwarden:ctx:latest:{${vid}}`
      const token = randomUUID()
      let [got, json] = (await scripts.twCtxTake.call(redis, turnKey, latestKey, token, leaseMs)) as [number, string | null]
      // The pauses add up to `waitMs` (counted, not clocked: a test's frozen clock cannot make it wait forever).
      for (let delay = 2, waited = 0; !got && waited < waitMs; waited += delay, delay = Math.min(50, delay * 2)) {
        await pause(delay)
        ;[got, json] = (await scripts.twCtxTake.call(redis, turnKey, latestKey, token, leaseMs)) as [number, string | null]
      }
      return {
        latest: parse(json, vid),
        async end(wrote) {
          await scripts.twCtxEnd.call(redis, turnKey, latestKey, token, wrote ? JSON.stringify(wrote) : '', keepMs)
        },
      }
    },
  }
}
