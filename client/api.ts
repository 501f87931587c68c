import { ctx, sync } from './ctx'
import { assign, W } from './env'
import type { Cart, Consent, Tagwarden } from './types'

/**
 * `window.tagwarden`: `cart(…)` and `consent(…)`. Calls made before the loader arrived wait in
 * `tagwarden.q` as `[method, arg]` (`window.tagwarden = window.tagwarden || {q: []}`); they run now,
 * later `tagwarden.q.push([...])` calls run at once. Keys are passed as given: the server keeps the
 * ones it knows and drops the rest (server/context/ctx-body.ts), which costs the loader no bytes.
 */
export function api(onConsent: (c: Consent) => void): void {
  const t = (W.tagwarden ||= {}) as Tagwarden
  const q = t.q as unknown as [keyof Tagwarden, never][] | undefined
  t.cart = (c: Cart) => {
    ctx.cart = assign(ctx.cart || {}, c)
    sync()
  }
  t.consent = onConsent
  // An unknown method is ignored: one bad queued call must not stop the loader.
  t.q = { push: (x) => (t[x[0] as 'cart'] as ((a: unknown) => void) | undefined)?.(x[1]) }
  if (q?.forEach) q.forEach(t.q.push)
}
