import { HTTPError, type H3 } from 'h3'
import { buildReport, reportDays } from '../report/build-report'
import { reportQuerySchema } from '../report/report-query'
import type { Runtime } from '../runtime'
import { assertAdmin } from './admin'

/**
 * `GET {prefix}/_/report?days=7` (admin) — the reconciliation report: per UTC day and destination,
 * orders by webhook and by browser matched by event_id, orders recovered, freshness, match-key and
 * dedup coverage (schema and definitions: docs/report.md).
 */
export function reportRoutes(app: H3, rt: Pick<Runtime, 'config' | 'client' | 'now' | 'store' | 'report' | 'destinations'>): void {
  app.get('/_/report', async (event) => {
    assertAdmin(event, rt)
    const url = new URL(event.req.url)
    const days = url.searchParams.get('days')
    const parsed = reportQuerySchema.safeParse({ days: days ?? undefined })
    if (!parsed.success) throw new HTTPError({ status: 400, message: `[tagwarden] [report] ${parsed.error.issues[0].message}, got "${String(days).slice(0, 20)}"` })
    const now = rt.now()
    const { window, read } = reportDays(now, parsed.data.days)
    let data
    try {
      // This instance's buffered counts first, so the report includes everything it has seen.
      await rt.report.flush()
      data = await rt.report.read(read)
    } catch {
      throw new HTTPError({ status: 503, message: `[tagwarden] [report] storage (${rt.store.kind}) cannot be read now` })
    }
    event.res.headers.set('cache-control', 'no-store')
    return buildReport(data, window, rt.destinations.map((d) => d.name), now)
  })
}
