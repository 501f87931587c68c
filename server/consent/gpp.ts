import { GppModel, Sections } from '@iabgpp/cmpapi'
import type { ConsentState } from './types'

export interface GppInfo {
  state: NonNullable<ConsentState['gpp']>
  /** An applicable US section (usnat or a state) says opted out of sale, sharing or targeted advertising, or uspv1 says OptOutSale=Y. */
  saleOptOut: boolean
  /** An applicable US section's GPC sub-section says GPC is set. */
  gpc: boolean
  /**
   * An applicable US section (usnat, a state, uspv1) answered the opt-out question — opted out or
   * did not: the shopper is under a US opt-out regime (docs/us-consent.md), where processing is
   * allowed until they opt out.
   */
  usRegime: boolean
  /** The raw `tcfeuv2` section (a TC string), when the GPP string carries one. */
  tcString?: string
  /** `gpp_sid` names section 2 (`tcfeuv2`) as applicable. */
  tcfApplies: boolean
}

/** US opt-out fields: 0 N/A, 1 Opted Out, 2 Did Not Opt Out (GPP `Sections/US-National` and state specs; docs/consent-signals.md §2). */
const OPT_OUT_FIELDS = ['SaleOptOut', 'SharingOptOut', 'TargetedAdvertisingOptOut'] as const
const OPTED_OUT = 1
const DID_NOT_OPT_OUT = 2
const USPV1 = 'uspv1'
const TCFEUV2_ID = 2

type SectionObject = Record<string, unknown>

const isUsSection = (name: string) => name === 'usnat' || /^us[a-z]{2}$/.test(name)

/**
 * Why a GPP string does not decode, in words a shop owner can act on (the library's messages
 * quote the string and name its internal classes).
 */
function gppDecodeReason(value: string, error: unknown): string {
  const message = String((error as Error)?.message ?? '')
  if (!/^[A-Za-z0-9_.~-]+$/.test(value)) return 'not a GPP string: it has characters other than letters, digits, "-", "_", "." and "~"'
  const sections = value.split('~').length - 1
  if (/number of sections does not match/i.test(message)) return `the header names a different number of sections than the ${sections} the string carries (cut short or corrupted)`
  const blank = /Section (\d+) is blank/i.exec(message)
  if (blank) return `section ${blank[1]} is empty`
  const segment = /Unable to decode (\w+) segment/i.exec(message)
  if (segment) return `its ${segment[1].toLowerCase()} section does not decode (cut short or corrupted)`
  return 'the GPP string is cut short or corrupted: it does not decode'
}

/**
 * Decode a GPP string with `@iabgpp/cmpapi`'s `GppModel`. Never throws: a string that does not
 * decode comes back `valid: false` with the reason and has no effect. Only applicable sections
 * count: those in `gpp_sid` when given (`-1` = none), else every section in the string.
 * @example decodeGpp('DBABTA~1YYY').saleOptOut // true
 */
export function decodeGpp(gpp: string, sid?: readonly number[]): GppInfo {
  const none: GppInfo = { state: { valid: false, sections: [] }, saleOptOut: false, gpc: false, usRegime: false, tcfApplies: false }
  const value = gpp.trim()
  // Header Type is 3 (6 bits) → the first base64url character is 'D' (Core/Consent String Specification.md).
  if (!value.startsWith('D')) return { ...none, state: { ...none.state, reason: 'not a GPP string (header type is not 3)' } }
  let ids: number[]
  let sections: Record<string, SectionObject>
  try {
    const model = new GppModel(value)
    ids = model.getSectionIds() as number[]
    sections = model.toObject() as Record<string, SectionObject>
  } catch (error) {
    return { ...none, state: { ...none.state, reason: gppDecodeReason(value, error) } }
  }
  const name = (id: number) => Sections.SECTION_ID_NAME_MAP.get(id) ?? `section-${id}`
  const applicable = sid ? ids.filter((id) => sid.includes(id)) : ids
  let saleOptOut = false
  let gpc = false
  let usRegime = false
  for (const sectionName of applicable.map(name)) {
    const fields = sections[sectionName] ?? {}
    if (sectionName === USPV1) {
      const optOutSale = String(fields.OptOutSale).toUpperCase()
      if (optOutSale === 'Y') saleOptOut = true
      if (optOutSale === 'Y' || optOutSale === 'N') usRegime = true
    }
    if (!isUsSection(sectionName)) continue
    if (OPT_OUT_FIELDS.some((field) => fields[field] === OPTED_OUT)) saleOptOut = true
    if (OPT_OUT_FIELDS.some((field) => fields[field] === OPTED_OUT || fields[field] === DID_NOT_OPT_OUT)) usRegime = true
    if (fields.Gpc === true) gpc = true
  }
  // Sections appear in header order after the header: `Header~Section~Section…`.
  const tcIndex = ids.indexOf(TCFEUV2_ID)
  const tcString = tcIndex >= 0 && applicable.includes(TCFEUV2_ID) ? value.split('~')[tcIndex + 1] : undefined
  return {
    state: { valid: true, sections: ids.map(name) },
    saleOptOut,
    gpc,
    usRegime,
    tcString,
    tcfApplies: !!sid?.includes(TCFEUV2_ID),
  }
}

/**
 * Legacy IAB CCPA string (`us_privacy`, 4 characters: version, notice, OptOutSale, LSPA):
 * the third character `Y` is an opt-out of sale. @example uspOptOut('1YYN') // true
 */
export function uspOptOut(usPrivacy: string | undefined): boolean {
  const value = usPrivacy?.trim().toUpperCase()
  return !!value && /^1[YN-]{3}$/.test(value) && value[2] === 'Y'
}

/**
 * True when a US Privacy string answered the opt-out question (third character `Y` or `N`): the
 * shopper is under CCPA's opt-out regime. `1---` (CCPA does not apply) is no answer.
 * @example uspAnswered('1YNN') // true
 */
export function uspAnswered(usPrivacy: string | undefined): boolean {
  const value = usPrivacy?.trim().toUpperCase()
  return !!value && /^1[YN-]{3}$/.test(value) && value[2] !== '-'
}
