import { HTTPError, type H3, type H3Event } from 'h3'
import type { Runtime } from '../runtime'

/** What a sender is told to wait when storage is down: long enough for Redis to come back from a restart. */
export const STORE_RETRY_AFTER_S = 30

const unavailable = (rt: Pick<Runtime, 'store'>, why: string) =>
  new HTTPError({
    status: 503,
    message: `storage (${rt.store.kind}) ${why}: nothing was stored; retry later`,
    headers: { 'retry-after': String(STORE_RETRY_AFTER_S), 'cache-control': 'no-store' },
  })

/**
 * `/v1/events` and the order webhooks acknowledge only what is persisted, so while storage is down
 * they answer 503 with `Retry-After` (the sender keeps the events and retries; dedup by event_id
 * absorbs a retry of anything stored before the failure) instead of a bare 500: at once when the
 * store is known to be down, else when a storage operation fails during the request.
 * https://httpwg.org/specs/rfc9110.html#status.503
 */
export function storeGuardRoutes(app: H3, rt: Pick<Runtime, 'store' | 'storeHealth' | 'log'>): void {
  // Paths inside the mount: h3 strips the prefix before a mounted app's middleware runs.
  const guarded = (event: H3Event) => event.req.method === 'POST' && (event.url.pathname === '/v1/events' || event.url.pathname.startsWith('/webhooks/'))

  app.use(
    async (event, next) => {
      const store = rt.storeHealth.state()
      if (store.state !== 'ok') throw unavailable(rt, store.reason === 'unreachable' ? 'is unreachable' : 'failed a write moments ago')
      try {
        return await next()
      } catch (error) {
        if (!HTTPError.isError(error) && rt.storeHealth.failed(error)) {
          rt.log.error('[tagwarden] storage failed during a request: answered 503 with Retry-After', { path: event.url.pathname, reason: (error as Error).message })
          throw unavailable(rt, 'failed')
        }
        throw error
      }
    },
    { match: guarded },
  )
}
