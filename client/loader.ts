/**
 * tagwarden browser loader, served as `{p}/loader.js` with the public config inlined (config.ts).
 * Installs a `window.pintrk` compatible with Pinterest's base code, gives every event an event_id,
 * captures epik + consent + cart into the signed `tw_ctx` cookie (POST {p}/ctx), loads Pinterest's
 * tag first-party only where the server's consent decision allows, and sends events to {p}/e when
 * the tag cannot run. The CMP adapters come in a second file, `{p}/cmp.js`, only on pages with a
 * CMP (cmp-load.ts).
 */
import { api } from './api'
import { cmps, watchCmps } from './cmp-load'
import { C } from './config'
import { hook } from './consent'
import { ctx, decisions, forget, onAnswer, sync } from './ctx'
import { assign, on, W } from './env'
import { readIds } from './epik'
import { gate, install } from './pintrk'
import { reroute } from './reroute'

/** 1: the wait `w` is over (events may leave under the server's decision); 2: 4 × `w` too (a CMP still deciding no longer holds them). */
let t = 0
let was: unknown
let check: () => unknown

/**
 * The consent state machine; runs after anything changed and on a short poll (README "Consent",
 * precedence and timing):
 * - every source's signals are read (`wait`: a CMP on the page has not decided) and posted to
 *   `/tw/ctx` once final; the server combines them and answers its decision for the tag (the first
 *   post of a page view asks even when nothing changed);
 * - the tag runs only on that decision (`allow`, `restricted`: LDP), made for the consent read now, with no CMP
 *   still deciding; an explicit "no" read now stops it before the server answers (a revoke);
 *   while a CMP decides or the answer is on its way, a running tag is left as it is and events wait;
 * - held events leave for `/e` (the server applies its decision) once consent is final and the
 *   decision for it stands, or 4 × `w` in any case (also on page hide, and past 50 held events).
 */
const update = (s = 0) => {
  if (s > t) t = s
  check()
  const [list, wait] = cmps(changed)
  if (hook.source) list.unshift(hook)
  if (list[0]) ctx.consent = list
  const x = list.filter((e) => e.source != 'gcm-default')
  // Final: no CMP deciding, and an explicit signal read, or the wait over (a page's Consent Mode
  // default alone may be about to be updated: posting it would undo the shopper's stored decision).
  const f = t > 1 || (!wait && (t || x[0]))
  const no = x.some((e) => e.ad_storage == 'denied')
  // Withdrawn: the server drops the click id; everything goes again, in this post, should the shopper grant again.
  if (no && was) forget()
  sync(1, f)
  const d = decisions()?.['pinterest-tag'].action
  // Tag allowed: false no, null not known yet (a CMP deciding, or the answer for this consent on its way).
  const a = no ? !1 : wait || !d ? null : d != 'suppress'
  gate((was = a), f && (d || t > 1), d == 'restricted')
  if (__DEBUG__) console.log('[tagwarden] consent', list, 'decision:', d, 'waiting for a CMP:', wait, 'tag allowed:', a)
}
const changed = () => update()

// Pasted twice: the first copy already owns window.pintrk.
if (!W.tagwarden?.cart) {
  reroute()
  readIds()
  check = watchCmps(changed)
  onAnswer(changed)
  install(changed)
  api((c) => {
    assign(hook, c, { source: 'hook' })
    changed()
  })
  changed()
  setTimeout(update, C.w, 1)
  setTimeout(update, 4 * C.w, 2)
  // A CMP may appear at any moment, and a Consent Mode `wait_for_update` runs out: look again.
  setInterval(changed, 250)
  on('pagehide', () => update(2))
}
