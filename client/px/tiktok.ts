import { assign, W } from '../env'
import type { Io } from '../types'
import { eventId } from './event-id'
import { addScript, allows, hasScript } from './load'
import { mirror } from './mirror'

/** `window.ttq` as TikTok's base code (or tagwarden's stub) makes it: an array of `[method, ...args]` until events.js drains it (docs/tiktok-events.md §9). */
type Ttq = unknown[][] & Record<string, any>

const SCRIPT = 'https://analytics.tiktok.com/i18n/pixel/events.js'
const PURCHASE = /^(CompletePayment|Purchase|PlaceAnOrder)$/

let t: Ttq | undefined
let told = 1

/**
 * One `ttq.track(name, properties, options)` (args without the method name): `event_id` in the
 * options (the caller's own wins; a purchase with `order_id` gets `ord_{order_id}`), and the call
 * goes to the server with it. Objects are copied, as for fbq (client/px/meta.ts).
 */
function track(io: Io, a: unknown[]): unknown[] {
  const data = (a[1] = assign({}, a[1])) as Record<string, unknown>
  const o = (a[2] = assign({}, a[2])) as { event_id?: string }
  o.event_id ||= eventId(PURCHASE.test(a[0] as string) ? data.order_id : null)
  mirror(io, { px: 'tiktok', name: '' + a[0], id: '' + o.event_id, data })
  return a
}

/**
 * Take over `ttq.track` (and read `ttq.identify`'s email): queued `track` entries get their ids
 * now; the method is an accessor, so whatever events.js assigns to it later still passes `track`
 * first. `ttq.page()` is not mirrored: the pixel sends its page view without an id, so a server
 * copy could not be deduplicated.
 */
export function wrapTiktok(io: Io): void {
  const g = W.ttq as Ttq | undefined
  if (!g || g == t || typeof g != 'object') return
  t = g
  for (const e of g) if (e?.[0] == 'track') e.splice(1, 3, ...track(io, e.slice(1, 4)))
  for (const m of ['track', 'identify']) {
    let inner = g[m]
    Object.defineProperty(g, m, {
      configurable: true,
      get: () =>
        function (this: unknown, ...a: unknown[]) {
          if (m == 'track') track(io, a)
          else if ((a[0] as { email?: unknown })?.email) (io[0].em = '' + (a[0] as { email: unknown }).email), io[1]()
          return inner?.apply(this, a)
        },
      set: (v) => (inner = v),
    })
  }
}

/**
 * Apply the server's decision for `tiktok-pixel`: allowed → do what TikTok's `ttq.load(code)` does
 * (tagwarden's stub only queued it): record the code in `_i`/`_t`/`_o` and add events.js; not
 * allowed → a pixel that is there anyway gets `revokeConsent`, and `grantConsent` if allowed later.
 */
export function gateTiktok(action?: string): void {
  if (!t || !action) return
  const ok = allows(action)
  const load = t.find((e) => e?.[0] == 'load')
  if (ok && load && !hasScript('/pixel/events.js')) {
    const [, code, opts] = load as [string, string, object]
    t.splice(t.indexOf(load), 1)
    ;(t._i ||= {})[code] = assign([], { _u: SCRIPT })
    ;(t._t ||= {})[code] = +new Date()
    ;(t._o ||= {})[code] = opts || {}
    addScript(`${SCRIPT}?sdkid=${code}&lib=ttq`)
  }
  if (+ok != told && hasScript('/pixel/events.js')) {
    const m = (told = +ok) ? 'grantConsent' : 'revokeConsent'
    typeof t[m] == 'function' ? t[m]() : t.push([m])
  }
}
