import { HTTPError, type H3, type H3Event } from 'h3'
import type { Runtime } from '../runtime'
import { bearerToken, matchesSecret } from '../http/request'

/** What a request asks to read: everything admin (inspector, events, health details) or only `/_/metrics`. */
export type AdminScope = 'admin' | 'metrics'

/** The tokens that open a scope: the admin token always; TAGWARDEN_METRICS_TOKEN for metrics too. */
const tokensFor = (rt: Pick<Runtime, 'config'>, scope: AdminScope): string[] =>
  [rt.config.adminToken, scope === 'metrics' ? rt.config.metricsToken : undefined].filter((t): t is string => !!t)

const presentedToken = (event: H3Event) => bearerToken(event) ?? event.url.searchParams.get('token') ?? undefined

/**
 * Whether a request may read admin data, without answering: a configured token presented as a
 * bearer token (or `?token=`); without any token, in development only, a request from this machine
 * (decided by `rt.client`, so a visitor behind a local reverse proxy is not "local").
 * @example if (isAdmin(event, rt)) body.details = …
 */
export function isAdmin(event: H3Event, rt: Pick<Runtime, 'config' | 'client'>, scope: AdminScope = 'admin'): boolean {
  const tokens = tokensFor(rt, scope)
  if (tokens.length) return matchesSecret(presentedToken(event), tokens)
  return !rt.config.production && rt.client(event).local
}

/**
 * Admin guard for `/_/inspect`, `/_/events` and `/_/metrics`. In production the routes need
 * TAGWARDEN_ADMIN_TOKEN (metrics: or TAGWARDEN_METRICS_TOKEN) and are off (404) without one; in
 * development without a token they answer only to requests from this machine.
 */
export function assertAdmin(event: H3Event, rt: Pick<Runtime, 'config' | 'client'>, scope: AdminScope = 'admin'): void {
  if (isAdmin(event, rt, scope)) return
  if (tokensFor(rt, scope).length) throw new HTTPError({ status: 401, message: 'admin token required', headers: { 'www-authenticate': 'Bearer' } })
  if (rt.config.production) {
    throw new HTTPError({ status: 404, message: `the admin routes are off in production: set TAGWARDEN_ADMIN_TOKEN${scope === 'metrics' ? ' (or TAGWARDEN_METRICS_TOKEN)' : ''} to turn them on` })
  }
  throw new HTTPError({ status: 403, message: 'without TAGWARDEN_ADMIN_TOKEN the admin routes answer only to requests from this machine (development); set TAGWARDEN_ADMIN_TOKEN' })
}

/** `GET {prefix}/_/events` — the recent events with per-destination decisions and delivery state (the dry-run record). */
export function adminRoutes(app: H3, rt: Pick<Runtime, 'config' | 'client' | 'journal'>): void {
  app.get('/_/events', (event) => {
    assertAdmin(event, rt)
    const url = new URL(event.req.url)
    const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 100) || 100, 1), 500)
    const id = url.searchParams.get('event_id')
    const entries = rt.journal.recent()
    event.res.headers.set('cache-control', 'no-store')
    return { events: (id ? entries.filter((e) => e.event_id === id) : entries).slice(0, limit) }
  })
}
