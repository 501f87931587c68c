import type { ConsentSignals } from '../event'
import { GCM_DEFAULT } from './combine'
import { decodeGpp, uspAnswered, uspOptOut } from './gpp'
import { normalizeCountry, regionDefault } from './regions'
import { decodeTcf, tcfToFlags, type TcfInfo } from './tcf'
import { CONSENT_FLAGS, type ConsentFlag, type ConsentFlagName, type ConsentState } from './types'

export interface NormalizeOptions {
  /** Default for all four flags per country code or `EEA` (already uppercase). */
  regions: Readonly<Record<string, 'granted' | 'denied'>>
  /** TAGWARDEN_DEFAULT_CONSENT: for an event that carries no consent decision at all. */
  defaultConsent: 'granted' | 'denied'
}

type Flags = Record<ConsentFlagName, ConsentFlag>

const all = (value: ConsentFlag): Flags => ({ ad_storage: value, ad_user_data: value, ad_personalization: value, analytics_storage: value })

/** Name a CMP adapter's signals by the loader's `source`: the public hook is `hook`, adapters `cmp:<name>`. */
const cmpSource = (source: string | undefined) => (!source ? 'consent-mode' : source === 'hook' ? 'hook' : `cmp:${source}`)

/**
 * Raw signals → one consent state (docs/design.md "Consent model"; docs/consent-signals.md §9). Pure; never throws.
 *
 * Flags, first that applies:
 * 1. a TC string that counts (GDPR applies or is unknown): valid → purposes mapped to flags, where
 *    a Consent Mode `denied` from the same page still wins; invalid (bad, v1, CMP id 0/1,
 *    pre-2.2 policy) → all denied. `gdpr_applies` with no TC string at all → all denied;
 * 2. Consent Mode values from a CMP adapter / the hook; a type it did not set stays `unset`;
 * 3. a GPP US section or US Privacy string that answered the opt-out question → all granted (the
 *    US opt-out regime; the opt-out itself is `sale_opt_out` below);
 * 4. the region default for the country (shipped: US granted, EEA denied); 5. `defaultConsent`.
 * Opt-out of sale/sharing: GPC (header or JS, or a GPP GPC sub-section) cannot be overridden;
 * GPP US sections, uspv1 and a CMP's `sale_opt_out` add to it, none can clear it.
 */
export function normalizeConsent(signals: ConsentSignals | undefined, options: NormalizeOptions): ConsentState {
  const s = signals ?? {}
  const country = normalizeCountry(s.country)
  const gpp = s.gpp?.trim() ? decodeGpp(s.gpp, s.gpp_sid?.includes(-1) ? [] : s.gpp_sid) : undefined
  const gdprApplies = s.gdpr_applies ?? (gpp?.tcfApplies ? true : null)
  const tcString = s.tcf?.trim() || gpp?.tcString
  const fromSignals = cmpSource(s.source)

  let tcf: TcfInfo | undefined
  let flags: Flags
  let flagSource: string
  const consentMode = CONSENT_FLAGS.filter((f) => s[f] !== undefined)
  if (tcString && gdprApplies !== false) {
    tcf = decodeTcf(tcString)
    flags = tcf.valid ? tcfToFlags(tcf.purposes) : all('denied')
    for (const f of consentMode) if (s[f] === 'denied') flags[f] = 'denied'
    flagSource = 'tcf'
  } else if (gdprApplies === true) {
    // No CMP, or a CMP that does not answer, while GDPR applies: no consent (CMP API v2; docs/consent-signals.md §1).
    tcf = { valid: false, purposes: [], reason: 'gdpr_applies without a TC string' }
    flags = all('denied')
    flagSource = 'tcf'
  } else if (consentMode.length) {
    flags = all('unset')
    for (const f of consentMode) flags[f] = s[f]!
    flagSource = fromSignals
  } else if (gpp?.usRegime || uspAnswered(s.us_privacy)) {
    // US state privacy laws are opt-out regimes (docs/us-consent.md): a US section or US Privacy
    // string that answered the opt-out question allows processing; an opt-out sets sale_opt_out (LDP).
    flags = all('granted')
    flagSource = gpp?.usRegime ? 'gpp' : 'us-privacy'
  } else {
    const region = regionDefault(options.regions, country)
    flags = all(region ?? options.defaultConsent)
    flagSource = region ? 'region-default' : 'default'
  }

  const gpc = s.gpc === true || gpp?.gpc === true
  const usp = uspOptOut(s.us_privacy)
  const cmpOptOut = s.sale_opt_out === true
  const sale_opt_out = gpc || !!gpp?.saleOptOut || usp || cmpOptOut
  // The winner: GPC first (it cannot be overridden), then a TC string, then whichever opt-out
  // signal set sale_opt_out, then whatever set the flags.
  const source = gpc ? 'gpc'
    : flagSource === 'tcf' ? 'tcf'
    : gpp?.saleOptOut ? 'gpp'
    : usp ? 'us-privacy'
    : cmpOptOut ? fromSignals
    : flagSource

  const state: ConsentState = { ...flags, sale_opt_out, gdpr_applies: gdprApplies, gpc, source }
  if (tcf) state.tcf = tcf
  if (gpp) state.gpp = gpp.state
  if (country) state.country = country
  return state
}

/**
 * Whether the state's Consent Mode flags are a decision — a TC string (or GDPR without one), or a
 * CMP's or the hook's Consent Mode values — rather than a default (the page's Consent Mode default,
 * the US opt-out regime's, a region default, TAGWARDEN_DEFAULT_CONSENT). The `decided` key of a
 * rule's `when` (README "Writing rules"). Without the signals, only a TC string is known to be one.
 * @example flagsDecided({ ad_storage: 'denied', source: 'gcm-default' }, state) // false
 */
export function flagsDecided(signals: ConsentSignals | undefined, state: ConsentState): boolean {
  if (state.tcf) return true
  // Consent Mode values are read before the US regime and the defaults (normalizeConsent, rule 2).
  return !!signals && signals.source !== GCM_DEFAULT && CONSENT_FLAGS.some((f) => signals[f] !== undefined)
}
