/** At most this many cart contexts are held in memory while storage is down (oldest dropped first). */
export const HELD_CARTS_MAX = 10_000
/** A held cart context older than this is dropped unwritten (an order is rarely placed later, and no PII stays longer). */
export const HELD_CARTS_MS = 24 * 3600 * 1000

/** What is held: a cart context (context/cart-store.ts `CartContext`), stamped with when it was stored (ms). */
type Held = { at: number }

export interface HeldCarts<C extends Held = Held> {
  /** Keep a context storage could not take, under its (bare) tokens, for a later write. */
  hold(tokens: string[], context: C): void
  /** The held context for this bare token, if any (an order joins to it before storage has it). */
  get(token: string): C | undefined
  /** Write every held context with `write`, oldest first; stop at the first failure (storage still down). */
  flush(write: (tokens: string[], context: C) => Promise<void>): Promise<void>
  readonly size: number
}

/**
 * Cart contexts `/tw/ctx` could not store because storage failed, kept in this instance's memory
 * until storage takes writes again (README "Delivery guarantees", "Storage outage"). Bounded in
 * count and age; each one dropped unwritten is reported to `lost` (counted in
 * `tagwarden_cart_contexts_lost_total`).
 * @example const held = createHeldCarts(Date.now, () => metrics.cartContextLost()); held.hold(['c1'], ctx)
 */
export function createHeldCarts<C extends Held>(now: () => number, lost: () => void, max = HELD_CARTS_MAX): HeldCarts<C> {
  // Insertion order is age order: a re-held token moves to the end.
  const byKey = new Map<string, { tokens: string[]; context: C }>()
  const byToken = new Map<string, string>()
  let flushing: Promise<void> | undefined

  const drop = (key: string) => {
    const entry = byKey.get(key)
    if (!entry) return
    byKey.delete(key)
    for (const t of entry.tokens) if (byToken.get(t) === key) byToken.delete(t)
  }
  const expire = () => {
    for (const [key, entry] of byKey) {
      if (now() - entry.context.at <= HELD_CARTS_MS) break
      drop(key)
      lost()
    }
  }

  return {
    hold(tokens, context) {
      if (!tokens.length) return
      expire()
      const key = tokens.join('\n')
      drop(key)
      // A token now held under this context is no longer another entry's.
      for (const t of tokens) {
        const other = byToken.get(t)
        const entry = other === undefined ? undefined : byKey.get(other)
        if (!entry) continue
        entry.tokens = entry.tokens.filter((x) => x !== t)
        // Superseded under every token it had: nothing left to write for it.
        if (!entry.tokens.length) byKey.delete(other!)
      }
      byKey.set(key, { tokens, context })
      for (const t of tokens) byToken.set(t, key)
      while (byKey.size > max) {
        drop(byKey.keys().next().value!)
        lost()
      }
    },
    get(token) {
      expire()
      const key = byToken.get(token)
      return key === undefined ? undefined : byKey.get(key)?.context
    },
    flush(write) {
      if (!byKey.size) return Promise.resolve()
      // One flush at a time: concurrent callers wait for the running one.
      flushing ??= (async () => {
        try {
          expire()
          for (const [key, entry] of [...byKey]) {
            await write(entry.tokens, entry.context)
            if (byKey.get(key) === entry) drop(key)
          }
        } finally {
          flushing = undefined
        }
      })()
      return flushing
    },
    get size() {
      return byKey.size
    },
  }
}
