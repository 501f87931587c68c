import type { H3 } from 'h3'
import type { Runtime } from '../runtime'

/** `GET {prefix}/_/health` — liveness plus what an operator checks first. */
export function healthRoutes(app: H3, rt: Runtime): void {
  app.get(`${rt.config.prefix}/_/health`, async () => {
    const outbox: Record<string, number> = {}
    for (const d of rt.destinations) outbox[d.name] = await rt.outbox.depth(d.name)
    return {
      status: 'ok',
      storage: rt.store.kind,
      dry_run: rt.config.pinterest.dryRun,
      outbox,
    }
  })
}
