import type { Runtime } from './runtime'
import { silenceAlert } from './report/silence'

/** Delivery states that are no trouble: sending, or dry-run by configuration. Any other state degrades health. */
const HEALTHY_STATES = new Set(['ok', 'dry-run'])

/** A delivery problem as a bounded word, so health never carries text an upstream sent (tokens, e-mails). */
export type ReasonClass = 'auth' | 'not-found' | 'rate-limited' | 'upstream-5xx' | 'rejected' | 'timeout' | 'network' | 'unreadable-answer' | 'shutdown' | 'too-old' | 'other'

/** Reasons the delivery core already writes as a bounded word (a waiting destination's WaitReason). */
const WORDS = new Set<string>(['rate-limited', 'upstream-5xx', 'timeout', 'network', 'unreadable-answer'])
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

/**
 * Classify a delivery reason. The reasons the delivery core writes start with the HTTP status
 * (`401 from Pinterest: …`, destinations' `fromResponse`) or name the network failure (`no answer
 * within 30 s`, `network error: …`, post-batch.ts); anything else is `other`.
 * @example classifyReason('401 from Pinterest: Authentication failed for token pina_…') // 'auth'
 */
export function classifyReason(reason: string | undefined, status?: number): ReasonClass | undefined {
  if (reason === undefined && status === undefined) return undefined
  if (reason !== undefined && WORDS.has(reason)) return reason as ReasonClass
  const code = status ?? Number(/^(\d{3}) from /.exec(reason ?? '')?.[1] ?? 0)
  if (code === 401 || code === 403) return 'auth'
  if (code === 404) return 'not-found'
  if (code === 429) return 'rate-limited'
  if (code >= 500 && code < 600) return 'upstream-5xx'
  if (code >= 400 && code < 500) return 'rejected'
  const r = reason ?? ''
  if (/^no answer within/.test(r)) return 'timeout'
  if (/^network error/.test(r)) return 'network'
  if (/aborted at shutdown/.test(r)) return 'shutdown'
  if (/older than/.test(r)) return 'too-old'
  return 'other'
}

/**
 * One destination's delivery status as health shows it: the state, the reason classified, and the
 * numbers (times, counters) as they are. Strings other than the state are never copied, so a state
 * or field the delivery core adds later shows up without carrying upstream text.
 */
export function renderDelivery(status: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { state: status.state }
  for (const [k, v] of Object.entries(status)) {
    if (typeof v === 'number') out[k] = v
    else if ((k === 'since' || k === 'until') && typeof v === 'string' && ISO_TIME.test(v)) out[k] = v
    else if (k === 'counts' && v && typeof v === 'object') out[k] = v
  }
  const reason = classifyReason(typeof status.reason === 'string' ? status.reason : undefined, typeof status.http_status === 'number' ? status.http_status : undefined)
  if (reason) out.reason = reason
  return out
}

/** `ok`, or `degraded` when storage is down or any destination is in a state other than ok / dry-run. */
export function healthStatus(rt: Pick<Runtime, 'storeHealth' | 'dispatcher'> & Partial<Pick<Runtime, 'silence'>>): 'ok' | 'degraded' {
  if (rt.storeHealth.state().state !== 'ok') return 'degraded'
  if (rt.silence?.silent().length) return 'degraded'
  return Object.values(rt.dispatcher.status()).every((s) => HEALTHY_STATES.has(s.state)) ? 'ok' : 'degraded'
}

/**
 * The detailed health (admin): storage and its state, dry-run, events waiting per destination
 * (skipped while storage is down: reading them would wait for it), delivery states, and alerts
 * naming each dependency that is down.
 */
export async function healthDetails(rt: Pick<Runtime, 'config' | 'store' | 'storeHealth' | 'dispatcher' | 'destinations' | 'outbox' | 'silence'>): Promise<Record<string, unknown>> {
  const store = rt.storeHealth.state()
  const delivery: Record<string, Record<string, unknown>> = {}
  for (const [name, s] of Object.entries(rt.dispatcher.status())) delivery[name] = renderDelivery(s as unknown as Record<string, unknown>)
  const outbox: Record<string, number | null> = {}
  for (const d of rt.destinations) outbox[d.name] = store.state === 'ok' ? await rt.outbox.depth(d.name).catch(() => null) : null
  const alerts: string[] = []
  if (store.state !== 'ok') alerts.push(`[tagwarden] storage (${rt.store.kind}) ${store.reason === 'unreachable' ? 'is unreachable' : 'failed a write'}: /v1/events and webhooks answer 503, beacons are forwarded without their server-side copy`)
  for (const [name, s] of Object.entries(delivery)) {
    if (!HEALTHY_STATES.has(String(s.state))) alerts.push(`[tagwarden] [${name}] ${String(s.state)}${s.reason ? `: ${String(s.reason)}` : ''}${s.until ? ` until ${String(s.until)}` : ''}`)
  }
  const silent = rt.silence.silent()
  for (const s of silent) alerts.push(silenceAlert(s, rt.silence.minutes))
  return {
    status: alerts.length ? 'degraded' : 'ok',
    storage: { kind: rt.store.kind, ...store },
    dry_run: rt.config.dryRun,
    outbox,
    delivery,
    silence: { minutes: rt.silence.minutes, silent: Object.fromEntries(silent.map((s) => [s.destination, { since: new Date(s.since).toISOString(), accepted_since: s.accepted_since }])) },
    ...(alerts.length ? { alerts } : {}),
  }
}
