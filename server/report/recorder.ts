import type { CanonicalEvent } from '../event'
import type { DestinationRecord } from '../journal'
import { dayOf, type ReportStore } from './report-store'

/** Which paths reported an order (bits of the `o|<event_id>` fact); any browser path other than the tag and the loader counts as `pixel`. */
export const PATH_BITS = { webhook: 1, tag: 2, loader: 4, pixel: 8, api: 16 } as const
export const BROWSER_BITS = PATH_BITS.tag | PATH_BITS.loader | PATH_BITS.pixel
/** What became of an order for one destination (bits of the `d|<dest>|<event_id>` fact). */
export const DEST_BITS = { suppressed: 1, queued: 2, delivered: 4, dead: 8 } as const

/** Freshness histogram bounds, seconds from the event's own time to its delivery (the last bucket takes the rest). */
export const FRESHNESS_BOUNDS_S = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21_600, 43_200, 86_400, 172_800, 604_800, 2_592_000, 7_776_000]
/** Match keys counted per destination and event name, from the identifiers a destination gets after consent. */
export const MATCH_KEYS = ['em', 'ph', 'click_id', 'ip_ua', 'external_id'] as const

/** The neutral purchase name: orders are the `checkout` events. */
const ORDER_NAME = 'checkout'

/**
 * The event_ids that are orders, from TAGWARDEN_EVENT_ID_TEMPLATE (`ord_{order_id}` → /^ord_.+$/):
 * a delivery names only its event_id, and order deliveries are the ones the report joins.
 */
export function orderIdPattern(template: string): RegExp {
  const [before, after] = template.split('{order_id}').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(`^${before}.+${after ?? ''}$`)
}

const pathBit = (source: string) => (source === 'webhook' || source === 'api' || source === 'tag' || source === 'loader' ? PATH_BITS[source] : PATH_BITS.pixel)

/** Match keys present among identifier names (click ids are `platform.name`). */
export function matchKeys(identifiers: string[]): (typeof MATCH_KEYS)[number][] {
  let em = false, ph = false, click = false, ip = false, ua = false, ext = false
  for (const k of identifiers) {
    if (k === 'em') em = true
    else if (k === 'ph') ph = true
    else if (k === 'client_ip_address') ip = true
    else if (k === 'client_user_agent') ua = true
    else if (k === 'external_id') ext = true
    else if (k.includes('.')) click = true
  }
  const out: (typeof MATCH_KEYS)[number][] = []
  if (em) out.push('em')
  if (ph) out.push('ph')
  if (click) out.push('click_id')
  if (ip && ua) out.push('ip_ua')
  if (ext) out.push('external_id')
  return out
}

/** The bucket of a delay (index into FRESHNESS_BOUNDS_S; its length = beyond the last bound). */
export function freshnessBucket(seconds: number): number {
  const i = FRESHNESS_BOUNDS_S.findIndex((b) => seconds <= b)
  return i < 0 ? FRESHNESS_BOUNDS_S.length : i
}

export interface ReportRecorder {
  /** An event left the pipeline with its per-destination records (every status: a duplicate still says which path reported it). */
  accepted(event: CanonicalEvent, destinations: Record<string, DestinationRecord>): void
  /**
   * A path reported an order it does not send itself: the Shopify pixel's `checkout_completed` that
   * the signed order webhook sends (server/routes/shopify-pixel.ts). Counts the path for the order,
   * whichever of the two arrives first.
   */
  reported(event: CanonicalEvent): void
  /** A destination processed an event (live deliveries only). */
  delivered(dest: string, item: { id: string; at: number; time?: number }): void
  /** An event was dead-lettered for a destination. */
  dead(dest: string, item: { id: string; at: number; time?: number }): void
}

/**
 * Turn pipeline and delivery facts into the report's per-day aggregates. A day is the UTC day of
 * the event's own time, so an order's browser report, webhook and delivery fall on the same day.
 * Field names (docs/report.md "Storage"): `o|<id>` paths, `d|<dest>|<id>` outcome, `k|<dest>|<name>|<key>`
 * match keys, `f|<dest>|<bucket>` freshness, `a|<dest>|<source>` copies queued.
 */
export function createReportRecorder(store: ReportStore, eventIdTemplate: string, now: () => number): ReportRecorder {
  const isOrder = orderIdPattern(eventIdTemplate)
  const itemDay = (item: { at: number; time?: number }) => dayOf(item.time !== undefined ? item.time * 1000 : item.at)
  return {
    accepted(event, destinations) {
      const day = dayOf(event.time * 1000)
      const order = event.name === ORDER_NAME
      if (order) store.flag(day, `o|${event.event_id}`, pathBit(event.source))
      const at = now()
      for (const dest in destinations) {
        const rec = destinations[dest]
        if (order && rec.state === 'suppressed') store.flag(day, `d|${dest}|${event.event_id}`, DEST_BITS.suppressed)
        if (rec.state !== 'queued') continue
        if (order) store.flag(day, `d|${dest}|${event.event_id}`, DEST_BITS.queued)
        store.activity(dest, 'accepted', at)
        store.incr(day, `a|${dest}|${event.source}`)
        const prefix = `k|${dest}|${event.name}|`
        store.incr(day, `${prefix}n`)
        for (const k of matchKeys(rec.identifiers ?? [])) store.incr(day, prefix + k)
      }
    },
    reported(event) {
      if (event.name === ORDER_NAME) store.flag(dayOf(event.time * 1000), `o|${event.event_id}`, pathBit(event.source))
    },
    delivered(dest, item) {
      const at = now()
      const day = itemDay(item)
      if (isOrder.test(item.id)) store.flag(day, `d|${dest}|${item.id}`, DEST_BITS.delivered)
      const from = item.time !== undefined ? item.time * 1000 : item.at
      store.incr(day, `f|${dest}|${freshnessBucket(Math.max(0, at - from) / 1000)}`)
      store.activity(dest, 'delivered', at)
    },
    dead(dest, item) {
      if (isOrder.test(item.id)) store.flag(itemDay(item), `d|${dest}|${item.id}`, DEST_BITS.dead)
    },
  }
}
