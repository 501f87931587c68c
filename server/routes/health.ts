import type { H3 } from 'h3'
import { healthDetails, healthStatus } from '../health-report'
import type { Runtime } from '../runtime'
import { isAdmin } from './admin'

/**
 * `GET {prefix}/_/health` — liveness for load balancers: 200 with `{ "status": "ok" | "degraded" }`
 * while the process runs (a paused destination or a storage outage does not make the instance the
 * problem: pulling it would not help); `degraded` while a destination is paused or waits after failed
 * requests, or storage is down, or a destination is silent (server/report/silence.ts). With the admin token (development: from this machine) the
 * answer adds storage state, events waiting, each destination's delivery state and alerts, with
 * reasons classified (`auth`, `rate-limited`, `upstream-5xx`, …), never an upstream's own words.
 */
export function healthRoutes(app: H3, rt: Pick<Runtime, 'config' | 'client' | 'store' | 'storeHealth' | 'dispatcher' | 'destinations' | 'outbox' | 'silence'>): void {
  app.get('/_/health', async (event) => {
    event.res.headers.set('cache-control', 'no-store')
    return isAdmin(event, rt) ? healthDetails(rt) : { status: healthStatus(rt) }
  })
}
