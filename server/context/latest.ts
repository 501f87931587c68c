import type { ContextClaims } from './claims'

/** Visitors whose newest context is remembered at most (a few MB at worst); the oldest go first. */
export const LATEST_MAX = 20_000
/** How long a written context is remembered: concurrent posts arrive within milliseconds of each other. */
export const LATEST_KEEP_MS = 60_000

export interface LatestContexts {
  /**
   * Run `update` for this visitor after every earlier update of the same visitor has finished, with
   * the newest context: the one this process last wrote for the visitor when the request's cookie
   * is older than that, else the cookie's. Without a visitor id (first post) it runs at once.
   */
  update<T>(cookie: ContextClaims | undefined, issuedAt: number | undefined, update: (current: ContextClaims | undefined) => Promise<T>): Promise<T>
  /** Remember what was just written for the visitor. */
  wrote(claims: ContextClaims): void
}

/**
 * Concurrent `/tw/ctx` posts of one shopper (a page's loader and another tab, or an older loader)
 * each carry the same cookie; merged against it, the last answer's cookie would lose the others'
 * fields. Here each post waits for the one before and merges against what that one wrote. One
 * process's memory: behind several instances the loader's own serialization (client/ctx.ts) is what
 * keeps a page's posts apart.
 * @example const latest = createLatestContexts(rt.now); await latest.update(claims, iat, async (cur) => …)
 */
export function createLatestContexts(now: () => number, max = LATEST_MAX, keepMs = LATEST_KEEP_MS): LatestContexts {
  const chains = new Map<string, Promise<unknown>>()
  const latest = new Map<string, { claims: ContextClaims; at: number }>()

  function current(cookie: ContextClaims | undefined, issuedAt: number | undefined): ContextClaims | undefined {
    const kept = cookie && latest.get(cookie.vid)
    if (!kept || now() - kept.at > keepMs) return cookie
    // The cookie was issued after what this process remembers (another instance wrote it): it is newer.
    return issuedAt !== undefined && issuedAt * 1000 > kept.at ? cookie : kept.claims
  }

  return {
    update(cookie, issuedAt, update) {
      const vid = cookie?.vid
      if (!vid) return update(cookie)
      const before = chains.get(vid) ?? Promise.resolve()
      const run = before.then(() => update(current(cookie, issuedAt)))
      const done = run.catch(() => undefined)
      chains.set(vid, done)
      void done.then(() => chains.get(vid) === done && chains.delete(vid))
      return run
    },
    wrote(claims) {
      latest.delete(claims.vid)
      latest.set(claims.vid, { claims, at: now() })
      if (latest.size > max) latest.delete(latest.keys().next().value!)
    },
  }
}
