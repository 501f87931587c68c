/** Log levels in increasing severity. */
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 } as const
export type LogLevel = keyof typeof LEVELS

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

/** Field names whose values are never written to a log line, whatever the caller passes. */
const SECRET_FIELDS = /^(em|ph|fn|ln|ge|db|ct|st|zp|country|email|phone|token|secret|authorization|cookie|password|access_token|click_id|epik)$/i

/**
 * Structured JSON-lines logger. Known PII and secret field names are redacted at the source.
 * @example createLogger('info').warn('[tagwarden] [pinterest-capi] paused', { status: 401 })
 */
export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Logger {
  const min = LEVELS[level]
  const emit = (lvl: Exclude<LogLevel, 'silent'>) => (msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] < min) return
    const safe: Record<string, unknown> = {}
    if (fields) for (const [k, v] of Object.entries(fields)) safe[k] = SECRET_FIELDS.test(k) ? '<redacted>' : v
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...safe }))
  }
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') }
}
