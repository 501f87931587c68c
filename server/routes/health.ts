import type { H3 } from 'h3'
import type { Runtime } from '../runtime'

/**
 * `GET {prefix}/_/health` — liveness plus what an operator checks first: events waiting per
 * destination and each destination's delivery state. Always 200 while the process accepts events
 * (a paused destination keeps its events; load balancers must not pull the instance for it);
 * `status` is `degraded` and `alerts` says why when a destination is paused, or waits after failed
 * requests (a classified reason and until when, never Pinterest's own text).
 */
export function healthRoutes(app: H3, rt: Runtime): void {
  app.get(`${rt.config.prefix}/_/health`, async () => {
    const outbox: Record<string, number> = {}
    for (const d of rt.destinations) outbox[d.name] = await rt.outbox.depth(d.name)
    const delivery = rt.dispatcher.status()
    const alerts = Object.entries(delivery)
      .filter(([, s]) => s.state === 'paused' || s.state === 'waiting')
      .map(([name, s]) => (s.state === 'paused' ? `[tagwarden] [${name}] paused: ${s.reason}` : `[tagwarden] [${name}] waiting (${s.reason}) until ${s.until}`))
    return {
      status: alerts.length ? 'degraded' : 'ok',
      storage: rt.store.kind,
      dry_run: rt.config.pinterest.dryRun,
      outbox,
      delivery,
      ...(alerts.length ? { alerts } : {}),
    }
  })
}
