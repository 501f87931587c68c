import { createConsentPolicy, explainConsent, parseExplainArgs } from '../consent'
import { loadConfig } from './load-config'
import { COMMAND_USAGE } from './usage'

/**
 * `tagwarden consent explain --tcf <s> --gpp <s> [--gpc] [--country XX] [--consent <json>]` — the
 * normalized consent state and every destination's decision (Pinterest, Meta, TikTok, and the Meta/TikTok browser pixels), with the
 * rule that made it, as JSON.
 */
export async function consentCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args
  if (sub !== 'explain') throw new Error(`[tagwarden] [consent] ${sub ? `unknown action "${sub}"` : 'missing action'}: the one action is explain\n\n${COMMAND_USAGE.consent}`)
  const config = await loadConfig()
  const policy = createConsentPolicy({ ...config.consent, defaultConsent: config.defaultConsent })
  // Every destination tagwarden knows (configured or not): explain.ts EXPLAIN_DESTINATIONS.
  process.stdout.write(`${JSON.stringify(explainConsent(policy, parseExplainArgs(rest)), null, 2)}\n`)
}
