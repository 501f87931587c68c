import type { z } from 'zod'
import { AD_MEASUREMENT } from '../consent/declared-rules'
import type { ConsentNeeds, ConsentSubject } from '../consent/types'
import type { BrowserId } from '../context/browser-ids'
import type { ConsentTarget } from '../consent/types'
import type { CanonicalEvent, EventName } from '../event'

/** One unsafe or surprising production setting, with what to do about it. */
export interface ProductionWarning {
  /** The setting (env var) it is about. */
  setting: string
  problem: string
  fix: string
}

/** Per-event result, in request order. */
export interface EventResult { status: 'processed' | 'failed'; error?: string; warning?: string }

/** What one batch request came to; the delivery core acts on it (retry, pause, dead-letter). */
export type BatchOutcome =
  | { kind: 'done'; results: EventResult[] }
  /** `wait` names the cause when the HTTP status does not (a platform that answers 200 or 400 with a throttling code). */
  | { kind: 'retry'; reason: string; retryAfterMs?: number; wait?: 'rate-limited' | 'upstream-5xx' }
  | { kind: 'auth'; reason: string }
  | { kind: 'rejected'; reason: string }

export interface HttpRequest { url: string; method: 'POST'; headers: Record<string, string>; body: string }

/** What every destination declares: its name, the consent view of it, and what `tagwarden check` may show. */
interface DestinationBase extends ConsentTarget {
  /** What `tagwarden check` and the production start log list about this destination's settings (dry-run, test mode, …). */
  warnings?(): ProductionWarning[]
  /** The options with secrets replaced by `<set>` (for `tagwarden check`). */
  describe(): Record<string, unknown>
  /** Its driver's click and browser ids (`DriverDefinition.browserIds`), set by `defineDestination`. */
  browserIds?: readonly BrowserId[]
}

/**
 * A batch destination: a platform's server API. Pure builders only: the core owns storage,
 * batching, I/O, retries and consent. Built from its own validated options by its driver.
 */
export interface Destination<Payload = unknown> extends DestinationBase {
  kind: 'batch'
  /** The platform's name in log lines and dead-letter reasons ("401 from Pinterest"). */
  platform: string
  /** Most events one request may carry. */
  maxBatch: number
  /** Whether requests are really sent; `false` → dry-run (built, validated, recorded only). */
  live: boolean
  /** Canonical event (consent already applied) → this destination's wire object; undefined when the platform has no counterpart for the event. */
  toPayload(event: CanonicalEvent): Payload | undefined
  /** A problem that the destination would reject the payload for, or undefined. */
  validate(payload: Payload): string | undefined
  toRequest(payloads: Payload[]): HttpRequest
  fromResponse(status: number, body: unknown, headers: Headers, count: number): BatchOutcome
  /** Requests allowed per minute, shared by everything with the same `rateLimitKey`. */
  rateLimit?: { perMinute: number; burst?: number }
  /** What the rate limit counts against (e.g. the ad account). */
  rateLimitKey: string
  /** Identity of the credentials in use: a 401/403 pause lifts when this changes. */
  credentialsKey: string
  /** For the one alert of a 401/403 pause: the settings to fix, and what each refusal status means on this platform. */
  credentials: { settings: string; refused?: Record<number, string> }
}

/**
 * A browser tag: the platform's own script served from the shop's origin, its beacons forwarded
 * through the proxy. Consent decides per beacon through the same declaration as for a batch
 * destination (`identifiers`, `restricted`).
 */
export interface BrowserTag extends DestinationBase {
  kind: 'tag'
  /** The tag id the loader boots the platform script with; unset = the loader loads no tag. */
  tagId?: string
  /** Where the platform's scripts come from (fetched and cached by the proxy). */
  scriptOrigin: string
  /** Where its beacons go (the proxy forwards there and nowhere else). */
  beaconOrigin: string
}

export type AnyDestination = Destination<any> | BrowserTag

/** How an option is read from one environment variable: a string as is, or converted. */
export type EnvSource = string | readonly [name: string, type: 'boolean' | 'number' | 'list']

/** Thrown by a driver given bad options; `problems` names each one (option name or environment variable). */
export class DestinationOptionsError extends Error {
  constructor(readonly destination: string, readonly problems: string[]) {
    super(`[tagwarden] [${destination}] invalid options:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'DestinationOptionsError'
  }
}

/**
 * A destination driver: call it with the destination's typed options to get a destination. Its
 * options schema and environment mapping travel with it, so `parseConfig(env)` builds the same
 * destination from environment variables.
 */
export interface DestinationDriver<S extends z.ZodType, D extends AnyDestination> {
  (options?: z.input<S>): D
  readonly destinationName: string
  readonly kind: D['kind']
  /** The zod schema of the options (the one source of their rules and defaults). */
  readonly schema: S
  /** Option → environment variable it is read from. */
  readonly env: Readonly<Record<string, EnvSource>>
  /** With no environment variable of its own set, is the destination still on? (Pinterest: yes, in dry-run.) */
  readonly onByDefault: boolean
  /** The platform's key (`pinterest`, `meta`, `tiktok`): the neutral body's `platforms` and `pixel_names` name it so. */
  readonly platform: string
  /** The platform's pixel the loader may add to the page (client/px/), judged by consent rules under this name. */
  readonly pixel?: string
  /** How its page pixel's calls are read (`DriverDefinition.pixel`'s `read`); absent = as custom events, their data as neutral data. */
  readonly pixelReading?: PixelReading
  /** What it needs consent for (its shipped rules are made from this): its own declaration, else advertising measurement. */
  readonly consent: ConsentNeeds
  /** Every name the consent policy judges for this driver, with what each needs: the destination, and its page pixel. */
  readonly subjects: readonly ConsentSubject[]
  /** How `tagwarden send-test-event` sends it a test event, in environment variables; absent = it has no test mode (never sent one). */
  readonly testMode?: TestMode
  /** The click and browser ids it reads in the shopper's browser (`DriverDefinition.browserIds`). */
  readonly browserIds?: readonly BrowserId[]
  /**
   * Build from environment variables. Problems are named by variable and pushed to `problems`;
   * undefined when the destination is off (none of its variables set and not on by default).
   */
  fromEnv(env: Record<string, string | undefined>, problems: string[]): D | undefined
}

export interface DriverDefinition<S extends z.ZodType, D extends AnyDestination> {
  name: string
  kind: D['kind']
  /**
   * The options schema. Messages may name options as `{option}` (replaced by the option's name
   * or its environment variable); a message without one is prefixed with the name.
   */
  options: S
  env: Record<string, EnvSource>
  onByDefault?: boolean
  /**
   * The platform's key, lowercase (`pinterest`, `meta`): what the neutral body's `platforms` and
   * `pixel_names` accept (server/neutral-input.ts) and what click ids are keyed by (`meta.fbc`). A
   * batch destination's `platform` name lowercases to it (the pipeline routes `platforms` so).
   * Default: the name up to its first `-` (`acme-api` → `acme`).
   */
  platform?: string
  /**
   * How `tagwarden send-test-event` puts it in the platform's test mode (validated and shown, never
   * counted), by option name: `set` = options to set (as their environment variable would read),
   * `needs` = an option only the shop can set (Meta's Test Events code), `credentials` = the
   * options that make it live. Absent: `send-test-event` never sends it one.
   */
  testMode?: { set?: Partial<Record<OptionName<S>, string>>; needs?: OptionName<S>; credentials: readonly OptionName<S>[] }
  /**
   * The name of the platform's own browser pixel, where the loader gates one (client/px/): `/ctx`
   * answers a decision for it whether or not this destination is configured (a page may carry the
   * pixel without the server copy). Judged as a browser tag, needing what `consent` says unless it
   * declares its own. `read`: how its calls mirrored to `/tw/e` are read (server/pixel-call.ts);
   * without it they are taken as custom events under their own names, their data as neutral data.
   */
  pixel?: string | { name: string; consent?: ConsentNeeds; read?: PixelReading }
  /**
   * The consent purposes it needs: Consent Mode flags and TCF purposes (consent/declared-rules.ts).
   * Its shipped rules are made from this; default: advertising measurement (`ad_storage`,
   * `ad_user_data`, TCF 1 and 7), what Pinterest, Meta and TikTok need.
   */
  consent?: ConsentNeeds
  /**
   * The click and browser ids the platform reads in the shopper's browser (context/browser-ids.ts):
   * `/ctx`, the tw_ctx cookie and the cart store keep them under these declarations, and every
   * destination it builds finds them in `user.ids`, whether or not the driver is registered.
   */
  browserIds?: readonly BrowserId[]
  /** Build the destination from validated options. */
  create(options: z.output<S>): D
}

/**
 * How a page pixel's calls are read into the neutral event (server/pixel-call.ts), declared by its
 * driver next to the pixel's name.
 * @example { names: { checkout: 'Purchase' }, extraNames: { CompletePayment: 'checkout' }, data: (d) => ({ value: d.value }) }
 */
export interface PixelReading {
  /** Neutral name → the platform's event name (the destination's own table), read backwards: a platform name called on the page is the first neutral name that has it. */
  names: Readonly<Partial<Record<EventName, string>>>
  /** Further platform names the page may call, each with its neutral name (older names the table no longer sends); they win over `names`. */
  extraNames?: Readonly<Record<string, EventName>>
  /** The call's data, as the page gave it (Meta `custom_data`, TikTok `properties`) → neutral data (server/neutral-input.ts `data`): what it leaves out is dropped. */
  data(d: Record<string, unknown>): Record<string, unknown>
}

/** An option of a driver's schema, by name. */
type OptionName<S extends z.ZodType> = keyof z.input<S> & string

/** A driver's test mode in environment variables (`DriverDefinition.testMode` with each option named by its variable). */
export interface TestMode {
  /** Variables `send-test-event` sets (`PINTEREST_TEST_EVENTS=true`). */
  env: Readonly<Record<string, string>>
  /** A variable the shop must set first, or undefined. */
  needs?: string
  /** The variables that make it live (`PINTEREST_AD_ACCOUNT_ID`, `PINTEREST_ACCESS_TOKEN`). */
  credentials: readonly string[]
}

const TRUE = new Set(['true', '1', 'yes'])
const FALSE = new Set(['false', '0', 'no'])

/** Read one environment value as its option type; a value that cannot convert stays a string (the schema names it). */
function fromEnvValue(raw: string, type: 'boolean' | 'number' | 'list' | undefined): unknown {
  if (type === 'boolean') return TRUE.has(raw.toLowerCase()) ? true : FALSE.has(raw.toLowerCase()) ? false : raw
  if (type === 'number') return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw
  if (type === 'list') return raw.split(',').map((s) => s.trim()).filter(Boolean)
  return raw
}

/** zod issues → messages, each option named as `name(option)` says. */
function describeIssues(issues: readonly z.core.$ZodIssue[], name: (option: string) => string): string[] {
  return issues.map((issue) => {
    const option = String(issue.path[0] ?? '')
    const text = issue.message.replace(/\{(\w+)\}/g, (_, o: string) => name(o))
    if (text !== issue.message) return text
    // Our own messages read on from the name ("PINTEREST_TAG_ID must be …"); zod's start a sentence.
    return /^[a-z]/.test(text) ? `${name(option)} ${text}` : `${name(option)}: ${text}`
  })
}

/**
 * Define a destination driver (the shape of unstorage's `defineDriver`: a factory over typed
 * options). Adding a destination is one file exporting a driver plus one line in
 * `destinations/index.ts`.
 * @example
 * export const myApi = defineDestination({ name: 'my-api', kind: 'batch', options: z.object({ token: z.string().optional() }), env: { token: 'MY_API_TOKEN' }, create: (o) => ({ … }) })
 * createTagwarden({ destinations: [myApi({ token: '…' })] })
 */
export function defineDestination<S extends z.ZodType, D extends AnyDestination>(def: DriverDefinition<S, D>): DestinationDriver<S, D> {
  const envName = (option: string) => {
    const source = def.env[option]
    return source === undefined ? option : typeof source === 'string' ? source : source[0]
  }
  const platform = def.platform ?? def.name.split('-')[0]
  const consent = def.consent ?? AD_MEASUREMENT
  const pixel = typeof def.pixel === 'string' ? { name: def.pixel, consent } : def.pixel && { ...def.pixel, consent: def.pixel.consent ?? consent }
  const subjects: ConsentSubject[] = [{ name: def.name, kind: def.kind, needs: consent }, ...(pixel ? [{ name: pixel.name, kind: 'tag' as const, needs: pixel.consent }] : [])]
  const build = (options: z.output<S>): D => {
    const made = def.create(options)
    if (made.kind === 'batch' && made.platform.toLowerCase() !== platform) {
      throw new Error(`[tagwarden] [${def.name}] platform "${made.platform}" does not lowercase to its platform key "${platform}"`)
    }
    // The destination carries its declaration, so a configured one that is not registered is judged by it too (config.ts).
    made.consent ??= consent
    // Each destination carries its driver's browser ids, so a configured one of an embedder's own is known to /ctx.
    if (def.browserIds) Object.assign(made, { browserIds: def.browserIds })
    return made
  }
  const driver = (options: z.input<S> = {} as z.input<S>): D => {
    const parsed = def.options.safeParse(options)
    if (!parsed.success) throw new DestinationOptionsError(def.name, describeIssues(parsed.error.issues, (o) => `${def.name}.${o}`))
    return build(parsed.data)
  }
  const fromEnv = (env: Record<string, string | undefined>, problems: string[]): D | undefined => {
    const input: Record<string, unknown> = {}
    for (const [option, source] of Object.entries(def.env)) {
      const [name, type] = typeof source === 'string' ? [source, undefined] : source
      const raw = env[name]
      if (raw !== undefined && raw !== '') input[option] = fromEnvValue(raw, type)
    }
    if (!def.onByDefault && !Object.keys(input).length) return undefined
    const parsed = def.options.safeParse(input)
    if (!parsed.success) {
      problems.push(...describeIssues(parsed.error.issues, envName))
      return undefined
    }
    return build(parsed.data)
  }
  const testMode: TestMode | undefined = def.testMode && {
    env: Object.fromEntries(Object.entries(def.testMode.set ?? {}).map(([option, value]) => [envName(option), value as string])),
    needs: def.testMode.needs && envName(def.testMode.needs),
    credentials: def.testMode.credentials.map(envName),
  }
  return Object.assign(driver, { destinationName: def.name, kind: def.kind, schema: def.options, env: def.env, onByDefault: def.onByDefault ?? false, platform, pixel: pixel?.name, pixelReading: pixel?.read, consent, subjects, testMode, browserIds: def.browserIds, fromEnv })
}
