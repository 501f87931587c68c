import type { Logger } from '../log'

export interface PauseOptions {
  dest: string
  /** The platform's name, the settings to fix and what each refusal status means (the destination's `credentials`). */
  platform: string
  help: { settings: string; refused?: Record<number, string> }
  /** Identity of the credentials in use (compared, never logged). */
  credentials: () => string
  now: () => number
  log: Logger
  probeIntervalMs: number
}

/**
 * The 401/403 pause of one destination: events are kept, ONE alert is logged per pause, and sending
 * resumes when the credentials change or a probe (one event per interval) is accepted.
 * @example const p = createPause({ dest: 'pinterest-capi', credentials, now, log, probeIntervalMs: 60_000 })
 */
export function createPause({ dest, platform, help, credentials, now, log, probeIntervalMs }: PauseOptions) {
  let paused: { reason: string; since: number; credentials: string; nextProbe: number } | undefined

  return {
    pause(status: number, reason: string): void {
      if (paused) return
      paused = { reason, since: now(), credentials: credentials(), nextProbe: now() + probeIntervalMs }
      log.error(`[tagwarden] [${dest}] ${status} from ${platform}: ${help.refused?.[status] ?? 'credentials refused'} — destination paused`, {
        detail: reason,
        action: `events are kept; fix ${help.settings} — sending resumes when the credentials change or a probe succeeds`,
      })
    },
    /** go: not paused (or credentials changed); probe: send one event to test; wait: stay paused. */
    gate(): 'go' | 'probe' | 'wait' {
      if (!paused) return 'go'
      if (credentials() !== paused.credentials) {
        log.info(`[tagwarden] [${dest}] credentials changed — destination resumed`)
        paused = undefined
        return 'go'
      }
      if (now() < paused.nextProbe) return 'wait'
      paused.nextProbe = now() + probeIntervalMs
      return 'probe'
    },
    probeSucceeded(): void {
      if (!paused) return
      log.info(`[tagwarden] [${dest}] probe succeeded — destination resumed`)
      paused = undefined
    },
    state: () => (paused ? { reason: paused.reason, since: paused.since } : undefined),
  }
}
