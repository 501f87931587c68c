import { H3, HTTPError, toNodeHandler } from 'h3'
import type { Config } from './config'
import { createRuntime, type Deps, type Runtime } from './runtime'
import { adminRoutes } from './routes/admin'
import { eventsRoutes } from './routes/events'
import { healthRoutes } from './routes/health'
import { inspectRoutes } from './routes/inspect'
import { metricsRoutes } from './routes/metrics'
import { ctxRoutes } from './routes/ctx'
import { demoRoutes } from './routes/demo'
import { fallbackRoutes } from './routes/fallback'
import { loaderRoutes } from './routes/loader'
import { pinBeaconRoutes } from './routes/pin-beacons'
import { pinScriptRoutes } from './routes/pin-scripts'
import { rateLimitRoutes } from './routes/rate-limit'
import { webhooksRoutes } from './routes/webhooks'
import { createExpirySweeper } from './storage/expire'
import { sameOriginRoutes } from './routes/same-site'
import { shopifyPixelRoutes } from './routes/shopify-pixel'
import { storeGuardRoutes } from './routes/store-guard'
import { productionWarnings } from './production-warnings'

export interface TagwardenApp {
  /** The h3 app with every route under the prefix. */
  app: H3
  /**
   * Web-standard handler: `(request, { clientAddress }) => Response`. Hand in the address of the
   * peer that sent the request (the socket's remote address, or your framework's resolved client
   * IP); TAGWARDEN_TRUSTED_PROXIES then decides whether its forwarding headers count.
   */
  fetch: (request: Request, context?: RequestContext) => Promise<Response>
  /** Node handler for `http.createServer` or an Express/Connect app (`app.use(tw.nodeHandler)`). */
  nodeHandler: ReturnType<typeof toNodeHandler>
  runtime: Runtime
  /** Start background delivery (and, on fs/memory storage, the hourly sweep of expired cart contexts and webhook records). */
  start(): void
  /** Stop background work, deliver what can be delivered within `drainMs` (default 5 s), persist the rest. */
  close(drainMs?: number): Promise<void>
}

/** What an embedding host knows about a request that the request itself cannot carry. */
export interface RequestContext {
  /** The address of the peer that sent the request (no socket behind a web Request). */
  clientAddress?: string
}

/** The route groups, in order; each is a function of (app, runtime). */
const ROUTES = [rateLimitRoutes, sameOriginRoutes, storeGuardRoutes, healthRoutes, eventsRoutes, webhooksRoutes, adminRoutes, inspectRoutes, metricsRoutes, loaderRoutes, ctxRoutes, fallbackRoutes, shopifyPixelRoutes, pinScriptRoutes, pinBeaconRoutes, demoRoutes]

/**
 * Build tagwarden: the h3 app under `config.prefix` plus its runtime (storage, pipeline, outbox).
 * @example const tw = await createApp(parseConfig(process.env)); http.createServer(tw.nodeHandler).listen(8787)
 */
export async function createApp(config: Config, deps: Deps = {}): Promise<TagwardenApp> {
  const runtime = await createRuntime(config, deps)
  const app = new H3({
    onError(error) {
      // Anything that is not a deliberate HTTPError is a bug: log it, never leak it.
      if (!HTTPError.isError(error) || error.unhandled) {
        runtime.log.error('[tagwarden] unhandled error', { reason: String((error as Error).cause ?? error.message) })
      }
    },
  })
  for (const routes of ROUTES) routes(app, runtime)
  // Said once at start, so an unsafe production deployment is visible in its first log lines.
  if (config.production) for (const w of productionWarnings(config)) runtime.log.warn(`[tagwarden] production: ${w.problem}`, { fix: w.fix })
  const sweeper = createExpirySweeper(runtime.store, runtime.now, runtime.log)
  return {
    app,
    // h3 reads `context.clientAddress` as the peer's address (getRequestIP) when there is no socket.
    fetch: (request, context) => Promise.resolve(context?.clientAddress ? app.request(request, undefined, { clientAddress: context.clientAddress }) : app.fetch(request)),
    nodeHandler: toNodeHandler(app),
    runtime,
    start() {
      runtime.dispatcher.start()
      sweeper.start()
    },
    async close(drainMs = 5_000) {
      sweeper.stop()
      await runtime.dispatcher.stop(drainMs)
      await runtime.outbox.queue.close()
      await runtime.journal.save()
      await runtime.store.close()
    },
  }
}
