import { H3, HTTPError } from 'h3'
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
import { rateLimitRoutes } from './guards/rate-limit'
import { webhooksRoutes } from './routes/webhooks'
import { createExpirySweeper } from './storage/expire'
import { sameOriginRoutes } from './guards/same-site'
import { storeGuardRoutes } from './guards/store-guard'
import { shopifyPixelRoutes } from './routes/shopify-pixel'
import { productionWarnings } from './production-warnings'
import { createNodeHandler, type NodeHandler } from './http/node-handler'
import { reportRoutes } from './routes/report'
import { createReportBackground } from './report/background'

export interface TagwardenApp {
  /** The standalone h3 app: `routes` mounted at the prefix, plus the demo shop at `/demo/`. */
  app: H3
  /**
   * The routes without the prefix, for an h3 host: `host.mount(config.prefix, tw.routes)`. Mount
   * them at the prefix: the loader and the served scripts point the browser there.
   */
  routes: H3
  /**
   * Web-standard handler for full paths (prefix included): `(request, { clientAddress }) => Response`.
   * Hand in the address of the peer that sent the request (the socket's remote address, or your
   * framework's connection info); TAGWARDEN_TRUSTED_PROXIES then decides whether its forwarding
   * headers count.
   */
  fetch: (request: Request, context?: RequestContext) => Promise<Response>
  /**
   * Node handler: `http.createServer(tw.nodeHandler)`, or an Express/Connect app, mounted at the
   * prefix (`app.use('/tw', tw.nodeHandler)`, the host strips it) or not (`app.use(tw.nodeHandler)`).
   */
  nodeHandler: NodeHandler
  /**
   * @internal The services the routes share (the CLI and the tests read them). Not part of the
   * package's API: left out of dist/index.d.ts, and free to change in any release.
   */
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

/** The route groups under the prefix, in order (guards first); each is a function of (app, runtime) and registers prefix-less paths. */
const ROUTES = [rateLimitRoutes, sameOriginRoutes, storeGuardRoutes, healthRoutes, eventsRoutes, webhooksRoutes, adminRoutes, reportRoutes, inspectRoutes, metricsRoutes, loaderRoutes, ctxRoutes, fallbackRoutes, shopifyPixelRoutes, pinScriptRoutes, pinBeaconRoutes]

/**
 * Build tagwarden: its routes, mounted at `config.prefix`, plus its runtime (storage, pipeline, outbox).
 * @example const tw = await createApp(parseConfig(process.env)); http.createServer(tw.nodeHandler).listen(8787)
 */
export async function createApp(config: Config, deps: Deps = {}): Promise<TagwardenApp> {
  const runtime = await createRuntime(config, deps)
  const onError = (error: HTTPError) => {
    // Anything that is not a deliberate HTTPError is a bug: log it, never leak it.
    if (!HTTPError.isError(error) || error.unhandled) {
      runtime.log.error('[tagwarden] unhandled error', { reason: String((error as Error).cause ?? error.message) })
    }
  }
  // A mounted app's hooks are not inherited (h3 `mount`), so both carry the error hook: `routes`
  // answers alone when a host strips the prefix, `app` when it is mounted here.
  const routes = new H3({ onError })
  for (const group of ROUTES) group(routes, runtime)
  const app = new H3({ onError }).mount(config.prefix, routes)
  demoRoutes(app, runtime)
  // Said once at start, so an unsafe production deployment is visible in its first log lines.
  if (config.production) for (const w of productionWarnings(config)) runtime.log.warn(`[tagwarden] production: ${w.problem}`, { fix: w.fix })
  const sweeper = createExpirySweeper(runtime.store, runtime.now, runtime.log)
  const report = createReportBackground(runtime)
  return {
    app,
    routes,
    // h3 reads `context.clientAddress` as the peer's address (getRequestIP) when there is no socket.
    fetch: (request, context) => Promise.resolve(context?.clientAddress ? app.request(request, undefined, { clientAddress: context.clientAddress }) : app.fetch(request)),
    nodeHandler: createNodeHandler({ app, routes, prefix: config.prefix, log: runtime.log }),
    runtime,
    start() {
      runtime.dispatcher.start()
      sweeper.start()
      report.start()
    },
    async close(drainMs = 5_000) {
      sweeper.stop()
      await runtime.dispatcher.stop(drainMs)
      await report.stop()
      await runtime.outbox.queue.close()
      await runtime.journal.save()
      await runtime.store.close()
    },
  }
}
