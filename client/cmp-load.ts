import { adapters } from './consent'
import { D, on, W } from './env'
import type { Seen, Tagwarden } from './types'
import { newScript } from './send'

/**
 * Page globals that mean a CMP the `{p}/cmp.js` chunk reads is here: what each adapter reads
 * (client/cmp/*), plus what a vendor's embed code defines before its SDK has loaded (OneTrust's
 * `OptanonWrapper`) or its v2 API (Usercentrics `UC_UI`); consent.md §5. One name per vendor where
 * its SDK defines several at once (Cookiebot also sets `CookieConsent`): bytes count here.
 */
const GLOBALS =
  '__tcfapi __gpp dataLayer Shopify OnetrustActiveGroups OptanonWrapper Cookiebot UC_UI __ucCmp Didomi didomiOnReady'
/**
 * Window events whose news the adapters cannot read back from a global once the chunk is there:
 * Usercentrics v2 `ucEvent` (its only signal), v3 `UC_CONSENT` (read back too, but its SDK may come
 * late), Cookiebot's `CookiebotOnConsentReady` (the only sign of implied consent). The loader keeps
 * the last of each for the chunk (cmp/hear.ts), and each one loads the chunk.
 */
const EVENTS = 'CookiebotOnConsentReady UC_CONSENT ucEvent'

/** The CMP chunk: 0 not needed so far, 1 loading (consent waits for it, at most `w`), 2 arrived or failed. */
export let chunk = 0

/**
 * Load the CMP adapters only where a CMP is: when one of its globals is there at start, at
 * DOMContentLoaded or when the returned check runs (the wait `w` is over), or when one of its events
 * fires. The chunk registers through `tagwarden._c`: its adapters go ahead of GPC in the merge and
 * are subscribed like built-in ones. `changed` re-decides (a failed chunk leaves nothing to wait for).
 */
export function watchCmps(changed: () => void): () => unknown {
  const seen: Seen = {}
  const arrived = () => {
    chunk = 2
    changed()
  }
  const load = () => chunk || ((chunk = 1), D.head.append(newScript('/cmp.js', arrived)))
  const check = () => GLOBALS.split(' ').some((k) => k in W) && load()
  ;(W.tagwarden as Tagwarden)._c = (list) => {
    adapters.unshift(...list)
    for (const a of list) a.s?.(() => changed(), seen)
    arrived()
  }
  for (const n of EVENTS.split(' ')) on(n, (e) => ((seen[n] = e), load()))
  on('DOMContentLoaded', check, D)
  check()
  return check
}
