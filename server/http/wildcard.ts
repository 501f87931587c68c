import type { H3Event } from 'h3'

/**
 * What a route's trailing `**:rest` matched, with the request's trailing slash kept (the router
 * drops it, and `/pin/ct/v3/` is not `/pin/ct/v3` upstream). Read from the route's own match, so
 * it is the same whether the routes are mounted at the prefix by h3 (full path) or by a host that
 * stripped the prefix (Express `app.use('/tw', …)`).
 * @example app.all('/pin/ct/**:rest', (e) => wildcardRest(e)) // '/tw/pin/ct/v3/' → 'v3/'
 */
export function wildcardRest(event: H3Event): string {
  const rest = (event.context.params as Record<string, string> | undefined)?.rest ?? ''
  return rest && event.url.pathname.endsWith('/') ? `${rest}/` : rest
}
