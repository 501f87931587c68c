import type { Config } from '../config'
import type { Destination } from '../destinations/define-destination'
import type { Logger } from '../log'
import type { Metric, Registry } from '../metrics-registry'
import type { Activity, ReportStore } from './report-store'

/** A destination that stopped delivering. */
export interface Silent {
  destination: string
  /** Since when nothing was delivered (ms): its last delivery, or (never delivered) its first accepted event. */
  since: number
  /** Events were accepted for it after that: delivery is stuck (not just no traffic). */
  accepted_since: boolean
}

export interface SilenceMonitor {
  /** Read the shared activity and update the silent set; logs one line when a silence starts and one when it ends. */
  check(): Promise<void>
  /** Silent destinations as of the last check (sync: for health and metrics). */
  silent(): Silent[]
  /** The alarm's threshold in minutes (0 = off). */
  minutes: number
}

/** How often the server checks (and at most this late an alarm shows): a minute, or half the threshold when shorter. */
export const silenceCheckMs = (minutes: number) => Math.max(10_000, Math.min(60_000, (minutes * 60_000) / 2))

/**
 * The rule (README "Silence alarm"): a live destination (not dry-run) is silent when nothing was
 * delivered to it for `minutes`, and it was receiving before — it delivered at least once (as the
 * shared store remembers), or, never having delivered, events were accepted for it that long ago.
 * Activity is shared through the report store, so with several instances one that delivers nothing
 * itself does not alarm while another delivers.
 */
export function decideSilence(a: Activity, minutes: number, nowMs: number): Omit<Silent, 'destination'> | undefined {
  if (minutes <= 0) return undefined
  const limit = minutes * 60_000
  const since = a.delivered ?? a.firstAccepted
  if (since === undefined || nowMs - since < limit) return undefined
  return { since, accepted_since: a.delivered === undefined || (a.accepted ?? 0) > a.delivered }
}

export interface SilenceDeps {
  config: Config
  destinations: Destination[]
  store: ReportStore
  now: () => number
  log: Logger
}

export function createSilenceMonitor({ config, destinations, store, now, log }: SilenceDeps): SilenceMonitor {
  const minutes = config.silenceAlarmMinutes
  let current = new Map<string, Silent>()
  return {
    minutes,
    async check() {
      if (minutes <= 0) return
      const live = destinations.filter((d) => d.live).map((d) => d.name)
      await store.flush().catch(() => {})
      const activity = await store.readActivity(live)
      const next = new Map<string, Silent>()
      for (const dest of live) {
        const s = decideSilence(activity[dest] ?? {}, minutes, now())
        if (s) next.set(dest, { destination: dest, ...s })
      }
      for (const [dest, s] of next) {
        const was = current.get(dest)
        if (was && was.since === s.since) continue
        log.warn(`[tagwarden] [${dest}] silent: nothing delivered since ${new Date(s.since).toISOString()} (TAGWARDEN_SILENCE_ALARM_MINUTES=${minutes})`, {
          destination: dest,
          since: new Date(s.since).toISOString(),
          cause: s.accepted_since ? 'events accepted but not delivered' : 'no events accepted either',
        })
      }
      for (const [dest, s] of current) {
        if (next.has(dest)) continue
        log.info(`[tagwarden] [${dest}] delivering again after a silence since ${new Date(s.since).toISOString()}`, { destination: dest, since: new Date(s.since).toISOString() })
      }
      current = next
    },
    silent: () => [...current.values()],
  }
}

/** The alarm as text for health alerts: the destination, since when, and what to look at; never upstream text. */
export function silenceAlert(s: Silent, minutes: number): string {
  const cause = s.accepted_since
    ? 'events are accepted for it but none delivered (check its delivery state, credentials and the dead letters)'
    : 'no events accepted for it either (check the storefront snippet, the order webhooks and the pixel)'
  return `[tagwarden] [${s.destination}] silent: nothing delivered since ${new Date(s.since).toISOString()} (more than ${minutes} min); ${cause}`
}

/** `tagwarden_destination_silent{destination}` (1/0) and `tagwarden_destination_silent_seconds{destination}` (since the last delivery). */
export function registerSilenceMetrics(registry: Registry, monitor: SilenceMonitor, destinations: string[], now: () => number): void {
  const each = (value: (s: Silent | undefined) => number) => (g: Metric) => {
    const silent = new Map(monitor.silent().map((s) => [s.destination, s]))
    for (const d of new Set([...destinations, ...silent.keys()])) g.labels(d).set(value(silent.get(d)))
  }
  registry.gauge('tagwarden_destination_silent', '1 while a destination that was delivering has delivered nothing for TAGWARDEN_SILENCE_ALARM_MINUTES.', ['destination'], each((s) => (s ? 1 : 0)))
  registry.gauge('tagwarden_destination_silent_seconds', 'Seconds since a silent destination last delivered (0 when not silent).', ['destination'], each((s) => (s ? Math.max(0, Math.round((now() - s.since) / 1000)) : 0)))
}
