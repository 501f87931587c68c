import { createServer, type Server } from 'node:http'
import { createApp, type TagwardenApp } from './app'
import type { Config, ListenOptions } from './config'
import type { Deps } from './runtime'

export interface Running {
  tw: TagwardenApp
  server: Server
  url: string
  /** Stop accepting, let requests in progress finish, deliver for up to `drainMs` (default 5 s), persist the rest. */
  close(drainMs?: number): Promise<void>
}

/** Where to listen (default 127.0.0.1:8787; port 0 = any free port) and the slow-client bounds (slowloris: a client that trickles its head or body). */
export interface ServeOptions extends Partial<ListenOptions> {
  /** The whole request, head and body, must arrive within this; else 408 and the connection is closed. Default 30,000. */
  requestTimeoutMs?: number
  /** The request head must arrive within this. Default 15,000. */
  headersTimeoutMs?: number
}

/**
 * Start a Node HTTP server for tagwarden on `options.host:options.port` (default 127.0.0.1:8787).
 * @example const { url, close } = await startServer(parseConfig(process.env), {}, parseListen(process.env))
 */
export async function startServer(config: Config, deps: Deps = {}, options: ServeOptions = {}): Promise<Running> {
  const tw = await createApp(config, deps)
  const listen = { port: options.port ?? 8787, host: options.host ?? '127.0.0.1' }
  const requestTimeout = options.requestTimeoutMs ?? 30_000
  const headersTimeout = Math.min(options.headersTimeoutMs ?? 15_000, requestTimeout)
  // Node checks those timeouts only every connectionsCheckingInterval (default 30 s, which would let
  // a trickling client hold its socket for up to twice the timeout); a quarter of the head timeout
  // keeps the overshoot small at the cost of one cheap sweep over open connections.
  // https://nodejs.org/api/http.html#httpcreateserveroptions-requestlistener
  const connectionsCheckingInterval = Math.max(50, Math.min(5_000, Math.floor(headersTimeout / 4)))
  const server = createServer({ requestTimeout, headersTimeout, connectionsCheckingInterval }, tw.nodeHandler)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(listen.port, listen.host, () => resolve())
  })
  tw.start()
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : listen.port
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host
  let closing: Promise<void> | undefined
  return {
    tw,
    server,
    url: `http://${host}:${port}`,
    close: (drainMs = 5_000) =>
      (closing ??= (async () => {
        // Requests in progress finish (their events are persisted, then acknowledged); a connection
        // still busy after half the grace period is cut — its client retries, and dedup absorbs it.
        const started = Date.now()
        const cut = setTimeout(() => server.closeAllConnections(), Math.max(100, drainMs / 2))
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeIdleConnections()
        })
        clearTimeout(cut)
        await tw.close(Math.max(0, drainMs - (Date.now() - started)))
      })()),
  }
}
