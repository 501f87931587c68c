import type { CanonicalEvent } from './event'
import { OutboxFullError } from './delivery/outbox'
import type { BeaconResult } from './pinterest/beacon-event'
import type { AcceptResult } from './pipeline'
import type { Runtime } from './runtime'
import { eventTimeProblem } from './event-time'

/** What storing server-side copies reads from the runtime. */
type CopyDeps = Pick<Runtime, 'now' | 'log' | 'metrics' | 'storeHealth' | 'ingest'>

/**
 * Hand a mirrored tag event to the pipeline and wait until it is persisted. An event that cannot be
 * mirrored (init, user-defined, no event_id) is logged at debug level; one whose browser clock (`cb`)
 * dates it before TAGWARDEN_MAX_EVENT_AGE_DAYS is dropped and counted (it could only be
 * dead-lettered); a storage failure is counted and logged and does not break the shopper's page.
 */
export async function ingestMirror(rt: CopyDeps & Pick<Runtime, 'config'>, result: BeaconResult): Promise<AcceptResult | undefined> {
  if ('skip' in result) {
    rt.log.debug('[tagwarden] [pinterest-capi] tag event not mirrored', { reason: result.skip })
    return undefined
  }
  // The time is clamped to the server clock already (beacon-event.ts), so only "too old" remains.
  if (eventTimeProblem(result.event.time, Math.floor(rt.now() / 1000), rt.config.delivery.maxEventAgeDays)) {
    rt.metrics.dropped(result.event.source, 'too_old', 1)
    return undefined
  }
  return (await ingestAll(rt, [result.event]))?.[0]
}

/** Copies dropped (full outbox, storage down) since the last warning, per runtime and kind: one warning a minute, not one per beacon. */
const dropWarnings = new WeakMap<CopyDeps, Map<string, { warnedAt: number; dropped: number }>>()
const WARNING_EVERY_MS = 60_000

function warnThrottled(rt: CopyDeps, kind: string, count: number, warn: (dropped: number) => void): void {
  let kinds = dropWarnings.get(rt)
  if (!kinds) dropWarnings.set(rt, (kinds = new Map()))
  const state = kinds.get(kind) ?? { warnedAt: -Infinity, dropped: 0 }
  kinds.set(kind, state)
  state.dropped += count
  if (rt.now() - state.warnedAt < WARNING_EVERY_MS) return
  warn(state.dropped)
  state.warnedAt = rt.now()
  state.dropped = 0
}

/** Accept events into the pipeline (persisted when this resolves); undefined when storage failed (logged). */
export async function ingestAll(rt: CopyDeps, events: CanonicalEvent[]): Promise<AcceptResult[] | undefined> {
  if (!events.length) return []
  // With the store known to be down, do not make the page wait for Redis retries: count and move on.
  if (rt.storeHealth.state().state !== 'ok') return storageLost(rt, events, 'storage is down')
  try {
    return await rt.ingest(events)
  } catch (error) {
    if (error instanceof OutboxFullError) {
      // The shopper's own beacon still reaches Pinterest; only the server-side copy is lost.
      warnThrottled(rt, 'full', events.length, (dropped) =>
        rt.log.warn(`[tagwarden] [${error.dest}] outbox full (TAGWARDEN_MAX_QUEUE=${error.max}): server-side copies of tag events dropped`, { dropped }),
      )
      return undefined
    }
    if (rt.storeHealth.failed(error)) return storageLost(rt, events, (error as Error).message)
    rt.log.error('[tagwarden] [pinterest-capi] could not accept tag events', { event_ids: events.map((e) => e.event_id), reason: (error as Error).message })
    return undefined
  }
}

/** The beacon is still forwarded; the server-side copy that could not be stored is counted, not kept. */
function storageLost(rt: CopyDeps, events: CanonicalEvent[], reason: string): undefined {
  for (const e of events) rt.metrics.dropped(e.source, 'storage', 1)
  warnThrottled(rt, 'storage', events.length, (dropped) =>
    rt.log.error('[tagwarden] storage unreachable: server-side copies of tag events dropped (the beacons were still forwarded)', { dropped, reason }),
  )
  return undefined
}
