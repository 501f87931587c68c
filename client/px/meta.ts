import { assign, W } from '../env'
import type { Io } from '../types'
import { eventId } from './event-id'
import { addScript, allows, hasScript } from './load'
import { mirror } from './mirror'

/** `window.fbq` as Meta's base code (or tagwarden's stub) makes it: calls queue until fbevents.js sets `callMethod` (docs/meta-capi.md §7). */
type Fbq = ((...a: unknown[]) => unknown) & { queue?: ArrayLike<unknown>[]; callMethod?: unknown; loaded?: unknown; version?: string; push?: unknown }

const SCRIPT = 'https://connect.facebook.net/en_US/fbevents.js'

let f: Fbq | undefined
let shown: unknown
/** Last `fbq('consent', …)` said: starts granted, so that only a revoke can be the first. */
let told = 1

/**
 * One fbq call on its way to Meta's script. `track`/`trackCustom` get `eventID` in their 4th
 * argument (the caller's own wins; a Purchase with `order_id` gets `ord_{order_id}`), and go to
 * the server with it; `init` with an email gives it to the context (the server hashes it). The data
 * and options objects are copied: one object reused for several calls must not give them one id.
 */
function call(io: Io, a: unknown[]): unknown[] {
  const [c, name] = a as [string, string]
  if (c == 'track' || c == 'trackCustom') {
    const data = (a[2] = assign({}, a[2])) as Record<string, unknown>
    const o = (a[3] = assign({}, a[3])) as { eventID?: string }
    o.eventID ||= eventId(c == 'track' && name == 'Purchase' ? data.order_id : null)
    mirror(io, { px: 'meta', name: '' + name, id: '' + o.eventID, data, ...(c == 'track' ? {} : { custom: 1 }) })
  } else if (c == 'init' && (a[2] as { em?: unknown })?.em) (io[0].em = '' + (a[2] as { em: unknown }).em), io[1]()
  return a
}

/**
 * Take over `window.fbq` (once it is there, and again if the page replaces it): the calls already
 * queued get their ids now (Meta's script has not read them yet), later ones pass `call` first.
 * A Proxy, not a new function: fbevents.js sets `callMethod` on it and that lands on the original.
 */
export function wrapMeta(io: Io): void {
  const g = W.fbq as Fbq | undefined
  if (typeof g != 'function' || g == shown) return
  f = g
  const q = f.queue
  if (q && !f.callMethod) for (let i = 0; i < q.length; i++) q[i] = call(io, [].slice.call(q[i]))
  W.fbq = shown = new Proxy(f, { apply: (t, s, a) => t.apply(s, call(io, a)) }) as never
}

/**
 * Apply the server's decision for `meta-pixel`: allowed (restricted: Limited Data Use first, before
 * `init`, docs/meta-capi.md §8) → load fbevents.js once, unless the page's base code already did;
 * not allowed → a script that is there anyway gets `fbq('consent', 'revoke')` (ahead of anything it
 * has not read), and `grant` if the shopper allows it later.
 */
export function gateMeta(action?: string): void {
  if (!f || !action) return
  const ok = allows(action)
  const queued = !f.callMethod && f.queue
  if (ok && queued && !hasScript('/fbevents.js')) {
    if (action == 'restricted') (queued as unknown[]).unshift(['dataProcessingOptions', ['LDU'], 0, 0])
    assign(f, { loaded: !0, version: f.version || '2.0', push: f.push || f })
    W._fbq ||= f
    addScript(SCRIPT)
  }
  if (+ok != told && hasScript('/fbevents.js')) {
    const c = ['consent', (told = +ok) ? 'grant' : 'revoke']
    queued ? (queued as unknown[]).unshift(c) : f(...c)
  }
}
