import type { H3Event } from 'h3'

/**
 * True when the request's `If-None-Match` names this ETag (weak or strong, or `*`): answer 304.
 * https://httpwg.org/specs/rfc9110.html#field.if-none-match
 */
export function notModified(event: H3Event, etag: string): boolean {
  const header = event.req.headers.get('if-none-match')
  if (!header) return false
  const bare = (t: string) => t.trim().replace(/^W\//, '')
  return header.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag))
}
