import { createServer, type Server } from 'node:http'
import { createApp, type TagwardenApp } from './app'
import type { Config } from './config'
import type { Deps } from './runtime'

export interface Running { tw: TagwardenApp; server: Server; url: string; close(): Promise<void> }

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
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeIdleConnections()
        })
        await tw.close()
      })()),
  }
}
