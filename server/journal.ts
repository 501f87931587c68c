import type { Storage } from 'unstorage'
import type { CanonicalEvent, EventSource } from './event'

/** Per-destination outcome of one event, as the inspector and the dry-run record show it. */
export interface DestinationRecord {
  action: string
  rule: string
  /** queued | duplicate | suppressed | invalid | sent | failed | dry-run | dead */
  state: string
  detail?: string
  /** The wire payload, recorded only in dry-run (hashed identifiers only, never raw PII). */
  payload?: unknown
  at?: number
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
}

export interface Journal {
  add(event: CanonicalEvent, received: number, destinations: Record<string, DestinationRecord>): void
  update(dest: string, eventId: string, patch: Partial<DestinationRecord>): void
  recent(limit?: number): JournalEntry[]
  /** Persist the recent history (called on an interval and at shutdown). */
  save(): Promise<void>
  load(): Promise<void>
}

const KEY = 'journal:recent'

/**
 * A bounded history of recent events with their per-destination decisions and delivery states:
 * the dry-run record now, the inspector's data later. Never grows past `size` entries.
 */
export function createJournal(storage: Storage, size = 500): Journal {
  const entries = new Map<string, JournalEntry>()
  let dirty = false

  function add(event: CanonicalEvent, received: number, destinations: Record<string, DestinationRecord>): void {
    const existing = entries.get(event.event_id)
    if (existing) {
      for (const [d, r] of Object.entries(destinations)) if (!existing.destinations[d] || r.state !== 'duplicate') existing.destinations[d] = { ...existing.destinations[d], ...r }
    } else {
      entries.set(event.event_id, {
        event_id: event.event_id,
        name: event.name,
        source: event.source,
        time: event.time,
        received,
        identifiers: Object.keys(event.user).filter((k) => event.user[k as keyof typeof event.user] !== undefined),
        destinations,
      })
      if (entries.size > size) entries.delete(entries.keys().next().value as string)
    }
    dirty = true
  }

  function update(dest: string, eventId: string, patch: Partial<DestinationRecord>): void {
    const e = entries.get(eventId)
    if (!e) return
    e.destinations[dest] = { ...{ action: 'allow', rule: 'unknown', state: 'queued' }, ...e.destinations[dest], ...patch }
    dirty = true
  }

  const recent = (limit = size) => [...entries.values()].slice(-limit).reverse()

  async function save(): Promise<void> {
    if (!dirty) return
    dirty = false
    await storage.setItem(KEY, [...entries.values()])
  }

  async function load(): Promise<void> {
    const saved = await storage.getItem<JournalEntry[]>(KEY)
    if (Array.isArray(saved)) for (const e of saved.slice(-size)) entries.set(e.event_id, e)
  }

  return { add, update, recent, save, load }
}
