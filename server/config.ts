import { z } from 'zod'
import { parseConsentConfig, type ConsentConfig, type ConsentSettings } from './consent/config'
import { parseTrustedProxies, type TrustedProxies } from './proxy/trusted-proxies'
import { consentSubjects, destinationsFromEnv, drivers, type AnyDestination } from './destinations'

/** Thrown when configuration is invalid; `problems` lists every issue, one per line. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`[tagwarden] invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

export interface SigningKey { kid: string; secret: string }
export type StorageSpec = { kind: 'fs'; dir: string } | { kind: 'memory' } | { kind: 'redis'; url: string }

/** A whole number in [min, max]; messages read on from the setting's name ("… must be between 1 and 64"). */
const int = (min: number, max: number, unit = '', range = `between ${min} and ${max}`) =>
  z
    .number({ error: `must be a number${unit}` })
    .int(`must be a whole number${unit}`)
    .min(min, `must be ${range}`)
    .max(max, `must be ${range}`)

/** `rateLimit` as text: `600/min` (requests per IP per s, min or hour). */
const RATE_UNITS: Record<string, number> = { s: 1_000, sec: 1_000, second: 1_000, m: 60_000, min: 60_000, minute: 60_000, h: 3_600_000, hour: 3_600_000 }
const RATE_MESSAGE = 'must look like 600/min: a whole number of requests (1–1,000,000) per IP per s, min or hour; unset = no limit'
const rateLimit = z.unknown().transform((v, ctx): { max: number; windowMs: number } => {
  let r: { max: number; windowMs: number } | undefined
  if (typeof v === 'string' && /^\s*\d{1,7}\s*\/\s*(s|sec|second|m|min|minute|h|hour)\s*$/i.test(v)) {
    const [n, unit] = v.split('/').map((x) => x.trim().toLowerCase())
    r = { max: Number(n), windowMs: RATE_UNITS[unit] }
  } else if (v && typeof v === 'object' && Object.keys(v).every((k) => k === 'max' || k === 'windowMs')) {
    const { max, windowMs } = v as { max?: unknown; windowMs?: unknown }
    if (typeof max === 'number' && typeof windowMs === 'number' && Number.isInteger(windowMs) && windowMs >= 1_000) r = { max, windowMs }
  }
  if (!r || !Number.isInteger(r.max) || r.max < 1 || r.max > 1_000_000) {
    ctx.addIssue({ code: 'custom', message: RATE_MESSAGE })
    return z.NEVER
  }
  return r
})

const headerName = (example: string) =>
  z.string().regex(/^[A-Za-z0-9-]{1,64}$/, `must be a header name like ${example}`).transform((h) => h.toLowerCase())

/**
 * tagwarden's options: the one source of their rules and defaults. `createTagwarden(options)` takes
 * them typed; `parseConfig(env)` reads the same options from environment variables (ENV below).
 * Destinations carry their own options (destinations/).
 */
export const optionsSchema = z
  .object({
    /** Production: the secret is required, admin routes are off without a token, keyless dev conveniences are off. */
    production: z.boolean().default(false),
    /** Route prefix. */
    prefix: z.string().regex(/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/, 'must look like /tw (leading slash, no trailing slash)').default('/tw'),
    /** Cookie signing keys: `kid:secret` strings or `{ kid, secret }` (≥ 32 characters); the first signs, all verify. */
    secrets: z.array(z.union([z.string(), z.object({ kid: z.string(), secret: z.string() }).strict()])).default([]),
    /** `fs:<dir>`, `memory:`, `redis://…`, `redis+sentinel://…`, or the parsed form. */
    storage: z.union([z.string(), z.object({ kind: z.enum(['fs', 'memory', 'redis']), dir: z.string().optional(), url: z.string().optional() }).strict()]).default('fs:.data'),
    /** Keys (≥ 16 characters) for `POST /v1/events`. */
    apiKeys: z.array(z.string().min(16, 'every key must be at least 16 characters')).default([]),
    adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
    metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
    defaultConsent: z.enum(['granted', 'denied'], { error: 'must be "granted" or "denied"' }).default('denied'),
    eventIdTemplate: z.string().refine((t) => t.includes('{order_id}'), 'must contain {order_id}').default('ord_{order_id}'),
    logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent'], { error: 'must be debug, info, warn, error or silent' }).default('info'),
    delivery: z
      .object({
        maxEventAgeDays: int(1, 90, ' of days').default(7),
        maxInFlight: int(1, 64).default(4),
        flushIntervalMs: int(10, 1000, ' of milliseconds').default(1000),
        maxQueue: int(1, 100_000_000, ' of events', 'between 1 and 100000000 events waiting per destination').default(1_000_000),
        idempotencyMaxIds: int(1000, 100_000_000, ' of event_ids', 'between 1000 and 100000000 (≈ 100 bytes each)').default(2_000_000),
        backoffMaxS: int(1, 3600, ' of seconds', 'between 1 and 3600 seconds').default(60),
        retryAfterMaxS: int(1, 86_400, ' of seconds', 'between 1 and 86400 seconds').default(300),
        redisWaitReplicas: int(0, 5, ' of replicas').default(0),
      })
      .strict()
      .prefault({}),
    /** A live destination that delivered before and then delivers nothing this long turns health degraded (server/report/silence.ts); 0 = off. */
    silenceAlarmMinutes: int(0, 10_080, ' of minutes', 'between 0 (off) and 10080 minutes (7 days)').default(60),
    onetrustGroup: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be a OneTrust group id like C0004').default('C0004'),
    countryHeader: headerName('cf-ipcountry').optional(),
    rateLimit: rateLimit.optional(),
    /** `loopback`, `private`, IPs/CIDRs (comma-separated or a list), or a hop count. */
    trustedProxies: z.union([z.string(), z.array(z.string()), z.number().int()]).optional(),
    clientIpHeader: headerName('x-forwarded-for, forwarded or x-real-ip').default('x-forwarded-for'),
    allowedOrigins: z.array(z.string()).default([]),
    /** Serve the demo storefront at /demo/ (default: on in dry-run). */
    demo: z.boolean({ error: 'must be true or false' }).optional(),
    webhooks: z
      .object({
        shopifySecret: z.string().min(8, 'looks too short').optional(),
        woocommerceSecret: z.string().min(8, 'looks too short').optional(),
        shopifyPurchaseTopic: z.enum(['orders/paid', 'orders/create'], { error: 'must be "orders/paid" or "orders/create"' }).default('orders/paid'),
        orderValue: z.enum(['subtotal', 'total'], { error: 'must be "subtotal" (after discounts, before tax and shipping) or "total"' }).default('subtotal'),
        contentId: z.enum(['sku', 'product_id', 'variant_id'], { error: 'must be "sku", "product_id" or "variant_id" (the id your catalog feed uses)' }).default('product_id'),
      })
      .strict()
      .prefault({}),
    /** The Shopify custom pixel's route (docs/shopify-web-pixels.md): public keys (first printed; none = derived from the secrets) and its per-IP limit. */
    shopifyPixel: z
      .object({
        keys: z.array(z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'every key must be 16–128 letters, digits, _ or -')).default([]),
        rateLimit: z.union([z.literal('off'), rateLimit]).default({ max: 300, windowMs: 60_000 }),
      })
      .strict()
      .prefault({}),
    /** The consent section (regions, rules): the config file's syntax. */
    consent: z.unknown().optional(),
    /** Destination instances (`pinterestCapi({ … })`, …). Default: every destination that is on without options (Pinterest, dry-run). */
    destinations: z.array(z.custom<AnyDestination>((d) => !!d && typeof d === 'object' && 'kind' in d && 'name' in d, 'must be destinations built by their drivers, e.g. pinterestCapi({ … })')).optional(),
    /** Extra sections of the JSON config file (validated by their owners). */
    file: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()

/** tagwarden's typed options (`createTagwarden`). */
export type TagwardenOptions = z.input<typeof optionsSchema>

/** Option path → the environment variable it is read from, and how its text converts. */
const ENV: Record<string, readonly [string, 'string' | 'number' | 'boolean' | 'list']> = {
  prefix: ['TAGWARDEN_PREFIX', 'string'],
  secrets: ['TAGWARDEN_SECRET', 'list'],
  storage: ['TAGWARDEN_STORAGE', 'string'],
  apiKeys: ['TAGWARDEN_API_KEYS', 'list'],
  adminToken: ['TAGWARDEN_ADMIN_TOKEN', 'string'],
  metricsToken: ['TAGWARDEN_METRICS_TOKEN', 'string'],
  defaultConsent: ['TAGWARDEN_DEFAULT_CONSENT', 'string'],
  eventIdTemplate: ['TAGWARDEN_EVENT_ID_TEMPLATE', 'string'],
  logLevel: ['TAGWARDEN_LOG_LEVEL', 'string'],
  'delivery.maxEventAgeDays': ['TAGWARDEN_MAX_EVENT_AGE_DAYS', 'number'],
  'delivery.maxInFlight': ['TAGWARDEN_MAX_IN_FLIGHT', 'number'],
  'delivery.flushIntervalMs': ['TAGWARDEN_FLUSH_INTERVAL_MS', 'number'],
  'delivery.maxQueue': ['TAGWARDEN_MAX_QUEUE', 'number'],
  'delivery.idempotencyMaxIds': ['TAGWARDEN_IDEMPOTENCY_MAX_IDS', 'number'],
  'delivery.backoffMaxS': ['TAGWARDEN_BACKOFF_MAX_S', 'number'],
  'delivery.retryAfterMaxS': ['TAGWARDEN_RETRY_AFTER_MAX_S', 'number'],
  'delivery.redisWaitReplicas': ['TAGWARDEN_REDIS_WAIT_REPLICAS', 'number'],
  silenceAlarmMinutes: ['TAGWARDEN_SILENCE_ALARM_MINUTES', 'number'],
  onetrustGroup: ['TAGWARDEN_ONETRUST_GROUP', 'string'],
  countryHeader: ['TAGWARDEN_COUNTRY_HEADER', 'string'],
  rateLimit: ['TAGWARDEN_RATE_LIMIT', 'string'],
  trustedProxies: ['TAGWARDEN_TRUSTED_PROXIES', 'string'],
  clientIpHeader: ['TAGWARDEN_CLIENT_IP_HEADER', 'string'],
  allowedOrigins: ['TAGWARDEN_ALLOWED_ORIGINS', 'list'],
  demo: ['TAGWARDEN_DEMO', 'boolean'],
  'shopifyPixel.keys': ['TAGWARDEN_SHOPIFY_PIXEL_KEY', 'list'],
  'shopifyPixel.rateLimit': ['TAGWARDEN_SHOPIFY_PIXEL_RATE_LIMIT', 'string'],
  'webhooks.shopifySecret': ['SHOPIFY_WEBHOOK_SECRET', 'string'],
  'webhooks.woocommerceSecret': ['WOOCOMMERCE_WEBHOOK_SECRET', 'string'],
  'webhooks.shopifyPurchaseTopic': ['SHOPIFY_PURCHASE_TOPIC', 'string'],
  'webhooks.orderValue': ['TAGWARDEN_ORDER_VALUE', 'string'],
  'webhooks.contentId': ['TAGWARDEN_CONTENT_ID', 'string'],
}

export interface Config {
  production: boolean
  prefix: string
  /** Signing keys for tw_ctx; the first signs, all verify. Empty → generated in development. */
  secrets: SigningKey[]
  storage: StorageSpec
  apiKeys: string[]
  adminToken?: string
  defaultConsent: 'granted' | 'denied'
  eventIdTemplate: string
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent'
  /** Outbox delivery (README "Delivery guarantees"). */
  delivery: {
    /** Events older than this are dead-lettered, not retried (platforms refuse old events). */
    maxEventAgeDays: number
    /** Requests in flight at once per destination, per instance. */
    maxInFlight: number
    /** A partial batch waits at most this long before it is sent. */
    flushIntervalMs: number
    /** Events waiting per destination beyond which new events are refused (503); local and Redis outboxes. */
    maxQueue: number
    /** Local outbox: at most this many delivered/dead event_ids remembered; the oldest are forgotten early beyond it. */
    idempotencyMaxIds: number
    /** Longest wait between tries while requests fail (a one-event probe at least this often). */
    backoffMaxS: number
    /** Longest Retry-After honoured; a longer one is capped to this. */
    retryAfterMaxS: number
    /** Redis: an event is acknowledged only once this many replicas have it (WAIT), so a failover cannot lose it. */
    redisWaitReplicas: number
  }
  /** A live destination that delivered before and then delivers nothing this long turns health degraded (server/report/silence.ts); 0 = off. */
  silenceAlarmMinutes: number
  /** OneTrust group id meaning "targeting/marketing", inlined into the loader. */
  onetrustGroup: string
  /** Request header carrying the shopper's ISO country (set by your CDN, e.g. cf-ipcountry); unset = none trusted. */
  countryHeader?: string
  /** Per-IP token bucket on the public routes (`/ctx`, `/e`, `/pin/ct/*`): `max` requests per `windowMs`; unset = off. */
  rateLimit?: { max: number; windowMs: number }
  /** Peers whose forwarding header names the client (TAGWARDEN_TRUSTED_PROXIES); none = the TCP peer is the client. */
  trustedProxies: TrustedProxies
  /** The header a trusted proxy names the client in (TAGWARDEN_CLIENT_IP_HEADER), lowercase. */
  clientIpHeader: string
  /** Origins besides the shop's own host allowed to post to `/ctx` and `/e` (TAGWARDEN_ALLOWED_ORIGINS). */
  allowedOrigins: string[]
  /** A token that reads `/_/metrics` only (TAGWARDEN_METRICS_TOKEN): for a scraper that must not see events. */
  metricsToken?: string
  /** Serve the demo storefront at /demo/ (default: on in dry-run). */
  demo: boolean
  /** The destinations, each built from its own options (destinations/); batch ones in dispatch order. */
  destinations: AnyDestination[]
  /** No destination really sends (none has credentials): payloads are built, validated and recorded only. */
  dryRun: boolean
  webhooks: {
    shopifySecret?: string
    woocommerceSecret?: string
    /** The Shopify topic that counts as the purchase. */
    shopifyPurchaseTopic: 'orders/paid' | 'orders/create'
    /** Order value sent: `subtotal` = after discounts, before tax and shipping (Pinterest's advice); `total` = what was charged. */
    orderValue: 'subtotal' | 'total'
    /** Which product identifier becomes `content_ids` / `contents[].id` (match the catalog feed). */
    contentId: 'sku' | 'product_id' | 'variant_id'
  }
  /** The Shopify custom pixel's route (docs/shopify-web-pixels.md): public keys (first printed; empty = derived from TAGWARDEN_SECRET) and its per-IP limit (undefined = off). */
  shopifyPixel: { keys: string[]; rateLimit?: { max: number; windowMs: number } }
  /** The `consent` section of the config file (regions, rules), validated; `declared`: what configured destinations of no registered driver need. */
  consent: ConsentSettings
  /** Extra sections from the optional JSON config file (validated by their owners). */
  file: Record<string, unknown>
}

function parseSecrets(entries: readonly (string | SigningKey)[], problems: string[]): SigningKey[] {
  const keys: SigningKey[] = []
  for (const part of entries) {
    let key: SigningKey
    if (typeof part === 'string') {
      const i = part.indexOf(':')
      key = i > 0 ? { kid: part.slice(0, i), secret: part.slice(i + 1) } : { kid: 'k1', secret: part }
    } else key = part
    if (!/^[A-Za-z0-9._-]{1,32}$/.test(key.kid)) problems.push(`TAGWARDEN_SECRET: key id "${key.kid}" must be 1–32 letters, digits, . _ -`)
    else if (key.secret.length < 32) problems.push(`TAGWARDEN_SECRET: the secret for key "${key.kid}" must be at least 32 characters`)
    else if (keys.some((k) => k.kid === key.kid)) problems.push(`TAGWARDEN_SECRET: key id "${key.kid}" is used twice`)
    else keys.push(key)
  }
  return keys
}

function parseStorage(spec: string | { kind: string; dir?: string; url?: string }, problems: string[]): StorageSpec {
  if (typeof spec !== 'string') {
    if (spec.kind === 'memory') return { kind: 'memory' }
    if (spec.kind === 'fs' && spec.dir) return { kind: 'fs', dir: spec.dir }
    if (spec.kind === 'redis' && spec.url) return parseStorage(spec.url, problems)
    problems.push('TAGWARDEN_STORAGE must be { kind: "memory" }, { kind: "fs", dir } or { kind: "redis", url }')
    return { kind: 'memory' }
  }
  const raw = spec
  if (raw === 'memory:' || raw === 'memory') return { kind: 'memory' }
  if (raw.startsWith('fs:') && raw.length > 3) return { kind: 'fs', dir: raw.slice(3) }
  if (/^rediss?:\/\/./.test(raw)) return { kind: 'redis', url: raw }
  if (/^redis\+sentinel:\/\/([^@/]*@)?[^/@]+:\d+(,[^/,]+:\d+)*\/[^/?#]+(\/\d{1,2})?$/.test(raw)) return { kind: 'redis', url: raw }
  if (raw.startsWith('redis+sentinel:')) {
    problems.push('TAGWARDEN_STORAGE: a Sentinel URL looks like redis+sentinel://[:password@]host:26379[,host2:26379]/<master name>[/<db>]')
    return { kind: 'memory' }
  }
  problems.push(`TAGWARDEN_STORAGE must be fs:<dir>, memory:, redis://… or redis+sentinel://…, got "${raw.replace(/\/\/[^@/]*@/, '//<credentials>@').slice(0, 80)}"`)
  return { kind: 'memory' }
}

/** Allowed origins: `https://host[:port]` origins, nothing else (no path, no wildcard). */
function parseOrigins(entries: readonly string[], problems: string[]): string[] {
  const origins: string[] = []
  for (const entry of entries) {
    let url: URL | undefined
    try {
      url = new URL(entry)
    } catch {
      url = undefined
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.pathname !== '/' || url.search || url.hash || url.username || entry.includes('*')) {
      problems.push(`TAGWARDEN_ALLOWED_ORIGINS: "${entry.slice(0, 80)}" must be an origin like https://shop.example (scheme and host, no path)`)
    } else origins.push(url.origin)
  }
  return origins
}

/** zod issues → one line each, the setting named as `name(path)` says; our messages read on from the name. */
function describeIssues(issues: readonly z.core.$ZodIssue[], name: (path: string) => string): string[] {
  return issues.map((issue) => {
    const path = issue.path.filter((p) => typeof p !== 'number').join('.')
    const text = issue.code === 'unrecognized_keys' ? `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` : issue.message
    if (!path) return text
    // "TAGWARDEN_PREFIX must look like …"; an element of a list: "TAGWARDEN_API_KEYS: every key must …".
    const readsOn = /^[a-z]/.test(text) && issue.code !== 'unrecognized_keys' && !issue.path.some((p) => typeof p === 'number')
    return readsOn ? `${name(path)} ${text}` : `${name(path)}: ${text}`
  })
}

/** Typed-option names in messages: the custom checks name environment variables; say the option instead. */
const ENV_TO_OPTION = Object.fromEntries(Object.entries(ENV).map(([option, [env]]) => [env, option]))
const optionNames = (problems: string[]) => problems.map((p) => p.replace(/^[A-Z][A-Z0-9_]+/, (env) => ENV_TO_OPTION[env] ?? env))

/**
 * Validate options and resolve them into the Config the app runs on. `names` says how a setting
 * is called in problems (option paths for typed options, variables for the environment).
 */
function resolve(input: Record<string, unknown>, source: 'options' | 'env', extraProblems: string[] = []): Config {
  const problems: string[] = []
  const name = source === 'env' ? (path: string) => ENV[path]?.[0] ?? path : (path: string) => path
  let parsed = optionsSchema.safeParse(input)
  if (!parsed.success) {
    problems.push(...describeIssues(parsed.error.issues, name))
    // Read on without the bad values (their defaults stand in) so that the checks below report
    // their problems in the same message.
    const bad = new Set(parsed.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' && !i.path.length ? i.keys : [String(i.path[0])])))
    const rest = Object.fromEntries(Object.entries(input).filter(([k]) => !bad.has(k)))
    for (const group of ['delivery', 'webhooks', 'shopifyPixel'] as const) {
      if (!bad.has(group) || typeof input[group] !== 'object' || !input[group]) continue
      const badKeys = new Set(parsed.error.issues.filter((i) => i.path[0] === group).map((i) => String(i.path[1])))
      rest[group] = Object.fromEntries(Object.entries(input[group] as object).filter(([k]) => !badKeys.has(k)))
    }
    parsed = optionsSchema.safeParse(rest)
    if (!parsed.success) throw new ConfigError(problems)
  }
  const o = parsed.data
  const own: string[] = []
  const secrets = parseSecrets(o.secrets, own)
  if (o.production && !secrets.length && !own.some((p) => p.startsWith('TAGWARDEN_SECRET'))) {
    own.push('TAGWARDEN_SECRET is required when NODE_ENV=production (format kid:secret[,kid2:secret2], ≥ 32 characters each)')
  }
  const storage = parseStorage(o.storage, own)
  const trustedProxies = parseTrustedProxies(Array.isArray(o.trustedProxies) ? o.trustedProxies.join(',') : o.trustedProxies === undefined ? undefined : String(o.trustedProxies), own)
  const allowedOrigins = parseOrigins(o.allowedOrigins, own)
  let consent: ConsentConfig = {}
  try {
    consent = parseConsentConfig(o.consent ?? o.file.consent)
  } catch (error) {
    own.push(...(error as Error).message.split('\n').slice(1).map((l) => `TAGWARDEN_CONFIG ${l.trim()}`))
  }
  problems.push(...(source === 'env' ? own : optionNames(own)), ...extraProblems)
  if (problems.length) throw new ConfigError([...new Set(problems)])
  const destinations = o.destinations ?? drivers.filter((d) => d.onByDefault).map((d) => d())
  const dryRun = !destinations.some((d) => d.kind === 'batch' && d.live)
  // An embedder's own destination brings its consent declaration with it (registered ones are known).
  const declared = consentSubjects(destinations)
  return {
    production: o.production,
    prefix: o.prefix,
    secrets,
    storage,
    apiKeys: o.apiKeys,
    adminToken: o.adminToken,
    defaultConsent: o.defaultConsent,
    eventIdTemplate: o.eventIdTemplate,
    logLevel: o.logLevel,
    delivery: o.delivery,
    silenceAlarmMinutes: o.silenceAlarmMinutes,
    onetrustGroup: o.onetrustGroup,
    countryHeader: o.countryHeader,
    rateLimit: o.rateLimit,
    trustedProxies,
    clientIpHeader: o.clientIpHeader,
    allowedOrigins,
    metricsToken: o.metricsToken,
    demo: o.demo ?? dryRun,
    destinations,
    dryRun,
    webhooks: o.webhooks,
    shopifyPixel: { keys: o.shopifyPixel.keys, rateLimit: o.shopifyPixel.rateLimit === 'off' ? undefined : o.shopifyPixel.rateLimit },
    consent: declared.length ? { ...consent, declared } : consent,
    file: o.file,
  }
}

/**
 * Typed options → the Config tagwarden runs on, listing every problem at once (ConfigError).
 * @example resolveOptions({ production: true, secrets: ['k1:…'], destinations: [pinterestCapi({ adAccountId, accessToken })] })
 */
export function resolveOptions(options: TagwardenOptions): Config {
  return resolve(options as Record<string, unknown>, 'options')
}

/** One environment value as its option's type; a value that does not convert stays text (the schema names it). */
function fromEnvText(raw: string, type: 'string' | 'number' | 'boolean' | 'list'): unknown {
  if (type === 'number') return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw
  if (type === 'boolean') return /^(true|1|yes)$/i.test(raw) ? true : /^(false|0|no)$/i.test(raw) ? false : raw
  if (type === 'list') return raw.split(',').map((s) => s.trim()).filter(Boolean)
  return raw
}

/**
 * The environment (and the optional config file's content) → the same options → Config, listing
 * every problem with the variable's name. Each destination reads its own variables (destinations/).
 * @example parseConfig(process.env) // throws ConfigError with all problems, or returns Config
 */
export function parseConfig(env: Record<string, string | undefined>, file: Record<string, unknown> = {}): Config {
  const input: Record<string, unknown> = { production: env.NODE_ENV === 'production', file }
  for (const [path, [variable, type]] of Object.entries(ENV)) {
    const raw = env[variable]
    if (raw === undefined || raw === '') continue
    const [group, key] = path.split('.')
    if (key) input[group] = { ...(input[group] as object | undefined), [key]: fromEnvText(raw, type) }
    else input[path] = fromEnvText(raw, type)
  }
  const destinationProblems: string[] = []
  const destinations = destinationsFromEnv(env, destinationProblems)
  input.destinations = destinations
  return resolve(input, 'env', destinationProblems)
}

/** Where `tagwarden serve` listens (PORT, HOST): the server's business, not the app's. */
export interface ListenOptions { port: number; host: string }

const listenSchema = z.object({
  PORT: z.coerce.number({ error: 'PORT must be a number' }).int('PORT must be a whole number').min(0, 'PORT must be 0–65535').max(65535, 'PORT must be 0–65535').default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
})

/**
 * PORT and HOST (port 0 = any free port), listing problems (ConfigError).
 * @example parseListen(process.env) // { port: 8787, host: '127.0.0.1' }
 */
export function parseListen(env: Record<string, string | undefined>): ListenOptions {
  const r = listenSchema.safeParse({ PORT: env.PORT || undefined, HOST: env.HOST || undefined })
  if (!r.success) throw new ConfigError(r.error.issues.map((i) => i.message))
  return { port: r.data.PORT, host: r.data.HOST }
}

/** The configuration with every secret replaced by a marker, for `tagwarden check` and logs. */
export function redactConfig(config: Config): unknown {
  const mark = (v: string | undefined) => (v ? '<set>' : undefined)
  return {
    ...config,
    secrets: config.secrets.map((k) => ({ kid: k.kid, secret: '<set>' })),
    storage: config.storage.kind === 'redis' ? { kind: 'redis', url: config.storage.url.replace(/\/\/[^@/]*@/, '//<credentials>@') } : config.storage,
    apiKeys: config.apiKeys.map(() => '<set>'),
    adminToken: mark(config.adminToken),
    metricsToken: mark(config.metricsToken),
    destinations: Object.fromEntries(config.destinations.map((d) => [d.name, d.describe()])),
    webhooks: { ...config.webhooks, shopifySecret: mark(config.webhooks.shopifySecret), woocommerceSecret: mark(config.webhooks.woocommerceSecret) },
    // Public (the snippet is served to every shopper), but printed by `tagwarden shopify-pixel`, not by check.
    shopifyPixel: { ...config.shopifyPixel, keys: config.shopifyPixel.keys.map(() => '<set>') },
  }
}
