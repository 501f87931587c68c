/**
 * tagwarden browser loader, served as `{p}/loader.js` with the public config inlined (config.ts).
 * Installs a `window.pintrk` compatible with Pinterest's base code, gives every event an event_id,
 * captures epik + consent + cart into the signed `tw_ctx` cookie (POST {p}/ctx), loads Pinterest's
 * tag first-party only where consent allows, and sends events to {p}/e when the tag cannot run.
 * The CMP adapters come in a second file, `{p}/cmp.js`, only on pages with a CMP (cmp-load.ts).
 */
import { api } from './api'
import { chunk, watchCmps } from './cmp-load'
import { C } from './config'
import { hook, merge } from './consent'
import { ctx, sync } from './ctx'
import { assign, on, W } from './env'
import { ownCookies, readIds } from './epik'
import { gate, install } from './pintrk'
import { reroute } from './reroute'

let ready: unknown
let was: unknown
/** Sticky: the wait `w` is over, the hook spoke, or the page is hidden. */
let settled: unknown

/**
 * Re-decide after anything changed. The browser tag may run when `ad_storage` is granted by the
 * winning signal, else by config `d`. "Decided" = a signal other than a Consent Mode default set
 * `ad_storage`, or `settled`: then held events may go to `/e` and consent is posted — before
 * anything that needs it in the cookie. While the CMP chunk is loading nothing is decided unless
 * settled: the page's CMP may be about to deny what the default allows. A sale/sharing opt-out
 * makes the tag LDP. Cookies, context and tag follow.
 */
const update = (s?: unknown) => {
  settled ||= s
  if (!ready || (chunk == 1 && !settled)) return
  const m = merge()
  const a = (m.ad_storage || C.d) == 'granted'
  const x = m.source != 'gcm-default' && m.ad_storage
  if (m.source) ctx.consent = m
  ownCookies(a, x, was && !a)
  sync(1, settled || a || x)
  gate((was = a), settled || x, m.sale_opt_out)
  if (__DEBUG__) console.log('[tagwarden] consent', m, 'tag allowed:', a)
}

// Pasted twice: the first copy already owns window.pintrk.
if (!W.tagwarden?.cart) {
  reroute()
  readIds()
  install(update)
  api((c) => {
    assign(hook, c, { source: 'hook' })
    update(1)
  })
  ready = 1
  const check = watchCmps(update)
  // Hook calls queued before the loader were made while it was not ready: they settle consent now.
  update(hook.source)
  setTimeout(() => (check(), update(1)), C.w)
  on('pagehide', () => update(1))
}
