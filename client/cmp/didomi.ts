import { W } from '../env'
import type { Adapter } from '../types'
import { ads } from '../util'

let ready: unknown

/**
 * Didomi web SDK (developers.didomi.io/cmp/web-sdk/reference/api and …/events;
 * docs/consent-signals.md §5): callable once `didomiOnReady` ran (before that, with the SDK there,
 * the CMP is deciding: `null`); `getCurrentUserStatus()` read again on `consent.changed` (registered
 * through `didomiEventListeners`, which works before and after the SDK loads). Pinterest is not an
 * IAB vendor, so the decision is the vendor whose id contains "pinterest" (Didomi's or a custom
 * `c:pinterest-…`); where Didomi says consent is not required the tag may run. With TCF on, `tcf`
 * reports too.
 */
export const didomi: Adapter = {
  n: 'didomi',
  s: (f) =>
    (W.Didomi || W.didomiOnReady) &&
    ((W.didomiOnReady ||= []).push(() => ((ready = 1), f())), (W.didomiEventListeners ||= []).push({ event: 'consent.changed', listener: f }), 1),
  r: (_, d = ready ? W.Didomi : undefined, v = d?.getCurrentUserStatus().vendors || {}) =>
    d ? ads(!d.isConsentRequired() || v[Object.keys(v).find((k) => /pinterest/i.test(k))!]?.enabled) : W.Didomi && null,
}
