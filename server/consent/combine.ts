import type { ConsentSignals } from '../event'
import { regionDefault } from './regions'
import { decodeTcf, tcfToFlags } from './tcf'
import type { SourceSignals } from './source-signals'
import { CONSENT_FLAGS, type ConsentFlagName } from './types'

/** The source name of a Google Consent Mode `default` command (the loader's gcm adapter); every other source is explicit. */
export const GCM_DEFAULT = 'gcm-default'


type Grant = 'granted' | 'denied'
type Flags = Partial<Record<ConsentFlagName, Grant>>

/** How a default's `region` list applies to the shopper: 2 names the country, 1 might apply (a subdivision of it, or the country is unknown), 0 global, -1 not here. */
function reach(region: readonly string[] | undefined, country: string | undefined): number {
  if (!region?.length) return 0
  const codes = region.map((r) => r.trim().toUpperCase())
  if (country && codes.includes(country)) return 2
  return codes.some((c) => !country || c.startsWith(`${country}-`)) ? 1 : -1
}

/**
 * The page's Consent Mode defaults for this shopper, field by field, as Google applies them: the
 * most specific matching region wins, a later command wins among equals (docs/consent-signals.md
 * §3). A regional default that might apply but cannot be checked (no country, or a subdivision of
 * the shopper's country) still counts where it says `denied`. Then the server's region default for
 * the country: among defaults, `denied` wins.
 */
function defaults(sources: readonly SourceSignals[], country: string | undefined, regions: Readonly<Record<string, Grant>>): Flags {
  const out: Flags = {}
  const server = regionDefault(regions, country)
  for (const flag of CONSENT_FLAGS) {
    let best = -1
    let value: Grant | undefined
    let maybeDenied = false
    for (const s of sources) {
      const v = s[flag]
      const r = reach(s.region, country)
      if (!v || r < 0) continue
      if (r === 1) maybeDenied ||= v === 'denied'
      else if (r >= best) (best = r), (value = v)
    }
    if (value && (maybeDenied || server === 'denied')) value = 'denied'
    if (value) out[flag] = value
  }
  return out
}

/** What one explicit source says per flag: its Consent Mode values, and the flags its TC string maps to where GDPR applies. */
function statements(s: SourceSignals): Flags {
  const flags: Flags = {}
  for (const f of CONSENT_FLAGS) if (s[f]) flags[f] = s[f]
  if (s.tcf?.trim() && s.gdpr_applies !== false) {
    const tc = decodeTcf(s.tcf)
    const mapped = tc.valid ? tcfToFlags(tc.purposes) : undefined
    for (const f of CONSENT_FLAGS) if (flags[f] !== 'denied') flags[f] = mapped?.[f] === 'granted' ? 'granted' : 'denied'
  }
  return flags
}

export interface CombineOptions {
  /** The shopper's country (trusted header), uppercase. */
  country?: string
  /** The configured region defaults (policy `regions`). */
  regions: Readonly<Record<string, Grant>>
}

/**
 * Several sources → one snapshot (README "Consent", precedence table). The one place sources meet:
 * 1. per flag, an explicit `denied` from any source wins for the flags that source covers (a TC
 *    string covers all four); else an explicit `granted`; else the defaults (`defaults` above);
 *    else the flag stays unset (the policy's region default / TAGWARDEN_DEFAULT_CONSENT apply);
 * 2. `sale_opt_out` and `gpc`: any source; `gdpr_applies`: true if any source says so;
 * 3. raw TC / GPP / US Privacy strings are kept for the policy to decode (first source that has one);
 * 4. `source` names what decided `ad_storage`: the first explicit source with the winning value,
 *    `gcm-default` when only defaults did, else the first explicit source.
 * @example combineSources([{ source: 'tcf', tcf: s, gdpr_applies: true }, { source: 'gcm-default', ad_storage: 'granted' }], { regions: {} })
 */
export function combineSources(sources: readonly SourceSignals[], options: CombineOptions): ConsentSignals {
  const explicit = sources.filter((s) => s.source !== GCM_DEFAULT)
  const base = defaults(sources.filter((s) => s.source === GCM_DEFAULT), options.country, options.regions)
  const said = explicit.map((s) => ({ s, flags: statements(s) }))
  const out: ConsentSignals = {}
  let decidedBy: string | undefined
  for (const flag of CONSENT_FLAGS) {
    const denied = said.find((x) => x.flags[flag] === 'denied')
    const granted = said.find((x) => x.flags[flag] === 'granted')
    const winner = denied ?? granted
    const value = winner?.flags[flag] ?? base[flag]
    if (value) out[flag] = value
    if (flag === 'ad_storage') decidedBy = winner?.s.source ?? (value ? GCM_DEFAULT : undefined)
  }
  const first = <K extends keyof SourceSignals>(key: K) => explicit.find((s) => s[key] !== undefined && s[key] !== '')?.[key]
  const withTcf = explicit.find((s) => s.tcf?.trim())
  if (withTcf) out.tcf = withTcf.tcf
  const gpp = explicit.find((s) => s.gpp?.trim())
  if (gpp) {
    out.gpp = gpp.gpp
    if (gpp.gpp_sid) out.gpp_sid = gpp.gpp_sid
  }
  const usp = first('us_privacy')
  if (usp) out.us_privacy = usp as string
  const applies = explicit.map((s) => s.gdpr_applies).filter((v) => v !== undefined)
  if (applies.length) out.gdpr_applies = applies.includes(true)
  if (explicit.some((s) => s.gpc)) out.gpc = true
  if (explicit.some((s) => s.sale_opt_out)) out.sale_opt_out = true
  else if (explicit.some((s) => s.sale_opt_out === false)) out.sale_opt_out = false
  const source = decidedBy ?? explicit[0]?.source
  if (source) out.source = source
  return out
}
