/** One event waiting for one destination. */
export interface OutboxItem {
  /** The event_id (the idempotency key together with the destination). */
  id: string
  payload: unknown
  /** When it was accepted (ms). */
  at: number
  /** The event's own time (unix seconds): the age limit is measured from it. */
  time?: number
  /** Delivery attempts so far (survives restarts on Redis; restarts at 0 on a local store). */
  attempts: number
}

/** Items leased to one sender; nobody else sends them until they are settled or the lease expires. */
export interface Lease {
  key: string
  token: string
  items: OutboxItem[]
}

/** The last answer (or network error) seen for an event, kept with a dead letter. */
export interface LastResponse { status: number; body?: string; error?: string }

/** An event that will not be retried on its own; `tagwarden dlq replay` puts it back. */
export interface DeadLetter {
  dest: string
  item: OutboxItem
  reason: string
  response?: LastResponse
  /** When it was dead-lettered (ms). */
  deadAt: number
}

/** How one leased segment ends: delivered ids, dead letters, and items to try again later. */
export interface Settlement {
  sent: string[]
  dead: DeadLetter[]
  retry: OutboxItem[]
  /** Earliest time (ms) the retried items may be leased again. */
  notBefore: number
  /**
   * Record the sent and dead ids now and keep the lease (more requests for its items follow):
   * each request's outcome is on storage before the next request, and before the lease can run out.
   */
  keep?: boolean
}

export interface ReplayResult {
  replayed: string[]
  skipped: { id: string; reason: string }[]
}

/**
 * Where the outbox lives. Two implementations share this contract (and one test suite):
 * `createLocalQueue` (any unstorage driver, one process) and `createRedisQueue` (many instances).
 */
export interface QueueStore {
  readonly kind: 'local' | 'redis'
  /**
   * Claim destination + event_id and persist the fresh items, atomically: for each item, true when
   * it is new (and is now queued), false for a repeat. Replay mode accepts an id unless it was sent.
   */
  commit(dest: string, items: OutboxItem[], mode?: 'claim' | 'replay'): Promise<boolean[]>
  /** Lease ready items (≥ maxItems unless fewer wait). `before` = +Infinity ignores retry delays. */
  lease(dest: string, maxItems: number, leaseMs: number, before?: number): Promise<Lease[]>
  /** Extend leases still held; false when one was lost (then do not send). */
  renew(dest: string, leases: Lease[], leaseMs: number): Promise<boolean>
  /** Record outcomes (sent marks first), then release the lease (unless `keep`). Sent and dead marks are written even when the lease was lost: they are facts. */
  settle(dest: string, lease: Lease, outcome: Settlement): Promise<void>
  /** Whether an event_id was already delivered (leases skip those already; for tools and tests). */
  wasSent(dest: string, ids: string[]): Promise<boolean[]>
  /** Shared "do not send before" for a destination (429 Retry-After seen by any instance). */
  hold(dest: string, until: number): Promise<void>
  holdUntil(dest: string): Promise<number>
  depth(dest: string): Promise<number>
  /** The depth without waiting, where the store keeps it in memory (local stores, once loaded); undefined otherwise. */
  knownDepth?(dest: string): number | undefined
  deadLetters(dest: string): Promise<DeadLetter[]>
  /** Move dead letters back into the outbox, keeping their event_id; never one already sent. */
  replay(dest: string, ids: string[] | 'all'): Promise<ReplayResult>
  /** Local stores: finished event_ids forgotten before their 48 h because of the cap on remembered ids (total so far). */
  forgottenEarly?(): number
  close(): Promise<void>
}

/** Idempotency marks: how long an event_id stays remembered after it was sent (≥ 48 h). */
export const SENT_TTL_MS = 48 * 3600 * 1000
