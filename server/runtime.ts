import type { Config, SigningKey } from './config'
import type { CanonicalEvent } from './event'
import { createConsentPolicy, type ConsentPolicy } from './consent'
import { batchDestinations, browserTag, browserTagNames, type BrowserTag, type Destination } from './destinations'
import { createDispatcher, type DeliveryOptions, type Dispatcher } from './delivery/dispatcher'
import { createOutbox, OutboxFullError, type Outbox } from './delivery/outbox'
import { assertNoLegacyOutbox } from './delivery/legacy-outbox'
import { createJournal, type Journal } from './journal'
import { createLogger, type Logger } from './log'
import { createMetrics, type Metrics } from './metrics'
import { createPipeline, type AcceptResult, type Pipeline } from './pipeline'
import { resolveSecrets } from './context/secrets'
import { createCartContextStore, joinContext, type CartContext, type CartContextStore } from './context/cart-store'
import { createHeldCarts } from './context/held-carts'
import { createContextCookie, type ContextCookie } from './context/cookie'
import { createStore, type Store } from './storage/create-store'
import { createHttpForward, fetchForward, UPSTREAM_ANSWER_LIMIT, type Forward } from './upstream/http-forward'
import { createClientAddress, type ClientAddress } from './proxy/client-address'
import { createStoreHealth, type StoreHealth } from './storage/store-health'
import type { H3Event } from 'h3'
import { createReportStore, type ReportStore } from './report/report-store'
import { createReportRecorder, type ReportRecorder } from './report/recorder'
import { createSilenceMonitor, registerSilenceMetrics, type SilenceMonitor } from './report/silence'

/** What the server needs from the outside world; tests inject each one. */
export interface Deps {
  store?: Store
  fetch?: typeof fetch
  /** How beacons reach Pinterest's beacon origin. Default: Node's http/https with keep-alive, or `fetch` when one is injected. */
  forward?: Forward
  /** Clock in milliseconds. */
  now?: () => number
  log?: Logger
  destinations?: Destination[]
  /** Delivery timing overrides (tests scale retries and leases down; defaults are production values). */
  delivery?: Partial<DeliveryOptions>
}

/**
 * The services the routes share, built once per app by `createRuntime` (the one place that builds
 * them). A route group takes only the members it reads, `Pick<Runtime, …>` in its signature, so its
 * dependencies show there. Internal: not exported by the package (see `TagwardenApp.runtime`).
 */
export interface Runtime {
  config: Config
  store: Store
  fetch: typeof fetch
  /** The beacon forward (the hot path's one upstream request). */
  forward: Forward
  now: () => number
  log: Logger
  keys: SigningKey[]
  policy: ConsentPolicy
  /** The batch destinations (server APIs), in dispatch order. */
  destinations: Destination[]
  /** The browser tag, when one is configured (its scripts and beacons go through the proxy). */
  tag?: BrowserTag
  outbox: Outbox
  journal: Journal
  /** Counters, gauges and histograms for `/_/metrics` and the inspector. */
  metrics: Metrics
  pipeline: Pipeline
  dispatcher: Dispatcher
  carts: CartContextStore
  /** The signed tw_ctx cookie (keys imported once, here). */
  context: ContextCookie
  /** Who is behind a request (trusted proxies decide): the one source of client IP and "is local". */
  client(event: H3Event): ClientAddress
  /** Whether storage is reachable now (Redis connection state, recent write failures). */
  storeHealth: StoreHealth
  /** The reconciliation report's per-day aggregates (server/report, docs/report.md). */
  report: ReportStore
  /** Writes pipeline and delivery facts into `report`; routes tell it of orders a path reported without sending them. */
  recorder: ReportRecorder
  /** The silence alarm: live destinations that stopped delivering. */
  silence: SilenceMonitor
  /** Accept canonical events into the pipeline (the single entry for every source). */
  ingest(events: CanonicalEvent[]): Promise<AcceptResult[]>
}

/** Build the runtime: storage, keys, consent policy, pipeline, outbox and dispatcher. */
export async function createRuntime(config: Config, deps: Deps = {}): Promise<Runtime> {
  const log = deps.log ?? createLogger(config.logLevel)
  const store = deps.store ?? createStore(config.storage)
  const now = deps.now ?? Date.now
  const fetchFn = deps.fetch ?? globalThis.fetch
  const forward = deps.forward ?? (deps.fetch ? fetchForward(deps.fetch, UPSTREAM_ANSWER_LIMIT) : createHttpForward({ maxBytes: UPSTREAM_ANSWER_LIMIT }))
  const destinations = deps.destinations ?? batchDestinations(config)
  const tag = browserTag(config)
  const keys = await resolveSecrets(config, store.storage, log)
  // Queued events an older version wrote in a layout this one does not read: stop rather than leave them unsent.
  if (store.dir) await assertNoLegacyOutbox(store.storage, store.dir, log)
  const policy = createConsentPolicy({ ...config.consent, defaultConsent: config.defaultConsent, browserTags: browserTagNames(config.destinations) })
  const outbox = createOutbox(store.storage, {
    now,
    redis: store.redis,
    dir: store.dir,
    maxEventAgeMs: config.delivery.maxEventAgeDays * 86_400_000,
    maxQueue: config.delivery.maxQueue,
    maxRememberedIds: config.delivery.idempotencyMaxIds,
    segmentMaxAgeMs: deps.delivery?.segmentMaxAgeMs,
    redisWaitReplicas: config.delivery.redisWaitReplicas,
    log,
  })
  const journal = createJournal(store.storage, { now })
  const heldCarts = createHeldCarts<CartContext>(now, () => metrics.cartContextLost())
  const metrics = createMetrics({ now, cartContextsHeld: () => heldCarts.size, destinations: destinations.map((d) => d.name), outboxDepth: (d) => outbox.depth(d), deliveryState: () => dispatcher.status(), forgottenEarly: () => outbox.queue.forgottenEarly?.() ?? 0, journalSkipped: () => journal.skipped() })
  await journal.load()
  const report = createReportStore(store.storage, store.redis, now)
  const recorder = createReportRecorder(report, config.eventIdTemplate, now)
  const silence = createSilenceMonitor({ config, destinations, store: report, now, log })
  registerSilenceMetrics(metrics.registry, silence, destinations.map((d) => d.name), now)
  const pipeline = createPipeline({ policy, destinations, outbox, journal, now, metrics, report: recorder })
  const dispatcher = createDispatcher({ config, outbox, destinations, fetch: fetchFn, journal, log, now, redis: store.redis, options: deps.delivery, metrics, report: recorder })
  const carts = createCartContextStore(store.storage, now, heldCarts)
  // Redis back: this instance writes the cart contexts it held at once, so an order webhook that
  // reaches any instance finds them (other stores: at the next cart post or order lookup).
  store.redis?.on('ready', () => void carts.writeHeld())
  const context = createContextCookie(keys, now, log)
  const client = createClientAddress({ trustedProxies: config.trustedProxies, header: config.clientIpHeader, log })
  const storeHealth = createStoreHealth(store, now, log)

  /** Accept events; a refusal because the outbox is full is counted (`tagwarden_events_refused_total`). */
  function ingest(events: CanonicalEvent[]): Promise<AcceptResult[]> {
    return accept(events).catch((error: unknown) => {
      if (error instanceof OutboxFullError) metrics.refused(error.dest, events.length)
      throw error
    })
  }

  /** Events carrying a `context` token are joined to the browser context stored for it. */
  async function accept(events: CanonicalEvent[]): Promise<AcceptResult[]> {
    if (!events.some((e) => e.context)) return pipeline.accept(events)
    const joined = await Promise.all(
      events.map(async (e) => {
        const ctx = e.context ? await carts.get(e.context) : undefined
        return ctx ? joinContext(e, ctx) : e
      }),
    )
    return pipeline.accept(joined)
  }

  return { config, store, fetch: fetchFn, forward, now, log, keys, policy, destinations, tag, outbox, journal, metrics, pipeline, dispatcher, carts, context, client, storeHealth, report, recorder, silence, ingest }
}
