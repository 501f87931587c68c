import { parseListen } from '../config'
import { applyHeapGrowth } from '../heap-growth'
import { startServer } from '../serve'
import { loadConfig } from './load-config'

/** Grace period for SIGTERM: stop accepting, deliver what can be delivered, persist the rest. */
const SHUTDOWN_DEADLINE_MS = 10_000

/** `tagwarden serve` — run the proxy until SIGTERM/SIGINT. */
export async function serveCommand(): Promise<void> {
  // Before the server allocates anything: the heap's growth bound applies from the first GC.
  applyHeapGrowth(process.env, process.execArgv)
  const config = await loadConfig()
  const running = await startServer(config, {}, parseListen(process.env))
  const log = running.tw.runtime.log
  // Links a person can open: a wildcard listen address is reached through localhost.
  const base = running.url.replace(/\/\/(0\.0\.0\.0|\[::\])(?=:)/, '//localhost')
  const demo = config.demo ? `${base}/demo/` : undefined
  const inspector = `${base}${config.prefix}/_/inspect${config.adminToken ? '?token=<TAGWARDEN_ADMIN_TOKEN>' : ''}`
  log.info(`[tagwarden] listening on ${running.url}${config.prefix}/ — ${demo ? `demo ${demo}, ` : ''}inspector ${inspector}${config.dryRun ? ' (dry-run: nothing is sent to Pinterest)' : ''}`, {
    storage: config.storage.kind,
    dry_run: config.dryRun,
    demo,
    inspector,
  })
  const stop = (signal: string) => {
    log.info(`[tagwarden] ${signal}: shutting down`)
    const deadline = setTimeout(() => {
      log.warn('[tagwarden] shutdown deadline reached; undelivered events stay persisted in the outbox')
      process.exit(0)
    }, SHUTDOWN_DEADLINE_MS)
    deadline.unref()
    // Leave a second for the last storage writes before the hard deadline.
    running.close(SHUTDOWN_DEADLINE_MS - 1_000).then(
      () => process.exit(0),
      (error) => {
        log.error('[tagwarden] shutdown failed', { reason: (error as Error).message })
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
}
