import { redactConfig } from '../config'
import { productionWarnings } from '../production-warnings'
import { loadConfig } from './load-config'

/**
 * `tagwarden check` — validate the configuration and print it without secrets, then the production
 * warnings (README "Production checklist"): as warnings with NODE_ENV=production, else as what
 * would need attention before going live.
 */
export async function checkCommand(): Promise<void> {
  const config = await loadConfig()
  process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`)
  process.stdout.write(`[tagwarden] configuration is valid${config.dryRun ? ' (dry-run: no destination has credentials)' : ''}\n`)
  const warnings = productionWarnings(config)
  if (!warnings.length) return
  const lines = warnings.map((w) => `  - ${w.problem}\n    fix: ${w.fix}\n`).join('')
  const head = config.production
    ? `[tagwarden] ${warnings.length} production warning${warnings.length > 1 ? 's' : ''}:\n`
    : `[tagwarden] not production (NODE_ENV=${process.env.NODE_ENV || 'unset'}); before going live, ${warnings.length} setting${warnings.length > 1 ? 's' : ''} would need attention:\n`
  process.stdout.write(head + lines)
}
