import { HTTPError, type H3, type H3Event } from 'h3'
import type { Runtime } from '../runtime'

/**
 * Refuse a browser request another site made (`Sec-Fetch-Site: cross-site`): without this, any page
 * could post consent or events in a shopper's name with a text/plain beacon (no CORS preflight).
 * Requests without the header (older browsers, server-side callers) pass; {@link sameOriginRoutes}
 * adds the Origin/Referer check for them.
 * https://www.w3.org/TR/fetch-metadata/#sec-fetch-site-header
 */
export function assertNotCrossSite(event: H3Event): void {
  if (event.req.headers.get('sec-fetch-site') === 'cross-site') {
    throw new HTTPError({ status: 403, message: 'cross-site request refused: post from the shop\'s own pages' })
  }
}

/** The host name of an origin or URL, lowercase; undefined when it does not parse. */
const hostOf = (url: string): string | undefined => {
  try {
    return new URL(url).hostname.toLowerCase()
  } catch {
    return undefined
  }
}
const originOf = (url: string): string | undefined => {
  try {
    return new URL(url).origin
  } catch {
    return undefined
  }
}

/**
 * The shop's host names as this request names them, lowercase: its `Host`, and `X-Forwarded-Host`
 * too when a trusted proxy passed the request on.
 */
export function shopHosts(event: H3Event, rt: Pick<Runtime, 'client'>): string[] {
  const own = [event.url.host]
  if (rt.client(event).viaTrustedProxy) own.push(...(event.req.headers.get('x-forwarded-host') ?? '').split(','))
  return own.filter((h): h is string => !!h).flatMap((h) => hostOf(`http://${h.trim()}`) ?? [])
}

/**
 * Why a browser POST is not the shop's own, or undefined when it is. In order:
 * 1. `Sec-Fetch-Site` (page scripts cannot set it): `cross-site` is refused, `same-origin` passes.
 * 2. Otherwise `Origin` must name the shop's host (the request's `Host`; `X-Forwarded-Host` too when a
 *    trusted proxy passed the request on) or an origin in TAGWARDEN_ALLOWED_ORIGINS. `Origin: null`
 *    (sandboxed frames, `data:` pages) is refused.
 * 3. Without `Origin`, the `Referer` must pass the same test.
 * 4. With neither header the request passes: browsers in use send `Origin` with every POST (Fetch
 *    standard), so such a request comes from a non-browser client, which no check can stop.
 * https://fetch.spec.whatwg.org/#origin-header
 */
export function originProblem(event: H3Event, rt: Pick<Runtime, 'config' | 'client'>): string | undefined {
  const headers = event.req.headers
  const site = headers.get('sec-fetch-site')
  if (site === 'cross-site') return 'cross-site request (Sec-Fetch-Site: cross-site)'
  if (site === 'same-origin') return undefined
  const origin = headers.get('origin')
  const referer = origin === null ? headers.get('referer') : null
  const claimed = origin ?? referer
  if (claimed === null) return undefined
  const what = origin !== null ? 'Origin' : 'Referer'
  if (claimed === 'null') return 'Origin: null (a sandboxed frame or a data: page) is not the shop'
  const allowed = originOf(claimed)
  if (allowed && rt.config.allowedOrigins.includes(allowed)) return undefined
  const host = hostOf(claimed)
  const ownHosts = shopHosts(event, rt)
  if (host && ownHosts.includes(host)) return undefined
  return `${what} ${claimed.slice(0, 100)} is not this shop (${ownHosts[0] ?? 'no Host header'}) nor in TAGWARDEN_ALLOWED_ORIGINS`
}

/**
 * The origin check on the browser POSTs, `/ctx` and `/e`, before the body is read: 403 naming the
 * problem. Beacons (`/pin/ct/*`) are not checked: any page can already send those as an image GET.
 */
export function sameOriginRoutes(app: H3, rt: Pick<Runtime, 'config' | 'client'>): void {
  // Paths inside the mount: h3 strips the prefix before a mounted app's middleware runs.
  const paths = new Set(['/ctx', '/ctx/', '/e', '/e/'])
  app.use(
    (event) => {
      const problem = originProblem(event, rt)
      if (problem) throw new HTTPError({ status: 403, message: `cross-origin request refused: ${problem}; post from the shop's own pages` })
    },
    { match: (event) => event.req.method === 'POST' && paths.has(event.url.pathname) },
  )
}
