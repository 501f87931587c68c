import { C } from './config'
import { W } from './env'

/**
 * Map Pinterest's public hosts to first-party paths; other URLs unchanged, a `Request` object left alone:
 * `https://ct.pinterest.com/v3/?…` → `{p}/pin/ct/v3/?…` (docs/pinterest-tag.md "Beacon endpoints"),
 * `https://s.pinimg.com/ct/lib/main.x.js` → `{p}/pin/lib/main.x.js` (docs/pinterest-tag.md "Scripts"). Pinterest's
 * script always names these hosts, whatever upstream the server forwards to (an egress proxy, a
 * test fake): that is the server's business (PINTEREST_BEACON_ORIGIN / PINTEREST_SCRIPT_ORIGIN).
 * (A longer host such as `ct.pinterest.com.evil.example` is rerouted too: to the shop's own origin,
 * where the proxy forwards nothing but its fixed upstream — harmless, and cheaper than checking.)
 */
export const rewrite = (u: unknown): unknown =>
  (u as Request)?.url ? u : ('' + u).replace(/^https:\/\/ct\.pinterest\.com/, C.p + '/pin/ct').replace(/^https:\/\/s\.pinimg\.com\/ct/, C.p + '/pin')

/** Replace method `k` of `o` by one that rewrites argument `i` first. */
const wrap = (o: Record<string, Function>, k: string, i = 0) => {
  const f = o[k]
  o[k] = function (this: unknown, ...a: unknown[]) {
    a[i] = rewrite(a[i])
    return f.apply(this, a)
  }
}

/**
 * Pinterest's main.js builds beacon URLs at run time, so every way it can send one (fetch,
 * sendBeacon, XMLHttpRequest, <img src>) and every <script src> it adds goes through `rewrite`.
 */
export function reroute(): void {
  wrap(W as never, 'fetch')
  wrap(navigator as never, 'sendBeacon')
  wrap(XMLHttpRequest.prototype as never, 'open', 1)
  for (const { prototype: p } of [HTMLImageElement, HTMLScriptElement]) {
    const d = Object.getOwnPropertyDescriptor(p, 'src')!
    Object.defineProperty(p, 'src', {
      get: d.get,
      set(v) {
        d.set!.call(this, rewrite(v))
      },
    })
  }
}
