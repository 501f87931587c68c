import { describe, expect, it } from 'vitest'
import { decodeGpp, uspOptOut } from '../../server/consent/gpp'
import { decodeTcf, tcfToFlags } from '../../server/consent/tcf'
import { GPP, TCF, makeTcString } from '../fixtures/consent/strings'

const ONE_TO_TEN = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]

describe('decodeTcf on real TC strings', () => {
  it('decodes a valid v2 string from the iabtcf-es test suite', () => {
    expect(decodeTcf(TCF.allPurposes)).toEqual({
      valid: true, version: 2, cmpId: 31, purposes: ONE_TO_TEN, legitimateInterests: [2, 3, 4, 5, 6, 7, 8, 9, 10],
    })
  })

  it('rejects a real multi-segment string with policy version 2 written after 2023-09-30', () => {
    expect(decodeTcf(TCF.liveRamp)).toMatchObject({ valid: false, cmpId: 279, purposes: [], reason: expect.stringMatching(/policy version 2/) })
  })

  it('decodes a valid string where nothing is consented', () => {
    expect(decodeTcf(TCF.noPurposes)).toMatchObject({ valid: true, cmpId: 31, purposes: [] })
  })

  it('rejects a v1 string even though the library decodes it', () => {
    const info = decodeTcf(TCF.v1)
    expect(info).toMatchObject({ valid: false, version: 1, purposes: [] })
    expect(info.reason).toMatch(/v1/)
  })

  it('rejects a malformed string (bitfield length mismatch)', () => {
    const info = decodeTcf(TCF.malformed)
    expect(info.valid).toBe(false)
    expect(info.reason).toBe('the TC string is cut short or corrupted: its core segment does not decode')
  })

  it('rejects CmpId 0 (the iabgpp-es default tcfeuv2 section)', () => {
    const info = decodeTcf(TCF.cmpId0)
    expect(info).toMatchObject({ valid: false, purposes: [] })
    expect(info.reason).toBe('CMP id 0 is not a registered CMP')
  })

  it('rejects a lone non-core segment (decodes with no CMP id)', () => {
    expect(decodeTcf('YAAAAAAAAAAA')).toMatchObject({ valid: false, cmpId: 0, reason: expect.stringMatching(/CMP id 0/) })
  })

  it('rejects the spec example: policy version 2 on a string written in 2025', () => {
    expect(decodeTcf(TCF.specExample)).toMatchObject({ valid: false, cmpId: 880, reason: expect.stringMatching(/policy version 2/) })
  })

  it.each(['', 'C', 'not a tc string', '%%%'])('never throws on garbage %j', (s) => {
    expect(decodeTcf(s).valid).toBe(false)
  })
})

describe('decodeTcf on strings encoded with TCModel + TCString.encode', () => {
  it('round-trips the chosen purposes and CMP id', () => {
    expect(decodeTcf(makeTcString({ purposes: [1, 7], cmpId: 300 }))).toEqual({
      valid: true, version: 2, cmpId: 300, purposes: [1, 7], legitimateInterests: [],
    })
  })

  it('keeps legitimate interests apart from consents', () => {
    const info = decodeTcf(makeTcString({ purposes: [1], legitimateInterests: [7] }))
    expect(info.purposes).toEqual([1])
    expect(info.legitimateInterests).toEqual([7])
  })

  it('rejects a fresh string with a pre-2.2 policy version', () => {
    expect(decodeTcf(makeTcString({ purposes: [1, 7], policyVersion: 2 })).valid).toBe(false)
  })
})

describe('tcfToFlags', () => {
  it('maps P1 → ad_storage, P1+P7 → ad_user_data, P3+P4 → ad_personalization, P1+P8 → analytics_storage', () => {
    expect(tcfToFlags([1])).toEqual({ ad_storage: 'granted', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied' })
    expect(tcfToFlags([1, 7])).toMatchObject({ ad_storage: 'granted', ad_user_data: 'granted' })
    expect(tcfToFlags([7])).toMatchObject({ ad_storage: 'denied', ad_user_data: 'denied' })
    expect(tcfToFlags([3])).toMatchObject({ ad_personalization: 'denied' })
    expect(tcfToFlags([3, 4])).toMatchObject({ ad_personalization: 'granted' })
    expect(tcfToFlags([1, 8])).toMatchObject({ analytics_storage: 'granted' })
    expect(tcfToFlags([])).toEqual({ ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied' })
  })
})

describe('decodeGpp on real GPP strings', () => {
  it('usnat with Sale/Sharing/TargetedAdvertising opted out and a GPC sub-section', () => {
    expect(decodeGpp(GPP.usnatOptOut)).toEqual({ state: { valid: true, sections: ['usnat'] }, saleOptOut: true, gpc: true, usRegime: true, tcString: undefined, tcfApplies: false })
  })

  it('usnat "did not opt out" is no opt-out', () => {
    expect(decodeGpp(GPP.usnatNoOptOut)).toMatchObject({ saleOptOut: false, gpc: false })
  })

  it('usnat "did not opt out" with the GPC sub-section set reports GPC', () => {
    expect(decodeGpp(GPP.usnatNoOptOutGpc)).toMatchObject({ saleOptOut: false, gpc: true })
  })

  it('uspv1 OptOutSale=Y inside GPP is an opt-out; N is not', () => {
    expect(decodeGpp(GPP.uspv1OptOut)).toMatchObject({ state: { valid: true, sections: ['uspv1'] }, saleOptOut: true })
    expect(decodeGpp(GPP.uspv1NoOptOut).saleOptOut).toBe(false)
  })

  it('hands out the tcfeuv2 section as a TC string', () => {
    const info = decodeGpp(GPP.tcfeuv2)
    expect(info.state.sections).toEqual(['tcfeuv2'])
    expect(info.tcString).toBe('CPSG_8APSG_8ANwAAAENAwCAAAAAAAAAAAAAAAAAAAAA.QAAA.IAAA')
    expect(decodeTcf(info.tcString!)).toMatchObject({ valid: true, cmpId: 880, purposes: [] })
    const tc = makeTcString({ purposes: [1, 7] })
    expect(decodeTcf(decodeGpp(`DBABMA~${tc}`).tcString!).purposes).toEqual([1, 7])
  })

  it('names several sections in header order', () => {
    expect(decodeGpp(GPP.tcfAndUspv1).state.sections).toEqual(['tcfeuv2', 'uspv1'])
    expect(decodeGpp(GPP.usnatAndUsva).state.sections).toEqual(['usnat', 'usva'])
  })

  it('counts only the sections gpp_sid names as applicable', () => {
    expect(decodeGpp(GPP.usnatOptOut, [2]).saleOptOut).toBe(false)
    expect(decodeGpp(GPP.usnatOptOut, [7]).saleOptOut).toBe(true)
    expect(decodeGpp(GPP.tcfAndUspv1, [6]).tcString).toBeUndefined()
    expect(decodeGpp(GPP.tcfAndUspv1, [2]).tcfApplies).toBe(true)
  })

  it.each([
    ['header promises a missing section', GPP.headerOnlyMismatch],
    ['bad usnat section', 'DBABLA~z'],
    ['bad uspv1 section', 'DBABTA~zz'],
    ['not a GPP header', 'CPSG_8A~1YNN'],
  ])('is invalid (never throws): %s', (_, s) => {
    const info = decodeGpp(s)
    expect(info).toMatchObject({ state: { valid: false, sections: [] }, saleOptOut: false, gpc: false })
    expect(info.state.reason).toBeTruthy()
  })
})

describe('uspOptOut (legacy us_privacy)', () => {
  it.each([
    ['1YYN', true], ['1NYN', true], ['1yyy', true], ['1YNN', false], ['1---', false], ['1Y', false], ['YYYY', false], [undefined, false],
  ])('%j → %s', (value, expected) => {
    expect(uspOptOut(value)).toBe(expected)
  })
})
