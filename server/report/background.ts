import type { Runtime } from '../runtime'
import { silenceCheckMs } from './silence'

/** How often the report's buffered counts are written to storage (a crash loses at most this much of the counts, never events). */
export const REPORT_FLUSH_MS = 5_000

/**
 * The report's background work: write buffered counts every REPORT_FLUSH_MS and check the silence
 * alarm every minute (or half its threshold). Timers do not keep the process alive.
 */
export function createReportBackground(rt: Pick<Runtime, 'report' | 'silence' | 'log'>) {
  const timers: NodeJS.Timeout[] = []
  const flush = () =>
    rt.report.flush().catch((error: Error) => rt.log.warn('[tagwarden] [report] could not write the report counts; retrying', { reason: error.message }))
  return {
    start(): void {
      if (timers.length) return
      timers.push(setInterval(() => void flush(), REPORT_FLUSH_MS))
      if (rt.silence.minutes > 0) timers.push(setInterval(() => void rt.silence.check().catch(() => {}), silenceCheckMs(rt.silence.minutes)))
      for (const t of timers) t.unref()
    },
    /** Stop the timers and write what is buffered. */
    async stop(): Promise<void> {
      for (const t of timers.splice(0)) clearInterval(t)
      await flush()
    },
  }
}
