import { identifierNames, type CanonicalEvent } from './event'
import type { Destination } from './destinations/define-destination'
import type { ConsentPolicy } from './consent'
import type { Outbox } from './delivery/outbox'
import type { DestinationRecord, Journal } from './journal'
import type { Metrics } from './metrics'
import type { ReportRecorder } from './report/recorder'

export interface AcceptResult {
  event_id: string
  /** accepted: queued for at least one destination; duplicate: seen before everywhere; suppressed: consent kept it from every destination. */
  status: 'accepted' | 'duplicate' | 'suppressed'
  destinations: Record<string, DestinationRecord>
}

export interface PipelineDeps {
  policy: ConsentPolicy
  destinations: Destination[]
  outbox: Outbox
  journal: Journal
  now: () => number
  metrics?: Metrics
  /** The reconciliation report's per-day aggregates. */
  report?: ReportRecorder
}

export interface Pipeline {
  /** Consent → per-destination payloads → outbox. Resolves once everything queued is persisted. */
  accept(events: CanonicalEvent[]): Promise<AcceptResult[]>
}

/**
 * The one path every event takes, whichever way it arrived (tag beacon, loader fallback,
 * webhook, API): consent rules per destination, then idempotency by destination + event_id,
 * then the durable outbox.
 */
export function createPipeline({ policy, destinations, outbox, journal, now, metrics, report }: PipelineDeps): Pipeline {
  async function accept(events: CanonicalEvent[]): Promise<AcceptResult[]> {
    const received = now()
    const results: AcceptResult[] = events.map((e) => ({ event_id: e.event_id, status: 'suppressed', destinations: {} }))
    const writes: Promise<void>[] = []

    for (const dest of destinations) {
      const candidates: { i: number; id: string; payload: unknown }[] = []
      // The identifiers this destination may send: what it gets is recorded, not other platforms' ids.
      const declared = new Set<string>([...dest.identifiers.personal, ...dest.identifiers.ids, ...dest.identifiers.network])
      const platform = dest.platform.toLowerCase()
      events.forEach((event, i) => {
        // An event meant for some platforms only (a platform's own pixel call) skips the others.
        if (event.platforms && !event.platforms.includes(platform)) return
        const state = policy.normalize(event.consent)
        const decision = policy.decide(dest.name, state)
        // The winning signal, and where the signals came from when that differs (e.g. "default (webhook-no-context)").
        const from = event.consent?.source
        const consent = from && from !== state.source ? `${state.source} (${from})` : state.source
        const rec: DestinationRecord = { action: decision.action, rule: decision.rule, consent, state: 'suppressed' }
        results[i].destinations[dest.name] = rec
        const applied = policy.apply(dest, event, decision)
        if (!applied) return
        rec.identifiers = identifierNames(applied.user).filter((n) => declared.has(n))
        const payload = dest.toPayload(applied)
        if (payload === undefined) {
          rec.state = 'skipped'
          rec.detail = `${dest.name} has no counterpart for "${event.name}"`
          return
        }
        const problem = dest.validate(payload)
        if (problem) {
          rec.state = 'invalid'
          rec.detail = problem
          return
        }
        candidates.push({ i, id: event.event_id, payload })
      })
      if (!candidates.length) continue
      // One step claims destination + event_id and persists the new ones (group commit): an event is
      // never marked seen without its queued copy, nor queued twice.
      const items = candidates.map((c) => ({ id: c.id, payload: c.payload, at: received, time: events[c.i].time }))
      writes.push(
        outbox.enqueue(dest.name, items).then((fresh) => {
          candidates.forEach((c, k) => (results[c.i].destinations[dest.name].state = fresh[k] ? 'queued' : 'duplicate'))
        }),
      )
    }
    await Promise.all(writes)

    events.forEach((event, i) => {
      const states = Object.values(results[i].destinations).map((d) => d.state)
      results[i].status = states.includes('queued') ? 'accepted' : states.includes('duplicate') ? 'duplicate' : 'suppressed'
      journal.add(event, received, results[i].destinations)
      metrics?.accepted(event.source, results[i].destinations, results[i].status)
      report?.accepted(event, results[i].destinations)
    })
    return results
  }

  return { accept }
}
