/** Log levels in increasing severity. */
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 } as const
export type LogLevel = keyof typeof LEVELS

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

/** Field names whose values are never written to a log line, at any depth, whatever the caller passes. */
const SECRET_FIELDS = /^(em|ph|fn|ln|ge|db|ct|st|zp|country|email|phone|token|secret|authorization|cookie|set-cookie|password|access_token|api_key|click_id|epik|_epik|_derived_epik|pin_unauth|_pin_unauth|tw_ctx|external_id|hashed_maids|partner_id|ip|client_ip_address|x-forwarded-for|client_user_agent|user_agent|user-agent|user_data)$/i

// Values that must not reach a log line even inside free text (an upstream error message, a reason):
// e-mail addresses, bearer credentials, JWS/JWT (the tw_ctx cookie), Pinterest access tokens (`pina_…`).
const SCRUB: [RegExp, string][] = [
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '<email>'],
  [/\b(Bearer|Basic)\s+[^\s"',;]+/gi, '$1 <redacted>'],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '<jwt>'],
  [/\bpina_[A-Za-z0-9_.-]+/g, '<token>'],
]
const scrub = (s: string) => SCRUB.reduce((t, [re, to]) => t.replace(re, to), s)
const redact = (key: string, value: unknown): unknown =>
  key && SECRET_FIELDS.test(key) ? '<redacted>' : typeof value === 'string' ? scrub(value) : value

/**
 * Structured JSON-lines logger. Known PII and secret field names are redacted at any depth, and
 * e-mail addresses, bearer credentials, JWTs and Pinterest tokens are scrubbed from every string.
 * @example createLogger('info').warn('[tagwarden] [pinterest-capi] paused', { status: 401 })
 */
export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Logger {
  const min = LEVELS[level]
  const emit = (lvl: Exclude<LogLevel, 'silent'>) => (msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] < min) return
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields }, redact))
  }
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') }
}
