import { ctx, sync } from './ctx'
import { assign, W } from './env'
import type { Cart, Consent, Tagwarden } from './types'
import { pick } from './util'

/**
 * `window.tagwarden`: `cart(…)` and `consent(…)`. Calls made before the loader arrived wait in
 * `tagwarden.q` as `[method, arg]` (`window.tagwarden = window.tagwarden || {q: []}`); they run now,
 * later `tagwarden.q.push([...])` calls run at once. Only known keys are kept (strict server schemas).
 */
export function api(onConsent: (c: Consent) => void): void {
  const t = (W.tagwarden ||= {}) as Tagwarden
  const q = t.q as unknown as [keyof Tagwarden, never][] | undefined
  t.cart = (c: Cart) => {
    const p = pick(c, 'id token checkout_token currency value')
    if (c?.items) p.items = pick(c.items, 'id price quantity name')
    ctx.cart = assign(ctx.cart || {}, p)
    sync()
  }
  t.consent = (c: Consent) =>
    onConsent(pick(c, 'ad_storage ad_user_data ad_personalization analytics_storage gpc tcf gdpr_applies gpp gpp_sid us_privacy sale_opt_out'))
  // An unknown method is ignored: one bad queued call must not stop the loader.
  t.q = { push: (x) => (t[x[0] as 'cart'] as ((a: unknown) => void) | undefined)?.(x[1]) }
  if (q?.forEach) q.forEach(t.q.push)
}
