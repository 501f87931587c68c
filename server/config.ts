import { z } from 'zod'
import { parseConsentConfig, type ConsentConfig } from './consent/config'
import { parseTrustedProxies, type TrustedProxies } from './proxy/trusted-proxies'

/** Thrown when configuration is invalid; `problems` lists every issue, one per line. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`[tagwarden] invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes')
const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)
const origin = (name: string) =>
  z.url({ protocol: /^https?$/, error: `${name} must be an http(s) URL` }).transform((u) => new URL(u).origin)

/** `TAGWARDEN_RATE_LIMIT` units: requests per second, minute or hour. */
const RATE_UNITS: Record<string, number> = { s: 1_000, sec: 1_000, second: 1_000, m: 60_000, min: 60_000, minute: 60_000, h: 3_600_000, hour: 3_600_000 }
const RATE_MESSAGE = 'TAGWARDEN_RATE_LIMIT must look like 600/min: a whole number of requests (1–1,000,000) per IP per s, min or hour; unset = no limit'
const rateLimit = z
  .string()
  .regex(/^\s*\d{1,7}\s*\/\s*(s|sec|second|m|min|minute|h|hour)\s*$/i, RATE_MESSAGE)
  .transform((v) => {
    const [n, unit] = v.split('/').map((x) => x.trim().toLowerCase())
    return { max: Number(n), windowMs: RATE_UNITS[unit] }
  })
  .refine((r) => r.max >= 1 && r.max <= 1_000_000, RATE_MESSAGE)

export interface SigningKey { kid: string; secret: string }
export type StorageSpec = { kind: 'fs'; dir: string } | { kind: 'memory' } | { kind: 'redis'; url: string }

/** Environment variables we read (DESIGN §3 "Configuration"). */
const envSchema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: z.coerce.number({ error: 'PORT must be a number' }).int().min(0).max(65535).default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  TAGWARDEN_PREFIX: z
    .string()
    .regex(/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/, 'TAGWARDEN_PREFIX must look like /tw (leading slash, no trailing slash)')
    .default('/tw'),
  TAGWARDEN_SECRET: z.string().optional(),
  TAGWARDEN_STORAGE: z.string().default('fs:.data'),
  TAGWARDEN_API_KEYS: z.string().optional(),
  TAGWARDEN_ADMIN_TOKEN: z.string().min(16, 'TAGWARDEN_ADMIN_TOKEN must be at least 16 characters').optional(),
  TAGWARDEN_DEFAULT_CONSENT: z.enum(['granted', 'denied'], { error: 'TAGWARDEN_DEFAULT_CONSENT must be "granted" or "denied"' }).default('denied'),
  TAGWARDEN_EVENT_ID_TEMPLATE: z
    .string()
    .refine((t) => t.includes('{order_id}'), 'TAGWARDEN_EVENT_ID_TEMPLATE must contain {order_id}')
    .default('ord_{order_id}'),
  TAGWARDEN_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  TAGWARDEN_MAX_EVENT_AGE_DAYS: z.coerce
    .number({ error: 'TAGWARDEN_MAX_EVENT_AGE_DAYS must be a number of days' })
    .int('TAGWARDEN_MAX_EVENT_AGE_DAYS must be a whole number of days')
    .min(1, 'TAGWARDEN_MAX_EVENT_AGE_DAYS must be between 1 and 90')
    .max(90, 'TAGWARDEN_MAX_EVENT_AGE_DAYS must be between 1 and 90')
    .default(7),
  TAGWARDEN_MAX_IN_FLIGHT: z.coerce
    .number({ error: 'TAGWARDEN_MAX_IN_FLIGHT must be a number' })
    .int('TAGWARDEN_MAX_IN_FLIGHT must be a whole number')
    .min(1, 'TAGWARDEN_MAX_IN_FLIGHT must be between 1 and 64')
    .max(64, 'TAGWARDEN_MAX_IN_FLIGHT must be between 1 and 64')
    .default(4),
  TAGWARDEN_FLUSH_INTERVAL_MS: z.coerce
    .number({ error: 'TAGWARDEN_FLUSH_INTERVAL_MS must be a number of milliseconds' })
    .int('TAGWARDEN_FLUSH_INTERVAL_MS must be a whole number of milliseconds')
    .min(10, 'TAGWARDEN_FLUSH_INTERVAL_MS must be between 10 and 1000')
    .max(1000, 'TAGWARDEN_FLUSH_INTERVAL_MS must be between 10 and 1000')
    .default(1000),
  TAGWARDEN_MAX_QUEUE: z.coerce
    .number({ error: 'TAGWARDEN_MAX_QUEUE must be a number of events' })
    .int('TAGWARDEN_MAX_QUEUE must be a whole number of events')
    .min(1, 'TAGWARDEN_MAX_QUEUE must be between 1 and 100000000 events waiting per destination')
    .max(100_000_000, 'TAGWARDEN_MAX_QUEUE must be between 1 and 100000000 events waiting per destination')
    .default(1_000_000),
  TAGWARDEN_IDEMPOTENCY_MAX_IDS: z.coerce
    .number({ error: 'TAGWARDEN_IDEMPOTENCY_MAX_IDS must be a number of event_ids' })
    .int('TAGWARDEN_IDEMPOTENCY_MAX_IDS must be a whole number of event_ids')
    .min(1000, 'TAGWARDEN_IDEMPOTENCY_MAX_IDS must be between 1000 and 100000000 (≈ 100 bytes each)')
    .max(100_000_000, 'TAGWARDEN_IDEMPOTENCY_MAX_IDS must be between 1000 and 100000000 (≈ 100 bytes each)')
    .default(2_000_000),
  TAGWARDEN_BACKOFF_MAX_S: z.coerce
    .number({ error: 'TAGWARDEN_BACKOFF_MAX_S must be a number of seconds' })
    .int('TAGWARDEN_BACKOFF_MAX_S must be a whole number of seconds')
    .min(1, 'TAGWARDEN_BACKOFF_MAX_S must be between 1 and 3600 seconds')
    .max(3600, 'TAGWARDEN_BACKOFF_MAX_S must be between 1 and 3600 seconds')
    .default(60),
  TAGWARDEN_RETRY_AFTER_MAX_S: z.coerce
    .number({ error: 'TAGWARDEN_RETRY_AFTER_MAX_S must be a number of seconds' })
    .int('TAGWARDEN_RETRY_AFTER_MAX_S must be a whole number of seconds')
    .min(1, 'TAGWARDEN_RETRY_AFTER_MAX_S must be between 1 and 86400 seconds')
    .max(86_400, 'TAGWARDEN_RETRY_AFTER_MAX_S must be between 1 and 86400 seconds')
    .default(300),
  TAGWARDEN_REDIS_WAIT_REPLICAS: z.coerce
    .number({ error: 'TAGWARDEN_REDIS_WAIT_REPLICAS must be a number of replicas' })
    .int('TAGWARDEN_REDIS_WAIT_REPLICAS must be a whole number of replicas')
    .min(0, 'TAGWARDEN_REDIS_WAIT_REPLICAS must be between 0 and 5')
    .max(5, 'TAGWARDEN_REDIS_WAIT_REPLICAS must be between 0 and 5')
    .default(0),
  TAGWARDEN_ONETRUST_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'TAGWARDEN_ONETRUST_GROUP must be a OneTrust group id like C0004')
    .default('C0004'),
  TAGWARDEN_COUNTRY_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, 'TAGWARDEN_COUNTRY_HEADER must be a header name like cf-ipcountry')
    .transform((h) => h.toLowerCase())
    .optional(),
  TAGWARDEN_RATE_LIMIT: rateLimit.optional(),
  TAGWARDEN_TRUSTED_PROXIES: z.string().optional(),
  TAGWARDEN_CLIENT_IP_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, 'TAGWARDEN_CLIENT_IP_HEADER must be a header name like x-forwarded-for, forwarded or x-real-ip')
    .transform((h) => h.toLowerCase())
    .default('x-forwarded-for'),
  TAGWARDEN_ALLOWED_ORIGINS: z.string().optional(),
  TAGWARDEN_METRICS_TOKEN: z.string().min(16, 'TAGWARDEN_METRICS_TOKEN must be at least 16 characters').optional(),
  TAGWARDEN_DEMO: z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'TAGWARDEN_DEMO must be true or false' }).transform((v) => v === 'true' || v === '1' || v === 'yes').optional(),
  TAGWARDEN_CONFIG: z.string().optional(),
  PINTEREST_TAG_ID: z.string().regex(/^\d{6,20}$/, 'PINTEREST_TAG_ID must be the numeric tag id').optional(),
  PINTEREST_AD_ACCOUNT_ID: z.string().regex(/^\d{1,18}$/, 'PINTEREST_AD_ACCOUNT_ID must be digits (at most 18)').optional(),
  PINTEREST_ACCESS_TOKEN: z.string().min(8, 'PINTEREST_ACCESS_TOKEN looks too short').optional(),
  PINTEREST_API_URL: origin('PINTEREST_API_URL').default('https://api.pinterest.com'),
  PINTEREST_SCRIPT_ORIGIN: origin('PINTEREST_SCRIPT_ORIGIN').default('https://s.pinimg.com'),
  PINTEREST_BEACON_ORIGIN: origin('PINTEREST_BEACON_ORIGIN').default('https://ct.pinterest.com'),
  PINTEREST_TEST_EVENTS: bool.default(false),
  SHOPIFY_WEBHOOK_SECRET: z.string().min(8, 'SHOPIFY_WEBHOOK_SECRET looks too short').optional(),
  WOOCOMMERCE_WEBHOOK_SECRET: z.string().min(8, 'WOOCOMMERCE_WEBHOOK_SECRET looks too short').optional(),
  SHOPIFY_PURCHASE_TOPIC: z
    .enum(['orders/paid', 'orders/create'], { error: 'SHOPIFY_PURCHASE_TOPIC must be "orders/paid" or "orders/create"' })
    .default('orders/paid'),
  TAGWARDEN_ORDER_VALUE: z
    .enum(['subtotal', 'total'], { error: 'TAGWARDEN_ORDER_VALUE must be "subtotal" (after discounts, before tax and shipping) or "total"' })
    .default('subtotal'),
  TAGWARDEN_SHOPIFY_PIXEL_KEY: z.string().optional(),
  TAGWARDEN_SHOPIFY_PIXEL_RATE_LIMIT: z.union([z.literal('off'), rateLimit]).default({ max: 300, windowMs: 60_000 }),
  TAGWARDEN_CONTENT_ID: z
    .enum(['sku', 'product_id', 'variant_id'], { error: 'TAGWARDEN_CONTENT_ID must be "sku", "product_id" or "variant_id" (the id your catalog feed uses)' })
    .default('product_id'),
})

export interface Config {
  production: boolean
  port: number
  host: string
  prefix: string
  /** Signing keys for tw_ctx; the first signs, all verify. Empty → generated in development. */
  secrets: SigningKey[]
  storage: StorageSpec
  apiKeys: string[]
  adminToken?: string
  defaultConsent: 'granted' | 'denied'
  eventIdTemplate: string
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent'
  /** Outbox delivery (DESIGN §5). */
  delivery: {
    /** Events older than this are dead-lettered, not retried (Pinterest refuses old events; third-party docs say 7 days). */
    maxEventAgeDays: number
    /** CAPI requests in flight at once per destination, per instance. */
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
  pinterest: {
    tagId?: string
    adAccountId?: string
    accessToken?: string
    apiUrl: string
    scriptOrigin: string
    beaconOrigin: string
    testEvents: boolean
    /** No credentials → payloads are built, validated and recorded, never sent. */
    dryRun: boolean
  }
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
  /** The `consent` section of the config file (regions, rules), validated. */
  consent: ConsentConfig
  /** Extra sections from the optional JSON config file (validated by their owners). */
  file: Record<string, unknown>
}

const emptyToUndefined = (env: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))

function parseSecrets(raw: string | undefined, problems: string[]): SigningKey[] {
  const keys: SigningKey[] = []
  for (const part of list(raw)) {
    const i = part.indexOf(':')
    const key = i > 0 ? { kid: part.slice(0, i), secret: part.slice(i + 1) } : { kid: 'k1', secret: part }
    if (!/^[A-Za-z0-9._-]{1,32}$/.test(key.kid)) problems.push(`TAGWARDEN_SECRET: key id "${key.kid}" must be 1–32 letters, digits, . _ -`)
    else if (key.secret.length < 32) problems.push(`TAGWARDEN_SECRET: the secret for key "${key.kid}" must be at least 32 characters`)
    else if (keys.some((k) => k.kid === key.kid)) problems.push(`TAGWARDEN_SECRET: key id "${key.kid}" is used twice`)
    else keys.push(key)
  }
  return keys
}

function parseStorage(raw: string, problems: string[]): StorageSpec {
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

/** TAGWARDEN_ALLOWED_ORIGINS: comma-separated `https://host[:port]` origins, nothing else (no path, no wildcard). */
function parseOrigins(raw: string | undefined, problems: string[]): string[] {
  const origins: string[] = []
  for (const entry of list(raw)) {
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

/**
 * Parse the environment (and the optional config file's content) once, listing every problem.
 * @example parseConfig(process.env) // throws ConfigError with all problems, or returns Config
 */
export function parseConfig(env: Record<string, string | undefined>, file: Record<string, unknown> = {}): Config {
  const problems: string[] = []
  const input = emptyToUndefined(env)
  let parsed = envSchema.safeParse(input)
  if (!parsed.success) {
    const bad = new Set<string>()
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '')
      bad.add(name)
      problems.push(issue.message.includes(name) ? issue.message : `${name}: ${issue.message}`)
    }
    // Read on without the bad values (their defaults stand in) so that the checks below — secrets,
    // storage, credentials, the config file — report their problems in the same message.
    parsed = envSchema.safeParse(Object.fromEntries(Object.entries(input).filter(([name]) => !bad.has(name))))
    if (!parsed.success) throw new ConfigError(problems)
  }
  const e = parsed.data
  const production = e.NODE_ENV === 'production'
  const secrets = parseSecrets(e.TAGWARDEN_SECRET, problems)
  if (production && !secrets.length && !problems.some((p) => p.startsWith('TAGWARDEN_SECRET'))) {
    problems.push('TAGWARDEN_SECRET is required when NODE_ENV=production (format kid:secret[,kid2:secret2], ≥ 32 characters each)')
  }
  const storage = parseStorage(e.TAGWARDEN_STORAGE, problems)
  const apiKeys = list(e.TAGWARDEN_API_KEYS)
  for (const k of apiKeys) if (k.length < 16) problems.push('TAGWARDEN_API_KEYS: every key must be at least 16 characters')
  if (!!e.PINTEREST_AD_ACCOUNT_ID !== !!e.PINTEREST_ACCESS_TOKEN) {
    problems.push('PINTEREST_AD_ACCOUNT_ID and PINTEREST_ACCESS_TOKEN go together: set both to send, or neither for dry-run')
  }
  const trustedProxies = parseTrustedProxies(e.TAGWARDEN_TRUSTED_PROXIES, problems)
  const allowedOrigins = parseOrigins(e.TAGWARDEN_ALLOWED_ORIGINS, problems)
  const pixelKeys = list(e.TAGWARDEN_SHOPIFY_PIXEL_KEY)
  for (const k of pixelKeys) if (!/^[A-Za-z0-9_-]{16,128}$/.test(k)) problems.push('TAGWARDEN_SHOPIFY_PIXEL_KEY: every key must be 16–128 letters, digits, _ or -')
  let consent: ConsentConfig = {}
  try {
    consent = parseConsentConfig(file.consent)
  } catch (error) {
    problems.push(...(error as Error).message.split('\n').slice(1).map((l) => `TAGWARDEN_CONFIG ${l.trim()}`))
  }
  if (problems.length) throw new ConfigError([...new Set(problems)])
  return {
    production,
    port: e.PORT,
    host: e.HOST,
    prefix: e.TAGWARDEN_PREFIX,
    secrets,
    storage,
    apiKeys,
    adminToken: e.TAGWARDEN_ADMIN_TOKEN,
    defaultConsent: e.TAGWARDEN_DEFAULT_CONSENT,
    eventIdTemplate: e.TAGWARDEN_EVENT_ID_TEMPLATE,
    logLevel: e.TAGWARDEN_LOG_LEVEL,
    delivery: {
      maxEventAgeDays: e.TAGWARDEN_MAX_EVENT_AGE_DAYS,
      maxInFlight: e.TAGWARDEN_MAX_IN_FLIGHT,
      flushIntervalMs: e.TAGWARDEN_FLUSH_INTERVAL_MS,
      maxQueue: e.TAGWARDEN_MAX_QUEUE,
      idempotencyMaxIds: e.TAGWARDEN_IDEMPOTENCY_MAX_IDS,
      backoffMaxS: e.TAGWARDEN_BACKOFF_MAX_S,
      retryAfterMaxS: e.TAGWARDEN_RETRY_AFTER_MAX_S,
      redisWaitReplicas: e.TAGWARDEN_REDIS_WAIT_REPLICAS,
    },
    onetrustGroup: e.TAGWARDEN_ONETRUST_GROUP,
    countryHeader: e.TAGWARDEN_COUNTRY_HEADER,
    rateLimit: e.TAGWARDEN_RATE_LIMIT,
    trustedProxies,
    clientIpHeader: e.TAGWARDEN_CLIENT_IP_HEADER,
    allowedOrigins,
    metricsToken: e.TAGWARDEN_METRICS_TOKEN,
    demo: e.TAGWARDEN_DEMO ?? !(e.PINTEREST_AD_ACCOUNT_ID && e.PINTEREST_ACCESS_TOKEN),
    pinterest: {
      tagId: e.PINTEREST_TAG_ID,
      adAccountId: e.PINTEREST_AD_ACCOUNT_ID,
      accessToken: e.PINTEREST_ACCESS_TOKEN,
      apiUrl: e.PINTEREST_API_URL,
      scriptOrigin: e.PINTEREST_SCRIPT_ORIGIN,
      beaconOrigin: e.PINTEREST_BEACON_ORIGIN,
      testEvents: e.PINTEREST_TEST_EVENTS,
      dryRun: !(e.PINTEREST_AD_ACCOUNT_ID && e.PINTEREST_ACCESS_TOKEN),
    },
    webhooks: {
      shopifySecret: e.SHOPIFY_WEBHOOK_SECRET,
      woocommerceSecret: e.WOOCOMMERCE_WEBHOOK_SECRET,
      shopifyPurchaseTopic: e.SHOPIFY_PURCHASE_TOPIC,
      orderValue: e.TAGWARDEN_ORDER_VALUE,
      contentId: e.TAGWARDEN_CONTENT_ID,
    },
    shopifyPixel: { keys: pixelKeys, rateLimit: e.TAGWARDEN_SHOPIFY_PIXEL_RATE_LIMIT === 'off' ? undefined : e.TAGWARDEN_SHOPIFY_PIXEL_RATE_LIMIT },
    consent,
    file,
  }
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
    pinterest: { ...config.pinterest, accessToken: mark(config.pinterest.accessToken) },
    webhooks: { ...config.webhooks, shopifySecret: mark(config.webhooks.shopifySecret), woocommerceSecret: mark(config.webhooks.woocommerceSecret) },
    // Public (the snippet is served to every shopper), but printed by `tagwarden shopify-pixel`, not by check.
    shopifyPixel: { ...config.shopifyPixel, keys: config.shopifyPixel.keys.map(() => '<set>') },
  }
}
