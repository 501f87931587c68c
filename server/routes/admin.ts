import { HTTPError, type H3, type H3Event } from 'h3'
import type { Runtime } from '../runtime'
import { bearerToken, isLoopback, matchesSecret } from './http'

/**
 * Admin guard: `TAGWARDEN_ADMIN_TOKEN` as a bearer token (or `?token=`), or — when no token is
 * configured — a request from the loopback interface itself.
 */
export function assertAdmin(event: H3Event, rt: Runtime): void {
  const token = rt.config.adminToken
  if (!token) {
    if (isLoopback(event)) return
    throw new HTTPError({ status: 403, message: 'admin routes answer only on localhost unless TAGWARDEN_ADMIN_TOKEN is set' })
  }
  const presented = bearerToken(event) ?? new URL(event.req.url).searchParams.get('token') ?? undefined
  if (!matchesSecret(presented, [token])) throw new HTTPError({ status: 401, message: 'admin token required', headers: { 'www-authenticate': 'Bearer' } })
}

/** `GET {prefix}/_/events` — the recent events with per-destination decisions and delivery state (the dry-run record). */
export function adminRoutes(app: H3, rt: Runtime): void {
  app.get(`${rt.config.prefix}/_/events`, (event) => {
    assertAdmin(event, rt)
    const url = new URL(event.req.url)
    const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 100) || 100, 1), 500)
    const id = url.searchParams.get('event_id')
    const entries = rt.journal.recent()
    return { events: (id ? entries.filter((e) => e.event_id === id) : entries).slice(0, limit) }
  })
}
