import { C } from './config'
import { afterCtx, ctx, sync } from './ctx'
import { assign, D, W } from './env'
import { newScript, post } from './send'
import type { Call, EventData, FallbackEvent } from './types'

/** `window.pintrk` as Pinterest's base code makes it (docs/pinterest-tag.md "Base code"): a function with a call queue. */
type Fn = ((...a: unknown[]) => unknown) & { queue: Call[]; version?: string }

const nativePush = [].push
const isEvent = (a: Call) => /^(track|page)$/.test(a[0] as string)

/** Our stub. While the tag loads its queue is what the tag reads; if the tag fails, its events go to `/e`. */
const stub = ((...a: Call) => handle(a)) as Fn
stub.queue = []
stub.version = '3.0'

/** Events held while nothing is decided yet (a CMP deciding, no answer from the server, or the wait `w` not over); at most 50. */
const held: Call[] = []
/** Pinterest's real `pintrk`, once its script assigned `window.pintrk`. */
let real: Fn | undefined
/** What reading `window.pintrk` returns: the stub, later the real tag behind a Proxy. */
let shown = stub
/** core.js being loaded: our first-party copy, or the page's own base-code script. */
let script: HTMLScriptElement | null | 0
/** Tag ids given to `load`. */
const loaded: Record<string, unknown> = {}
/** `pd` for `/e`: the email, as the tag would send it (docs/pinterest-tag.md "Enhanced match"); the server hashes it and applies LDP itself. */
const pd: Record<string, unknown> = {}

let allowed: unknown
/** Events may leave for `/e` (see loader.ts); `allowed` sends them to the tag instead. */
let decided: unknown
let failed: unknown
/** Last `setconsent` given to a loaded tag; starts true so that only a denial can be the first. */
let told: unknown = 1
/** What the last LDP `set` gave the tag: `LDP`, or `''` (cleared); a `set` only per change. */
let ldpSet: unknown

const toTag = (a: Call) => (real ? real(...a) : stub.queue.push(a))

/** `POST {p}/e`: the server makes the CAPI copy the tag cannot (docs/design.md "Flows"), once the ctx cookie is set. */
const toServer = (a: Call): unknown =>
  afterCtx(() =>
    post('/e', { event: a[2] ? a[1] : 'pagevisit', ed: a[2] || a[1], pd, ad: { loc: location.href, ref: D.referrer } } as FallbackEvent),
  )

/** Where a call goes now: config calls to the tag (queued until it loads); events to the tag, `/e`, or held. */
const route = (a: Call): unknown =>
  !isEvent(a) || (allowed && !failed) ? toTag(a) : decided || failed || held.length > 49 ? toServer(a) : held.push(a)

/** The tag did not come up (script blocked or failed, or not within `w`): its queued events go to `/e`. */
const fail = () =>
  real || stub.queue.push != nativePush || ((failed = 1), (stub.queue = stub.queue.filter((a) => !isEvent(a) || !toServer(a))))

/**
 * Every pintrk call. `track`/`page` get an `event_id` in their data before the tag sees it (the tag
 * sends it as `ed.event_id`, docs/pinterest-tag.md "event_id"); the caller's own wins; a checkout
 * with `order_id` gets the deterministic id from template `o`, so a thank-you page reload and the
 * order webhook agree (docs/design.md "event_id contract"). The data object is copied: one object
 * reused for several calls must not give them one id.
 * `load`/`set` options give the email and LDP fields. Then the call is routed.
 */
function handle(a: Call): void {
  const c = a[0]
  const o = a[c == 'load' ? 2 : 1] as Record<string, unknown> | undefined
  const i = c == 'page' ? 1 : c == 'track' ? 2 : 0
  if (i) {
    const d: EventData = (a[i] = assign({}, a[i]))
    d.event_id ||=
      i > 1 && /^checkout$/i.test(a[1] as string) && d.order_id != null
        ? C.o.replace('{order_id}', d.order_id as string)
        : crypto.randomUUID?.() || (Math.random() + '').slice(2) + Date.now()
  } else if (o) {
    // Enhanced match (docs/pinterest-tag.md "Enhanced match"): the email goes as given, only to our own server, which normalizes and
    // hashes it before it is stored anywhere (a hash passes through); the tag hashes its own copy.
    // The options go to `/e` as `pd` unfiltered: the server keeps em, st, country, opt_out_type.
    assign(pd, o)
    if (o.em) (ctx.em = '' + o.em), sync()
  }
  if (c == 'load') {
    // A second `load` of one tag (base code after the loader, or our auto-load) keeps only its options.
    if (loaded[a[1] as string]) {
      if (!o) return
      a = ['set', o]
    }
    loaded[a[1] as string] = 1
  }
  route(a)
}

const proxy = (f: Fn) => new Proxy(f, { apply: (_t, _s, a: Call) => handle(a) })

/**
 * Install `window.pintrk`. A stub already there (the page's base code ran first) gives up its queue;
 * a real tag already there is wrapped. Later assignments (Pinterest's script taking over) are caught,
 * so every call still passes `handle`. Base code placed after the loader finds `window.pintrk` and
 * does nothing (its `if(!window.pintrk)`), so core.js is not requested twice and no call is lost.
 * `changed` is called when the tag comes up or the page's own core.js fails.
 */
export function install(changed: () => void): void {
  const old = W.pintrk as Fn | undefined
  let boot: Call[] = []
  if (old)
    old.queue?.push == nativePush ? ((boot = old.queue), assign(stub, old, { queue: [] })) : (shown = proxy((real = old)))
  Object.defineProperty(W, 'pintrk', {
    get: () => shown,
    set(v) {
      if (v != shown && typeof v == 'function') (shown = proxy((real = v))), (failed = 0), changed()
    },
  })
  // The page's own base code already asked for Pinterest's core.js: no second copy unless that one fails.
  if ((script = D.querySelector('script[src*="/ct/core.js"]')) && !real) {
    script.onerror = () => {
      script = 0
      changed()
    }
    setTimeout(fail, C.w)
  }
  boot.forEach(handle)
}

/**
 * Apply the browser-tag decision. Allowed: load the tag once, after the ctx post that carries the
 * consent (its beacons need the cookie); the auto `load` of config `t` goes first in its queue, so
 * the tag gets `load` before any `set` the page made; LDP is `set` once, before any further event
 * (docs/pinterest-tag.md "LDP"). Not allowed (`a` = 0): a tag that is there or coming gets `setconsent(false)` (Pinterest's
 * Magento and SFCC integrations use it, docs/consent-signals.md §6) — ahead of anything it has not
 * read yet. Not known (`a` = null): the tag stays as it is, events wait. Then held events go where
 * they now belong (`go`: they may leave for `/e`).
 */
export function gate(a: unknown, go: unknown, ldp: unknown): void {
  allowed = a
  decided = go
  if (a && !real && !script) {
    if (C.t && !loaded[C.t]) stub.queue.unshift(['load', (loaded[C.t] = C.t)])
    const s = (script = newScript('/pin/core.js', fail))
    afterCtx(() => D.head.append(s))
    setTimeout(fail, C.w)
  }
  // LDP on, or off again with an empty value when the decision no longer asks for it (docs/pinterest-tag.md "LDP").
  if (a && !ldp != !ldpSet) toTag(['set', { opt_out_type: (ldpSet = ldp ? 'LDP' : '') }])
  if ((real || script) && a != null && a != told) real ? real('setconsent', (told = a)) : stub.queue.unshift(['setconsent', (told = a)])
  held.splice(0).forEach(route)
}
