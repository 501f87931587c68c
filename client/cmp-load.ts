import { C } from './config'
import { D, on, W } from './env'
import type { Consent, Seen, Tagwarden } from './types'
import { afterCtx, ctx, decisions, sync } from './ctx'
import { newScript, post } from './send'

/**
 * Page globals that mean a CMP the `{p}/cmp.js` chunk reads is here: what each adapter reads
 * (client/cmp/*), plus what a vendor's embed code defines before its SDK has loaded (OneTrust's
 * `OptanonWrapper`, Didomi's `didomiOnReady`) or its v2 API (Usercentrics `UC_UI`);
 * docs/consent-signals.md §5 — and Meta's `fbq` and TikTok's `ttq`: the chunk also wraps those pixels
 * (client/px/). One name per vendor where its SDK defines several at once (Cookiebot
 * also sets `CookieConsent`): bytes count here.
 */
const GLOBALS =
  '__tcfapi __gpp dataLayer Shopify OnetrustActiveGroups OptanonWrapper Cookiebot UC_UI __ucCmp Didomi didomiOnReady fbq ttq'
/**
 * Window events whose news the adapters cannot read back from a global once the chunk is there:
 * Usercentrics v2 `ucEvent` (its only signal), v3 `UC_CONSENT` (read back too, but its SDK may come
 * late), Cookiebot's `CookiebotOnConsentReady` (the only sign of implied consent). The loader keeps
 * the last of each for the chunk (cmp/hear.ts), and each one loads the chunk.
 */
const EVENTS = 'CookiebotOnConsentReady UC_CONSENT ucEvent'

/** CMP window events heard before the chunk arrived, replayed to its adapters. */
const seen: Seen = {}
/** The CMP chunk: 0 not needed so far, 1 loading (a CMP is on the page: consent waits for it), 2 arrived or failed. */
let chunk = 0
/** The chunk's reader (cmp-entry.ts), once it arrived. */
let reader: ((changed: () => void) => [Consent[], unknown]) | undefined

/**
 * Load the CMP adapters only where a CMP is: the returned check runs on every re-decision and on
 * the loader's poll, so a CMP that appears at any moment loads the chunk at once; so does one of
 * the window events. `changed` re-decides (a failed chunk leaves nothing to wait for).
 */
export function watchCmps(changed: () => void): () => unknown {
  const arrived = () => {
    chunk = 2
    changed()
  }
  const load = () => chunk || ((chunk = 1), D.head.append(newScript('/cmp.js', arrived)))
  ;((W.tagwarden ||= {}) as Tagwarden)._c = (r) => {
    reader = (f) => r(f, seen, C, [ctx, sync, post, afterCtx, decisions])
    arrived()
  }
  for (const n of EVENTS.split(' ')) on(n, (e) => ((seen[n] = e), load()))
  return () => GLOBALS.split(' ').some((k) => k in W) && load()
}

/** What the CMPs on the page say now, one entry per source, and whether one is still deciding (the chunk loading counts). */
export const cmps = (changed: () => void): [Consent[], unknown] => reader?.(changed) || [[], chunk == 1]
