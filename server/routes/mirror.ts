import type { CanonicalEvent } from '../event'
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

/** Accept events into the pipeline (persisted when this resolves); undefined when storage failed (logged). */
export async function ingestAll(rt: Runtime, events: CanonicalEvent[]): Promise<AcceptResult[] | undefined> {
  if (!events.length) return []
  try {
    return await rt.ingest(events)
  } catch (error) {
    rt.log.error('[tagwarden] [pinterest-capi] could not accept tag events', { event_ids: events.map((e) => e.event_id), reason: (error as Error).message })
    return undefined
  }
}
