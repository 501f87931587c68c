import type { CanonicalEvent } from '../event'
import { OutboxFullError } from '../delivery/outbox'
import type { BeaconResult } from '../pinterest/beacon-event'
import type { AcceptResult } from '../pipeline'
import type { Runtime } from '../runtime'

/**
 * Hand a mirrored tag event to the pipeline and wait until it is persisted. An event that cannot be
 * mirrored (init, user-defined, no event_id) is logged at debug level; a storage failure is logged
 * as an error and does not break the shopper's page.
 */
export async function ingestMirror(rt: Runtime, result: BeaconResult): Promise<AcceptResult | undefined> {
  if ('skip' in result) {
    rt.log.debug('[tagwarden] [pinterest-capi] tag event not mirrored', { reason: result.skip })
    return undefined
  }
  return (await ingestAll(rt, [result.event]))?.[0]
}

/** Copies dropped on a full outbox since the last warning, per runtime (one warning a minute, not one per beacon). */
const fullOutbox = new WeakMap<Runtime, { warnedAt: number; dropped: number }>()
const FULL_WARNING_EVERY_MS = 60_000

/** Accept events into the pipeline (persisted when this resolves); undefined when storage failed (logged). */
export async function ingestAll(rt: Runtime, events: CanonicalEvent[]): Promise<AcceptResult[] | undefined> {
  if (!events.length) return []
  try {
    return await rt.ingest(events)
  } catch (error) {
    if (error instanceof OutboxFullError) {
      // The shopper's own beacon still reaches Pinterest; only the server-side copy is lost.
      const state = fullOutbox.get(rt) ?? { warnedAt: -Infinity, dropped: 0 }
      fullOutbox.set(rt, state)
      state.dropped += events.length
      if (rt.now() - state.warnedAt >= FULL_WARNING_EVERY_MS) {
        rt.log.warn(`[tagwarden] [${error.dest}] outbox full (TAGWARDEN_MAX_QUEUE=${error.max}): server-side copies of tag events dropped`, { dropped: state.dropped })
        state.warnedAt = rt.now()
        state.dropped = 0
      }
      return undefined
    }
    rt.log.error('[tagwarden] [pinterest-capi] could not accept tag events', { event_ids: events.map((e) => e.event_id), reason: (error as Error).message })
    return undefined
  }
}
