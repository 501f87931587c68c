import { redactConfig } from '../config'
import { loadConfig } from './load-config'

/** `tagwarden check` — validate the configuration and print it without secrets. */
export async function checkCommand(): Promise<void> {
  const config = await loadConfig()
  process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`)
  process.stdout.write(`[tagwarden] configuration is valid${config.pinterest.dryRun ? ' (dry-run: no Pinterest credentials)' : ''}\n`)
}
