import type { H3 } from 'h3'
import { createHash } from 'node:crypto'
import { dedupPair, type JournalEntry } from '../journal'
import type { Runtime } from '../runtime'
import { summarize } from '../inspector/summary'
import { INSPECTOR_CSS } from '../inspector/style'
import { INSPECTOR_JS, inspectorHtml } from '../inspector/page'
import { assertAdmin } from './admin'

/** Events returned to the page at most (the journal keeps 500). */
const MAX_ROWS = 500
const DEFAULT_ROWS = 200

// The page runs only its own script and style and talks only to its own origin
// (https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Content-Security-Policy).
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
const PAGE_HEADERS = {
  'content-security-policy': CSP,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
}

const etagOf = (s: string) => `"${createHash('sha256').update(s).digest('base64url').slice(0, 22)}"`

/** An asset answer with a strong ETag, 304 on a match. */
function asset(body: string, type: string) {
  const etag = etagOf(body)
  return (request: Request) =>
    request.headers.get('if-none-match') === etag
      ? new Response(null, { status: 304, headers: { etag } })
      : new Response(body, { headers: { 'content-type': type, etag, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' } })
}

/** What the page gets for one event: no payload, no values, only names and states. */
const view = (e: JournalEntry) => ({
  event_id: e.event_id,
  name: e.name,
  source: e.source,
  sources: e.sources ?? [e.source],
  time: e.time,
  received: e.received,
  identifiers: e.identifiers,
  destinations: Object.fromEntries(Object.entries(e.destinations).map(([d, { payload: _payload, ...r }]) => [d, r])),
  pair: dedupPair(e),
  notes: e.notes,
})

/**
 * `GET {prefix}/_/inspect` — the inspector page (admin), its script and style, and
 * `GET {prefix}/_/inspect/data?event_id=&name=&limit=` — recent events + summary cards as JSON,
 * with an ETag so the page's 2-second poll costs a 304 when nothing changed.
 */
export function inspectRoutes(app: H3, rt: Pick<Runtime, 'config' | 'client' | 'journal' | 'destinations' | 'metrics' | 'outbox'>): void {
  const base = '/_/inspect'
  const html = inspectorHtml(rt.config.prefix)
  const js = asset(INSPECTOR_JS, 'text/javascript; charset=utf-8')
  const css = asset(INSPECTOR_CSS, 'text/css; charset=utf-8')

  app.get(base, (event) => {
    assertAdmin(event, rt)
    return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8', ...PAGE_HEADERS } })
  })
  // Static, no data: served without the admin check so the page's <script src> needs no token.
  app.get(`${base}/app.js`, (event) => js(event.req))
  app.get(`${base}/app.css`, (event) => css(event.req))

  app.get(`${base}/data`, async (event) => {
    assertAdmin(event, rt)
    const url = new URL(event.req.url)
    const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? DEFAULT_ROWS) || DEFAULT_ROWS, 1), MAX_ROWS)
    const idPart = url.searchParams.get('event_id')?.trim().toLowerCase()
    const name = url.searchParams.get('name')?.trim()
    const all = rt.journal.recent()
    const matching = all.filter((e) => (!idPart || e.event_id.toLowerCase().includes(idPart)) && (!name || e.name === name))
    const names = [...new Set(all.map((e) => e.name))].sort()
    const destinations = [...new Set([...rt.destinations.map((d) => d.name), ...all.flatMap((e) => Object.keys(e.destinations))])].sort()
    const summary = summarize(all, rt.metrics, rt.destinations.map((d) => d.name))
    const withDepth = await Promise.all(summary.destinations.map(async (d) => ({ ...d, depth: await rt.outbox.depth(d.name).catch(() => undefined) })))
    const body = JSON.stringify({
      dryRun: rt.config.dryRun,
      summary: { ...summary, destinations: withDepth },
      events: matching.slice(0, limit).map(view),
      total: all.length,
      names,
      destinations,
    })
    const etag = etagOf(body)
    const headers = { etag, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }
    if (event.req.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers })
    return new Response(body, { headers: { 'content-type': 'application/json; charset=utf-8', ...headers } })
  })
}
