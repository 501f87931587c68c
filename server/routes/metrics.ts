import type { H3 } from 'h3'
import { PROMETHEUS_CONTENT_TYPE } from '../metrics-registry'
import type { Runtime } from '../runtime'
import { assertAdmin } from './admin'

/**
 * `GET {prefix}/_/metrics` — Prometheus text exposition: TAGWARDEN_ADMIN_TOKEN or TAGWARDEN_METRICS_TOKEN
 * (a scraper's token that opens nothing else); without either, off in production, local-only in development.
 * @example curl -H "Authorization: Bearer $TAGWARDEN_ADMIN_TOKEN" http://127.0.0.1:8787/tw/_/metrics
 */
export function metricsRoutes(app: H3, rt: Pick<Runtime, 'config' | 'client' | 'metrics'>): void {
  app.get('/_/metrics', async (event) => {
    assertAdmin(event, rt, 'metrics')
    return new Response(await rt.metrics.registry.render(), { headers: { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' } })
  })
}
