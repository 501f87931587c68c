import { TCString } from '@iabtechlabtcf/core'
import type { ConsentFlag, ConsentFlagName, ConsentState } from './types'

export type TcfInfo = NonNullable<ConsentState['tcf']>

/**
 * TCF 2.2 made policy version 4 mandatory: strings with a lower version written after
 * 2023-09-30 are invalid (IAB "Consent string and vendor list formats v2", TcfPolicyVersion).
 */
const POLICY_V4_CUTOFF = Date.UTC(2023, 9, 1)
/** Purpose ids a TC string can carry (24-bit PurposesConsent field; TCF 2.2 defines 1–11). */
const PURPOSE_BITS = 24

const ids = (vector: { has(id: number): boolean }): number[] =>
  Array.from({ length: PURPOSE_BITS }, (_, i) => i + 1).filter((id) => vector.has(id))

/**
 * Why a TC string does not decode, in words a shop owner can act on (the decoder's own message is
 * a programming error text such as "invalid bit length").
 * @example tcfDecodeReason('hello world', e) // 'not a TC string: it has characters other than letters, digits, "-", "_" and "."'
 */
function tcfDecodeReason(tcString: string, error: unknown): string {
  const s = tcString.trim()
  if (!s) return 'empty TC string'
  if (!/^[A-Za-z0-9_.-]+$/.test(s)) return 'not a TC string: it has characters other than letters, digits, "-", "_" and "."'
  const bad = /invalid value (\S+) passed for (\w+)/.exec(String((error as Error)?.message ?? ''))
  if (bad?.[2] === 'cmpId') return `CMP id ${bad[1]} is not a registered CMP`
  if (bad) return `the TC string's ${bad[2]} field holds an invalid value (${bad[1].slice(0, 20)})`
  return 'the TC string is cut short or corrupted: its core segment does not decode'
}

/**
 * Decode a TC string with `@iabtechlabtcf/core` (`TCString.decode` needs no GVL). Never throws:
 * a string that fails to decode, is v1, has no registered CMP id or a pre-2.2 policy version
 * after the cutoff comes back `valid: false` with the reason — it counts as no consent.
 * @example decodeTcf('CO4VGswO4VGsw…').purposes // [1, 2, …, 10]
 */
export function decodeTcf(tcString: string): TcfInfo {
  let model: ReturnType<typeof TCString.decode>
  try {
    // The core segment comes first and starts with 'C' for version 2 ('B' is v1); the decoder
    // also accepts a lone Disclosed Vendors / Publisher TC segment, which carries no consent.
    model = TCString.decode(tcString.trim())
  } catch (error) {
    return { valid: false, purposes: [], reason: tcfDecodeReason(tcString, error) }
  }
  const version = Number(model.version)
  const cmpId = Number(model.cmpId)
  const info: TcfInfo = { valid: false, version, cmpId, purposes: [] }
  // iabtcf-es decodes v1 strings and reports version 1; v1 is invalid since 2020-09-30 (docs/consent-signals.md §8).
  if (version !== 2) return { ...info, reason: `TCF v${version} string (only v2 counts)` }
  // CmpId 0 and 1 are not registered CMPs (the decoder itself refuses them in the core segment).
  if (!(cmpId > 1)) return { ...info, reason: `CMP id ${cmpId} is not a registered CMP` }
  const policyVersion = Number(model.policyVersion)
  if (policyVersion < 4 && model.lastUpdated.getTime() >= POLICY_V4_CUTOFF) {
    return { ...info, reason: `policy version ${policyVersion} after 2023-09-30 (TCF 2.2 requires 4+)` }
  }
  return { ...info, valid: true, purposes: ids(model.purposeConsents), legitimateInterests: ids(model.purposeLegitimateInterests) }
}

/**
 * Consent Mode flags from TCF purpose consents, following Google's own TCF → consent mode map
 * (developers.google.com/tag-platform/security/guides/implement-TCF-strings; docs/consent-signals.md §7):
 * - ad_storage ← P1 "Store and/or access information on a device" (`_epik`, `_pin_unauth`, `_derived_epik`);
 * - ad_user_data ← P1 and P7 "Measure advertising performance" (a conversion is a measurement);
 * - ad_personalization ← P3 and P4 (create / use profiles for personalised advertising);
 * - analytics_storage ← P1 and P8 "Measure content performance" (Google maps none; unused by the shipped rules).
 * Only consent counts, not legitimate interest: Pinterest has no IAB vendor id, so no vendor LI
 * transparency can have been established for it (docs/consent-signals.md §7).
 */
export function tcfToFlags(purposes: readonly number[]): Record<ConsentFlagName, ConsentFlag> {
  const has = (...p: number[]): ConsentFlag => (p.every((id) => purposes.includes(id)) ? 'granted' : 'denied')
  return { ad_storage: has(1), ad_user_data: has(1, 7), ad_personalization: has(3, 4), analytics_storage: has(1, 8) }
}
