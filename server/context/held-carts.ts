/** At most this many cart/checkout tokens are held in memory while storage is down (oldest dropped first). */
export const HELD_CARTS_MAX = 10_000
/** A held cart context older than this is dropped unwritten (an order is rarely placed later, and no PII stays longer). */
export const HELD_CARTS_MS = 24 * 3600 * 1000

/** What is held: a cart context (context/cart-store.ts `CartContext`), stamped with when it was stored (ms). */
type Held = { at: number }

export interface HeldCarts<C extends Held = Held> {
  /** Keep a context storage could not take, under each of its (bare) tokens, for a later write. */
  hold(tokens: string[], context: C): void
  /** The held context for this bare token, if any (an order joins to it before storage has it). */
  get(token: string): C | undefined
  /** Write every held token's context with `write`, oldest first; stop at the first failure (storage still down). */
  flush(write: (token: string, context: C) => Promise<void>): Promise<void>
  readonly size: number
}

/**
 * Cart contexts `/tw/ctx` could not store because storage failed, kept in this instance's memory
 * until storage takes writes again (README "Delivery guarantees", "Storage outage"). One entry per
 * token, as storage keys them; bounded in count and age; each one dropped unwritten is reported to
 * `lost` (counted in `tagwarden_cart_contexts_lost_total`).
 * @example const held = createHeldCarts(Date.now, () => metrics.cartContextLost()); held.hold(['c1'], ctx)
 */
export function createHeldCarts<C extends Held>(now: () => number, lost: () => void, max = HELD_CARTS_MAX): HeldCarts<C> {
  // Insertion order is age order: a token held again moves to the end.
  const byToken = new Map<string, C>()
  let flushing: Promise<void> | undefined
  const expire = () => {
    for (const [token, context] of byToken) {
      if (now() - context.at <= HELD_CARTS_MS) break
      byToken.delete(token)
      lost()
    }
  }
  return {
    hold(tokens, context) {
      expire()
      for (const t of tokens) {
        byToken.delete(t)
        byToken.set(t, context)
      }
      for (const t of byToken.keys()) {
        if (byToken.size <= max) break
        byToken.delete(t)
        lost()
      }
    },
    get(token) {
      expire()
      return byToken.get(token)
    },
    flush(write) {
      // One flush at a time: concurrent callers wait for the running one.
      flushing ??= (async () => {
        try {
          expire()
          for (const [token, context] of [...byToken]) {
            await write(token, context)
            if (byToken.get(token) === context) byToken.delete(token)
          }
        } finally {
          flushing = undefined
        }
      })()
      return flushing
    },
    get size() {
      return byToken.size
    },
  }
}
