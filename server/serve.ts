import { createServer, type Server } from 'node:http'
import { createApp, type TagwardenApp } from './app'
import type { Config } from './config'
import type { Deps } from './runtime'

export interface Running {
  tw: TagwardenApp
  server: Server
  url: string
  /** Stop accepting, let requests in progress finish, deliver for up to `drainMs` (default 5 s), persist the rest. */
  close(drainMs?: number): Promise<void>
}

/**
 * Start a Node HTTP server for tagwarden on `config.host:config.port` (port 0 = any free port).
 * @example const { url, close } = await startServer(parseConfig(process.env))
 */
export async function startServer(config: Config, deps: Deps = {}): Promise<Running> {
  const tw = await createApp(config, deps)
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 15_000 }, tw.nodeHandler)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => resolve())
  })
  tw.start()
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
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
