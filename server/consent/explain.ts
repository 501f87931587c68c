import { drivers } from '../destinations'
import { consentSignalsSchema, type ConsentSignals } from '../event'
import { CONTEXT_COOKIE } from './click-ids'
import type { ConsentPolicy, ConsentState, Decision } from './types'

/**
 * Destinations `tagwarden consent explain` reports by default: every registered driver's
 * destination, then each one's page pixel (`pinterest-capi`, `pinterest-tag`, `meta-capi`,
 * `tiktok-events`, `meta-pixel`, `tiktok-pixel`), then whether the context cookie keeps click ids
 * (`context-cookie`), so one run shows the whole decision.
 */
export const EXPLAIN_DESTINATIONS: readonly string[] = [
  ...new Set([...drivers.map((d) => d.destinationName), ...drivers.flatMap((d) => (d.pixel ? [d.pixel] : [])), CONTEXT_COOKIE]),
]

export interface ConsentExplanation {
  consent: ConsentState
  decisions: Record<string, Decision>
}

/**
 * What the policy makes of some signals: the normalized state and the decision per destination.
 * @example explainConsent(policy, { gpc: true, country: 'US' }).decisions['pinterest-capi'].action // 'restricted'
 */
export function explainConsent(
  policy: ConsentPolicy,
  signals: ConsentSignals | undefined,
  destinations: readonly string[] = EXPLAIN_DESTINATIONS,
): ConsentExplanation {
  const consent = policy.normalize(signals)
  return { consent, decisions: Object.fromEntries(destinations.map((d) => [d, policy.decide(d, consent)])) }
}

const fail = (flag: string, reason: string): never => {
  throw new Error(`[tagwarden] [consent explain] ${flag}: ${reason}`)
}

const BOOLEAN: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false }

/** Flags that take a value; the others (`--gpc`, `--gdpr-applies`) are booleans that may take one. */
const VALUE_FLAGS: Record<string, (value: string, out: ConsentSignals) => void> = {
  '--tcf': (v, out) => void (out.tcf = v),
  '--gpp': (v, out) => void (out.gpp = v),
  '--gpp-sid': (v, out) => {
    const ids = v.split(',').map((x) => Number(x.trim()))
    if (!ids.length || ids.some((n) => !Number.isInteger(n))) fail('--gpp-sid', `expected comma-separated section ids such as "2,7", got "${v}"`)
    out.gpp_sid = ids
  },
  '--us-privacy': (v, out) => {
    if (!/^1[YN-]{3}$/i.test(v)) fail('--us-privacy', `expected a 4-character uspv1 string such as "1YYN", got "${v}"`)
    out.us_privacy = v
  },
  '--country': (v, out) => {
    if (!/^[A-Za-z]{2}$/.test(v)) fail('--country', `expected a two-letter country code such as "DE", got "${v}"`)
    out.country = v.toUpperCase()
  },
  '--source': (v, out) => void (out.source = v),
  '--consent': (v, out) => {
    let parsed: unknown
    try {
      parsed = JSON.parse(v)
    } catch (error) {
      fail('--consent', `not valid JSON: ${(error as Error).message}`)
    }
    const result = consentSignalsSchema.safeParse(parsed)
    if (!result.success) fail('--consent', result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '))
    Object.assign(out, result.data, { ...out })
  },
}
const BOOLEAN_FLAGS: Record<string, keyof ConsentSignals> = { '--gpc': 'gpc', '--gdpr-applies': 'gdpr_applies', '--sale-opt-out': 'sale_opt_out' }

/**
 * Parse `tagwarden consent explain` arguments into raw signals:
 * `--tcf <s> --gpp <s> [--gpp-sid 2,7] [--us-privacy 1YYN] [--gpc] [--gdpr-applies[=false]]
 * [--sale-opt-out] [--country XX] [--source name] [--consent <json>]`; `--flag=value` works too.
 * Explicit flags win over the same field in `--consent`. Throws an error naming the bad flag.
 * @example parseExplainArgs(['--gpc', '--country', 'us']) // { gpc: true, country: 'US' }
 */
export function parseExplainArgs(argv: readonly string[]): ConsentSignals {
  const out: ConsentSignals = {}
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined]
    if (VALUE_FLAGS[flag]) {
      const value = inline ?? argv[++i]
      if (value === undefined || (inline === undefined && value.startsWith('--'))) fail(flag, 'needs a value')
      VALUE_FLAGS[flag](value, out)
    } else if (BOOLEAN_FLAGS[flag]) {
      const value = inline === undefined ? true : BOOLEAN[inline.toLowerCase()]
      if (value === undefined) fail(flag, `expected true or false, got "${inline}"`)
      Object.assign(out, { [BOOLEAN_FLAGS[flag]]: value })
    } else {
      fail(flag, `unknown option; expected one of ${[...Object.keys(VALUE_FLAGS), ...Object.keys(BOOLEAN_FLAGS)].join(', ')}`)
    }
  }
  return out
}
