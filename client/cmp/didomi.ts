import { W } from '../env'
import type { Adapter } from '../types'
import { ads } from '../util'

let ready: unknown

/**
 * Didomi web SDK (developers.didomi.io/cmp/web-sdk/reference/api and …/events): callable once
 * `didomiOnReady` ran; `getCurrentUserStatus()` read again on `consent.changed` (registered through
 * `didomiEventListeners`, which works before and after the SDK loads). Pinterest is not an IAB vendor,
 * so the decision is the vendor whose id contains "pinterest" (Didomi's or a custom `c:pinterest-…`);
 * where Didomi says consent is not required the tag may run. With TCF on, `tcf` reports too.
 */
export const didomi: Adapter = {
  n: 'didomi',
  s: (f) => {
    ;(W.didomiOnReady ||= []).push(() => f((ready = 1)))
    ;(W.didomiEventListeners ||= []).push({ event: 'consent.changed', listener: f })
  },
  r: (_, d = ready ? W.Didomi : undefined, v = d?.getCurrentUserStatus().vendors || {}) =>
    d && ads(!d.isConsentRequired() || v[Object.keys(v).find((k) => /pinterest/i.test(k))!]?.enabled),
}
