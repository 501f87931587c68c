import type { Storage } from 'unstorage'
import { identifierNames, type CanonicalEvent, type EventSource } from './event'

/** Per-destination outcome of one event, as the inspector and the dry-run record show it. */
export interface DestinationRecord {
  action: string
  rule: string
  /** The consent signal that won for this event (tcf, gpc, hook, default, webhook-no-context, …). */
  consent?: string
  /** queued | duplicate | suppressed | invalid | sent | retrying (with the reason) | dead (dead-lettered, with the reason) | dry-run */
  state: string
  detail?: string
  /** The wire payload, recorded only in dry-run and kept in memory only, for at most JOURNAL_PAYLOAD_TTL_MS: it holds the raw IP, user agent and click id Pinterest would get. */
  payload?: unknown
  at?: number
  /** Names of the identifiers this destination gets after consent (never their values). */
  identifiers?: string[]
  /** Delivery attempts so far. */
  attempts?: number
}

export interface JournalEntry {
  event_id: string
  name: string
  source: EventSource
  time: number
  received: number
  /** Names of the identifiers present (never their values). */
  identifiers: string[]
  destinations: Record<string, DestinationRecord>
  /** Every path this event_id arrived on (tag beacon, loader fallback, webhook, API), first first. */
  sources?: EventSource[]
  /** What happened to the event after it was accepted (an order cancelled or refunded later), oldest first. */
  notes?: string[]
}

export interface Journal {
  /** Record an event (or merge into its entry); under load new events are sampled (see JournalOptions). */
  add(event: CanonicalEvent, received: number, destinations: Record<string, DestinationRecord>): void
  update(dest: string, eventId: string, patch: Partial<DestinationRecord>): void
  /** Add a note to a recorded event (the inspector shows it); false when the event is no longer among the recent ones. */
  note(eventId: string, text: string): boolean
  recent(limit?: number): JournalEntry[]
  /** Changes on every add or update: a cheap freshness token (ETag) for the inspector. */
  version(): number
  /** Drop dry-run payloads older than their TTL, then persist the recent history without payloads (called on an interval, idle or not, and at shutdown). */
  save(): Promise<void>
  load(): Promise<void>
  /** New events not recorded because the sampling budget was spent (since start). */
  skipped(): number
}

export interface JournalOptions {
  /** Entries kept (the newest). Default 500. */
  size?: number
  /** Clock in ms. */
  now?: () => number
  /** New entries recorded per second at most, after a burst of `burst`. Default 500 and 1,000. */
  perSecond?: number
  burst?: number
  /** How long a dry-run payload (raw IP, UA, click id) is kept in memory. Default JOURNAL_PAYLOAD_TTL_MS. */
  payloadTtlMs?: number
}

const KEY = 'journal:recent'
/** Dry-run payloads (raw identifiers) are shown by the inspector for an hour, then dropped from memory; they never reach storage. */
export const JOURNAL_PAYLOAD_TTL_MS = 3_600_000

/**
 * A bounded history of recent events with their per-destination decisions and delivery states:
 * the dry-run record and the inspector's data. Never grows past `size` entries. Under load it is a
 * sample: new entries come from a token bucket (a burst of 1,000, then 500 a second), because at
 * thousands of events a second every entry would be replaced within a fraction of a second anyway,
 * and keeping each one that long measurably costs throughput (≈ 3 µs per event on the bench).
 */
export function createJournal(storage: Storage, options: JournalOptions = {}): Journal {
  const { size = 500, now = Date.now, perSecond = 500, burst = 1000, payloadTtlMs = JOURNAL_PAYLOAD_TTL_MS } = options
  const entries = new Map<string, JournalEntry>()
  /** Entries holding a payload, with when it was recorded (checked on every save: at most `size`). */
  const withPayload = new Map<string, number>()
  let dirty = false
  let version = 0
  let tokens = burst
  let refilled = now()
  let skipped = 0

  /** Take one token for a new entry. */
  function take(): boolean {
    if (tokens < 1) {
      const t = now()
      tokens = Math.min(burst, tokens + ((t - refilled) * perSecond) / 1000)
      refilled = t
      if (tokens < 1) return false
    }
    tokens--
    return true
  }

  function add(event: CanonicalEvent, received: number, destinations: Record<string, DestinationRecord>): void {
    const existing = entries.get(event.event_id)
    if (!existing && !take()) {
      skipped++
      return
    }
    version++
    if (existing) {
      for (const [d, r] of Object.entries(destinations)) if (!existing.destinations[d] || r.state !== 'duplicate') existing.destinations[d] = { ...existing.destinations[d], ...r }
      const sources = (existing.sources ??= [existing.source])
      if (!sources.includes(event.source)) sources.push(event.source)
    } else {
      entries.set(event.event_id, {
        event_id: event.event_id,
        name: event.name,
        source: event.source,
        time: event.time,
        received,
        identifiers: identifierNames(event.user),
        destinations,
        sources: [event.source],
      })
      if (entries.size > size) entries.delete(entries.keys().next().value as string)
    }
    dirty = true
  }

  function update(dest: string, eventId: string, patch: Partial<DestinationRecord>): void {
    const e = entries.get(eventId)
    if (!e) return
    version++
    e.destinations[dest] = { ...{ action: 'allow', rule: 'unknown', state: 'queued' }, ...e.destinations[dest], ...patch }
    if (patch.payload !== undefined) withPayload.set(eventId, now())
    dirty = true
  }

  function note(eventId: string, text: string): boolean {
    const e = entries.get(eventId)
    if (!e) return false
    version++
    e.notes = [...(e.notes ?? []), text].slice(-10)
    dirty = true
    return true
  }

  /** Forget payloads recorded more than the TTL ago (and those of entries no longer kept). */
  function expirePayloads(): void {
    const limit = now() - payloadTtlMs
    for (const [id, at] of withPayload) {
      if (at > limit && entries.has(id)) continue
      withPayload.delete(id)
      const e = entries.get(id)
      if (!e) continue
      const stripped = withoutPayloads(e)
      if (stripped !== e) {
        entries.set(id, stripped)
        version++
      }
    }
  }

  const recent = (limit = size) => [...entries.values()].slice(-limit).reverse()

  async function save(): Promise<void> {
    if (withPayload.size) expirePayloads()
    if (!dirty) return
    dirty = false
    // Dry-run payloads carry the raw IP, user agent and click id Pinterest would get: shown by the
    // admin routes while the process runs, never written to storage.
    await storage.setItem(KEY, [...entries.values()].map(withoutPayloads))
  }

  async function load(): Promise<void> {
    const saved = await storage.getItem<JournalEntry[]>(KEY)
    if (!Array.isArray(saved)) return
    for (const e of saved.slice(-size)) {
      const clean = withoutPayloads(e)
      // A journal saved by an older version may hold payloads: rewritten without them on the next save.
      if (clean !== e) dirty = true
      entries.set(e.event_id, clean)
    }
  }

  return { add, update, note, recent, version: () => version, save, load, skipped: () => skipped }
}

function withoutPayloads(e: JournalEntry): JournalEntry {
  let destinations = e.destinations
  for (const [d, r] of Object.entries(e.destinations)) {
    if (r.payload === undefined) continue
    const { payload: _, ...rest } = r
    destinations = { ...destinations, [d]: rest }
  }
  return destinations === e.destinations ? e : { ...e, destinations }
}

/** States in which a destination's copy of the event exists (made now or earlier, whatever became of it). */
const COPY_MADE = new Set(['queued', 'sent', 'failed', 'dry-run', 'dead', 'retrying', 'forwarded', 'duplicate'])

/**
 * The dedup pair of an event: did the browser tag's beacon reach the proxy (and, when the tag path
 * recorded a `pinterest-tag` outcome, did Pinterest take the forward), and was a CAPI copy made for
 * the same event_id? Pinterest deduplicates the two by event_id; both seen = a covered pair.
 */
export function dedupPair(e: JournalEntry): { tag: boolean; capi: boolean } {
  const tagRec = e.destinations['pinterest-tag']
  const beacon = (e.sources ?? [e.source]).includes('tag')
  const capi = e.destinations['pinterest-capi']
  return {
    tag: tagRec ? tagRec.state === 'sent' || tagRec.state === 'forwarded' : beacon,
    capi: !!capi && COPY_MADE.has(capi.state),
  }
}
