import type { Config } from '../config'
import type { Destination, EventResult } from '../destinations/define-destination'
import type { Journal } from '../journal'
import type { Logger } from '../log'
import type { Outbox, OutboxItem, Segment } from './outbox'

export interface DispatcherDeps {
  config: Config
  outbox: Outbox
  destinations: Destination[]
  fetch: typeof fetch
  journal: Journal
  log: Logger
}

export interface Dispatcher {
  /** Deliver everything waiting now (coalesces concurrent calls). */
  flush(): Promise<void>
  start(intervalMs?: number): void
  stop(): Promise<void>
}

interface Taken { segment: Segment; item: OutboxItem }

/**
 * Sends outbox batches (≤ maxBatch per request) to each destination, reads per-event results,
 * and leaves anything not delivered in the outbox. Without credentials it runs dry-run: each
 * payload is validated and recorded in the journal, never sent.
 */
export function createDispatcher({ config, outbox, destinations, fetch, journal, log }: DispatcherDeps): Dispatcher {
  let running: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined

  async function settle(taken: Taken[], done: Set<OutboxItem>): Promise<void> {
    const bySegment = new Map<Segment, OutboxItem[]>()
    for (const t of taken) if (!bySegment.has(t.segment)) bySegment.set(t.segment, t.segment.items)
    for (const [segment, items] of bySegment) {
      const left = items.filter((i) => !done.has(i))
      if (left.length !== items.length) await outbox.update(segment, left)
    }
  }

  function record(dest: string, item: OutboxItem, result: EventResult) {
    journal.update(dest, item.id, {
      state: result.status === 'processed' ? 'sent' : 'failed',
      detail: result.error ?? result.warning,
      at: Date.now(),
    })
    if (result.status === 'failed') log.warn(`[tagwarden] [${dest}] event rejected by Pinterest`, { event_id: item.id, reason: result.error })
  }

  async function sendBatch(dest: Destination, taken: Taken[]): Promise<boolean> {
    const payloads = taken.map((t) => t.item.payload)
    if (!dest.isLive(config)) {
      for (const t of taken) {
        const problem = dest.validate(t.item.payload)
        journal.update(dest.name, t.item.id, { state: problem ? 'invalid' : 'dry-run', detail: problem, payload: t.item.payload, at: Date.now() })
        log.info(`[tagwarden] [${dest.name}] dry-run`, { event_id: t.item.id, valid: !problem, problem })
      }
      await settle(taken, new Set(taken.map((t) => t.item)))
      return true
    }
    const req = dest.toRequest(payloads, config)
    let status = 0
    let body: unknown
    let headers = new Headers()
    try {
      const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal: AbortSignal.timeout(30_000) })
      status = res.status
      headers = res.headers
      const text = await res.text()
      try { body = JSON.parse(text) } catch { body = text }
    } catch (error) {
      log.warn(`[tagwarden] [${dest.name}] network error, events stay queued`, { reason: (error as Error).message, events: taken.length })
      for (const t of taken) t.item.attempts++
      await settle(taken, new Set())
      return false
    }
    const outcome = dest.fromResponse(status, body, headers, taken.length)
    if (outcome.kind === 'done') {
      outcome.results.forEach((r, i) => record(dest.name, taken[i].item, r))
      await settle(taken, new Set(taken.map((t) => t.item)))
      return true
    }
    log.warn(`[tagwarden] [${dest.name}] ${outcome.reason}; events stay queued`, { events: taken.length, kind: outcome.kind })
    for (const t of taken) {
      t.item.attempts++
      journal.update(dest.name, t.item.id, { state: 'queued', detail: outcome.reason })
    }
    return false
  }

  async function flushDestination(dest: Destination): Promise<void> {
    const segments = await outbox.segments(dest.name)
    let batch: Taken[] = []
    for (const segment of segments) {
      for (const item of segment.items) {
        batch.push({ segment, item })
        if (batch.length === dest.maxBatch) {
          if (!(await sendBatch(dest, batch))) return
          batch = []
        }
      }
    }
    if (batch.length) await sendBatch(dest, batch)
  }

  function flush(): Promise<void> {
    running ??= (async () => {
      try {
        for (const dest of destinations) await flushDestination(dest)
        await journal.save()
      } catch (error) {
        log.error('[tagwarden] [dispatcher] flush failed', { reason: (error as Error).message })
      } finally {
        running = undefined
      }
    })()
    return running
  }

  return {
    flush,
    start(intervalMs = 500) {
      timer ??= setInterval(() => void flush(), intervalMs)
      timer.unref()
    },
    async stop() {
      if (timer) clearInterval(timer)
      timer = undefined
      await running
    },
  }
}
