import type { ContextClaims } from './claims'
import type { SharedContexts, WrittenContext } from './redis-contexts'

/** Visitors whose newest context is remembered at most (a few MB at worst); the oldest go first. */
export const LATEST_MAX = 20_000
/** How long a written context is remembered: concurrent posts arrive within milliseconds of each other. */
export const LATEST_KEEP_MS = 60_000
/**
 * Instances' clocks differ a little: what the shared store holds is taken over a cookie (or this
 * process's memory) unless that is newer by more than this — which happens only when writing to the
 * store failed.
 */
export const CLOCK_SLACK_MS = 1_000

export interface LatestContexts {
  /**
   * Run `update` for this visitor after every earlier update of the same visitor has finished, with
   * the newest context: the one last written for the visitor (by any instance sharing the store, or
   * by this process) when the request's cookie is older than that, else the cookie's. Without a
   * visitor id (first post) it runs at once.
   */
  update<T>(cookie: ContextClaims | undefined, issuedAt: number | undefined, update: (current: ContextClaims | undefined) => Promise<T>): Promise<T>
  /** Remember what was just written for the visitor (called within its `update`). */
  wrote(claims: ContextClaims): void
}

export interface LatestOptions {
  /** The store every instance shares (Redis): posts of one visitor reaching different instances then also merge one at a time. */
  shared?: SharedContexts
  /** A shared-store error; the post goes on, merged against this process's memory and the cookie. */
  failed?: (error: unknown) => void
  max?: number
  keepMs?: number
}

/** The newer of two written contexts: `other` only if it is newer than `kept` by more than `slackMs`. */
const newer = (kept: WrittenContext | undefined, other: WrittenContext | undefined, slackMs: number) =>
  !kept ? other : !other ? kept : other.at > kept.at + slackMs ? other : kept

/**
 * Concurrent `/tw/ctx` posts of one shopper (a page's loader and another tab, or an older loader)
 * each carry the same cookie; merged against it, the last answer's cookie would lose the others'
 * fields. Here each post waits for the one before and merges against what that one wrote: in this
 * process (a promise chain per visitor and a bounded map), and across instances through the shared
 * store when there is one (context/redis-contexts.ts: a turn per visitor and the context last
 * written, kept `keepMs`). If the shared store fails, the post still goes on, against this process's
 * memory and the cookie.
 * @example const latest = createLatestContexts(rt.now, { shared }); await latest.update(claims, iat, async (cur) => …)
 */
export function createLatestContexts(now: () => number, o: LatestOptions = {}): LatestContexts {
  const { shared, max = LATEST_MAX, keepMs = LATEST_KEEP_MS } = o
  const chains = new Map<string, Promise<unknown>>()
  const latest = new Map<string, WrittenContext>()
  /** What the update running now for a visitor wrote (one at a time per visitor: the chain). */
  const writing = new Map<string, { wrote?: WrittenContext }>()
  const fail = (error: unknown) => void o.failed?.(error)

  function current(cookie: ContextClaims, issuedAt: number | undefined, stored: WrittenContext | undefined): ContextClaims {
    const kept = latest.get(cookie.vid)
    const mine = kept && now() - kept.at <= keepMs ? kept : undefined
    // The cookie was issued after what this process remembers (another instance wrote it): it is newer.
    const local = newer(mine, { claims: cookie, at: issuedAt === undefined ? -Infinity : issuedAt * 1000 }, 0)!
    return newer(stored, local, CLOCK_SLACK_MS)!.claims
  }

  async function once<T>(vid: string, cookie: ContextClaims, issuedAt: number | undefined, update: (current: ContextClaims | undefined) => Promise<T>): Promise<T> {
    const turn = shared && (await shared.turn(vid).catch(fail))
    const slot: { wrote?: WrittenContext } = {}
    writing.set(vid, slot)
    try {
      return await update(current(cookie, issuedAt, turn ? turn.latest : undefined))
    } finally {
      writing.delete(vid)
      // Not waited for: whoever takes the turn next does so after this write (one script writes and
      // gives the turn back), and this process's next post of the visitor is sent behind it.
      if (turn) void turn.end(slot.wrote).catch(fail)
    }
  }

  return {
    update(cookie, issuedAt, update) {
      const vid = cookie?.vid
      if (!vid) return update(cookie)
      const before = chains.get(vid) ?? Promise.resolve()
      const run = before.then(() => once(vid, cookie, issuedAt, update))
      const done = run.catch(() => undefined)
      chains.set(vid, done)
      void done.then(() => chains.get(vid) === done && chains.delete(vid))
      return run
    },
    wrote(claims) {
      const written = { claims, at: now() }
      const slot = writing.get(claims.vid)
      if (slot) slot.wrote = written
      latest.delete(claims.vid)
      latest.set(claims.vid, written)
      if (latest.size > max) latest.delete(latest.keys().next().value!)
    },
  }
}
