import { setFlagsFromString } from 'node:v8'
import { z } from 'zod'
import { ConfigError } from './config'

/**
 * How far V8 lets the old generation grow past what survived the last full GC, in percent, for
 * `tagwarden serve`. V8's own factor rises to 4× under a high allocation rate, which held 1,000-event
 * bodies at 310–390 MiB RSS for a live set near 60 MB; 50 % kept them at 210–263 MiB over 10 M
 * events, for about 10 µs more CPU per event (46–60 against 35–51) (README "Soak: 10 M events"). 0 leaves V8's own factor.
 */
export const DEFAULT_HEAP_GROWING_PERCENT = 50

const schema = z.coerce
  .number({ error: 'TAGWARDEN_HEAP_GROWING_PERCENT must be a number' })
  .int('TAGWARDEN_HEAP_GROWING_PERCENT must be a whole number')
  .min(0, 'TAGWARDEN_HEAP_GROWING_PERCENT must be 0–300 (0 = V8 decides)')
  .max(300, 'TAGWARDEN_HEAP_GROWING_PERCENT must be 0–300 (0 = V8 decides)')
  .default(DEFAULT_HEAP_GROWING_PERCENT)

/**
 * Apply `TAGWARDEN_HEAP_GROWING_PERCENT` (default 50) to this process, unless node was started with
 * its own `--heap-growing-percent` (that flag wins). Returns the percent applied, or undefined.
 * @example applyHeapGrowth(process.env, process.execArgv) // 50
 */
export function applyHeapGrowth(env: Record<string, string | undefined>, execArgv: readonly string[], setFlags: (flags: string) => void = setFlagsFromString): number | undefined {
  const r = schema.safeParse(env.TAGWARDEN_HEAP_GROWING_PERCENT?.trim() || undefined)
  if (!r.success) throw new ConfigError(r.error.issues.map((i) => i.message))
  const own = [...execArgv, env.NODE_OPTIONS ?? ''].some((a) => /--heap[-_]growing[-_]percent/.test(a))
  if (own || r.data === 0) return undefined
  setFlags(`--heap-growing-percent=${r.data}`)
  return r.data
}
