// Shared pieces of the delivery tests: scaled-down timings, load, waiting, and the exactly-once check.
import { expect } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import type { DeliveryOptions } from '../../server/delivery/dispatcher'
import type { DeadLetter } from '../../server/delivery/types'
import { createLogger } from '../../server/log'
import type { Deps } from '../../server/runtime'
import type { FakeCapi } from '../fakes/fake-capi'
import { API_KEY, buildApp, liveCapi, postEvents } from '../helpers/build-app'

export const DEST = 'pinterest-capi'
export const GRANTED = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted' }

/**
 * Production timings scaled down so a fault scenario runs in seconds: flush 1 s → 20 ms,
 * request timeout 30 s → 1.5 s, lease 120 s → 4 s, probe 60 s → 200 ms, backoff 1 s..5 min → 20..250 ms,
 * Retry-After honoured up to 1 h → 150 ms. (The timeout stays well above a busy machine's answer time:
 * a timeout after Pinterest processed a batch is the documented at-least-once case.)
 */
export const FAST: Partial<DeliveryOptions> = {
  flushIntervalMs: 20,
  requestTimeoutMs: 1_500,
  leaseMs: 4_000,
  probeIntervalMs: 200,
  backoff: { baseMs: 20, maxMs: 250, maxRetryAfterMs: 150, random: Math.random },
}

/** Only for polling (waitFor) and pacing load: a test waits for a condition, never for time. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function waitFor(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`)
    await sleep(20)
  }
}

export const pageVisit = (event_id: string, over: Record<string, unknown> = {}) => ({
  event_name: 'page_visit',
  event_id,
  user_data: { client_ip_address: '198.51.100.7', client_user_agent: 'Mozilla/5.0 (test)' },
  consent: GRANTED,
  ...over,
})

/** An app sending to the fake with fast timings, its log lines captured. */
export async function liveApp(fake: FakeCapi, env: Record<string, string> = {}, delivery: Partial<DeliveryOptions> = {}, deps: Deps = {}) {
  const logs: string[] = []
  const tw = await buildApp({ ...liveCapi(fake.url), ...env }, { log: createLogger('info', (l) => logs.push(l)), delivery: { ...FAST, ...delivery }, ...deps })
  return { tw, logs }
}

/**
 * POST `n` events in requests of `per`, `parallel` at a time, `gapMs` between rounds (so batches stay
 * small and many requests are made); resolves with the event_ids acknowledged (202, accepted).
 */
export async function load(tw: TagwardenApp, prefix: string, n: number, per = 10, parallel = 4, gapMs = 0): Promise<string[]> {
  const acked: string[] = []
  const chunks = Array.from({ length: Math.ceil(n / per) }, (_, c) => Array.from({ length: Math.min(per, n - c * per) }, (_, i) => `${prefix}-${c * per + i}`))
  for (let i = 0; i < chunks.length; i += parallel) {
    await Promise.all(
      chunks.slice(i, i + parallel).map(async (ids) => {
        const res = await postEvents(tw, { data: ids.map((id) => pageVisit(id)) })
        if (res.status !== 202) return
        const body = (await res.json()) as { events: { event_id: string; status: string }[] }
        for (const e of body.events) if (e.status === 'accepted') acked.push(e.event_id)
      }),
    )
    if (gapMs) await sleep(gapMs)
  }
  return acked
}

/** Accept `n` events (`<prefix>-0…`) in bodies of 500; every one must be answered 202. */
export async function acceptEvents(tw: TagwardenApp, prefix: string, n: number): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < n; i += 500) {
    const batch = Array.from({ length: Math.min(500, n - i) }, (_, k) => `${prefix}-${i + k}`)
    expect((await postEvents(tw, { data: batch.map((id) => pageVisit(id)) })).status).toBe(202)
    ids.push(...batch)
  }
  return ids
}

/** Every acknowledged id reached the fake exactly once, or sits in the dead-letter store with a reason (never both). */
export function expectExactlyOnce(fake: FakeCapi, acked: string[], dead: DeadLetter[] = []): void {
  const counts = new Map<string, number>()
  for (const r of fake.received) counts.set(r.event.event_id, (counts.get(r.event.event_id) ?? 0) + 1)
  const deadIds = new Set(dead.map((d) => d.item.id))
  const twice = [...counts].filter(([, n]) => n > 1)
  expect(twice, 'event_ids delivered more than once').toEqual([])
  const lost = acked.filter((id) => !counts.has(id) && !deadIds.has(id))
  expect(lost, 'acknowledged event_ids neither delivered nor dead-lettered').toEqual([])
  const both = acked.filter((id) => counts.has(id) && deadIds.has(id))
  expect(both, 'event_ids both delivered and dead-lettered').toEqual([])
  for (const d of dead) expect(d.reason).toBeTruthy()
}

/**
 * Nothing more can reach the fake: no event waits in the outbox (queued or leased), no request is in
 * flight at any sender, and the fake has finished with every request it got.
 */
export async function idle(tw: TagwardenApp, fake: Pick<FakeCapi, 'open'>): Promise<boolean> {
  if (fake.open > 0) return false
  if (Object.values(tw.runtime.dispatcher.status()).some((s) => s.in_flight > 0)) return false
  for (const d of tw.runtime.destinations) if ((await tw.runtime.outbox.depth(d.name)) > 0) return false
  return fake.open === 0
}

/** All acked ids are either at the fake or dead-lettered. */
export async function allSettled(tw: TagwardenApp, fake: FakeCapi, acked: string[]): Promise<boolean> {
  const at = new Set(fake.received.map((r) => r.event.event_id))
  const dead = new Set((await tw.runtime.outbox.queue.deadLetters(DEST)).map((d) => d.item.id))
  return acked.every((id) => at.has(id) || dead.has(id))
}

export { API_KEY }
