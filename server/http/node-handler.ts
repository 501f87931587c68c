import type { IncomingMessage, ServerResponse } from 'node:http'
import { toNodeHandler, type H3 } from 'h3'
import type { Logger } from '../log'

/** `(req, res)` for `http.createServer` and Express/Connect `app.use`. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown

/** What Express (`baseUrl`) and Connect (`originalUrl`) leave on a request they routed to a mounted handler. */
type HostRequest = IncomingMessage & { baseUrl?: string; originalUrl?: string }

const pathOf = (url: string) => url.split('?', 1)[0]

/**
 * The path a Connect-style host mounted this handler at, which it stripped from `req.url` before
 * calling it (`app.use('/tw', h)`: `/tw/ctx` arrives as `/ctx`); undefined when nothing was
 * stripped (`http.createServer(h)`, `app.use(h)`). Express says so in `baseUrl`; Connect only
 * keeps the original URL, so the mount path is what `url` lost from it.
 * @example hostMountPath({ url: '/ctx', originalUrl: '/tw/ctx' }) // '/tw'
 */
export function hostMountPath(req: HostRequest): string | undefined {
  if (typeof req.baseUrl === 'string') return req.baseUrl || undefined
  if (typeof req.originalUrl !== 'string' || req.originalUrl === req.url) return undefined
  const original = pathOf(req.originalUrl)
  const rest = pathOf(req.url ?? '/')
  if (rest === '/') return original.replace(/\/$/, '') || undefined
  return original.endsWith(rest) ? original.slice(0, original.length - rest.length) || undefined : undefined
}

/**
 * One Node handler for both ways a Node host runs tagwarden: full paths go to `app` (the routes
 * mounted at the prefix, plus the demo); a request whose host already stripped the mount path goes
 * to the prefix-less `routes`. A mount path other than the prefix is refused with a message naming
 * the fix: the loader and the served scripts send the browser to the prefix, so anything else
 * would half work.
 */
export function createNodeHandler(o: { app: H3; routes: H3; prefix: string; log: Logger }): NodeHandler {
  const full = toNodeHandler(o.app)
  const bare = toNodeHandler(o.routes)
  const warned = new Set<string>()
  return (req, res) => {
    const mounted = hostMountPath(req)
    if (mounted === undefined) return full(req, res)
    if (mounted === o.prefix) return bare(req, res)
    const message = `[tagwarden] mounted at ${mounted} but TAGWARDEN_PREFIX is ${o.prefix}: the loader and Pinterest's scripts send the browser to the prefix. Mount at ${o.prefix} (app.use('${o.prefix}', tw.nodeHandler)) or set TAGWARDEN_PREFIX=${mounted}`
    if (!warned.has(mounted)) {
      warned.add(mounted)
      o.log.error(message)
    }
    res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    res.end(JSON.stringify({ status: 500, message }))
  }
}
