import { describe, expect, it } from 'vitest'
import { createConsentPolicy } from '../../server/consent/policy'
import { normalizeConsent, type NormalizeOptions } from '../../server/consent/normalize'
import type { ConsentSignals } from '../../server/event'
import { GPP, TCF, makeTcString } from '../fixtures/consent/strings'

const DENIED: NormalizeOptions = { regions: { EEA: 'denied' }, defaultConsent: 'denied' }
const GRANTED: NormalizeOptions = { regions: { EEA: 'denied' }, defaultConsent: 'granted' }
const flags = (v: string) => ({ ad_storage: v, ad_user_data: v, ad_personalization: v, analytics_storage: v })
const norm = (s: ConsentSignals | undefined, o: NormalizeOptions = DENIED) => normalizeConsent(s, o)

describe('no explicit decision: defaults', () => {
  it('an event with no signal at all gets defaultConsent (denied)', () => {
    expect(norm(undefined)).toEqual({ ...flags('denied'), sale_opt_out: false, gdpr_applies: null, gpc: false, source: 'default' })
  })

  it('defaultConsent granted grants every flag', () => {
    expect(norm({}, GRANTED)).toMatchObject({ ...flags('granted'), source: 'default' })
  })

  it('country and adapter name alone are not a decision', () => {
    expect(norm({ country: 'us', source: 'shopify' }, GRANTED)).toMatchObject({ ...flags('granted'), country: 'US', source: 'default' })
  })

  it('region default for an EEA country beats defaultConsent', () => {
    expect(norm({ country: 'DE' }, GRANTED)).toMatchObject({ ...flags('denied'), source: 'region-default' })
    expect(norm({ country: 'GB' }, GRANTED).ad_storage).toBe('denied')
    expect(norm({ country: 'CH' }, GRANTED).ad_storage).toBe('denied')
  })

  it('a country key beats the EEA group; an unlisted country falls to defaultConsent', () => {
    const o: NormalizeOptions = { regions: { EEA: 'denied', IE: 'granted', US: 'granted' }, defaultConsent: 'denied' }
    expect(norm({ country: 'IE' }, o)).toMatchObject({ ad_storage: 'granted', source: 'region-default' })
    expect(norm({ country: 'US' }, o)).toMatchObject({ ad_storage: 'granted', source: 'region-default' })
    expect(norm({ country: 'BR' }, o)).toMatchObject({ ad_storage: 'denied', source: 'default' })
  })

  it('an unknown country code (Cloudflare XX) is no country', () => {
    expect(norm({ country: 'XX' }).country).toBeUndefined()
  })
})

describe('Consent Mode / CMP adapters / hook', () => {
  it('an explicit decision beats the region default', () => {
    expect(norm({ ...flags('granted'), country: 'DE' } as ConsentSignals)).toMatchObject({ ...flags('granted'), source: 'consent-mode' })
  })

  it('names the adapter that supplied it', () => {
    expect(norm({ ad_storage: 'granted', source: 'cookiebot' }).source).toBe('cmp:cookiebot')
    expect(norm({ ad_storage: 'granted', source: 'hook' }).source).toBe('hook')
  })

  it('leaves types the CMP did not set unset — defaults do not fill them', () => {
    expect(norm({ ad_storage: 'granted' }, GRANTED)).toMatchObject({
      ad_storage: 'granted', ad_user_data: 'unset', ad_personalization: 'unset', analytics_storage: 'unset',
    })
  })
})

describe('TCF', () => {
  it('gdpr_applies with no TC string means no consent, whatever Consent Mode says', () => {
    const s = norm({ gdpr_applies: true, ...flags('granted') } as ConsentSignals)
    expect(s).toMatchObject({ ...flags('denied'), gdpr_applies: true, source: 'tcf', tcf: { valid: false, purposes: [] } })
  })

  it('a valid TC string where GDPR applies maps purposes to flags', () => {
    expect(norm({ gdpr_applies: true, tcf: TCF.allPurposes })).toMatchObject({ ...flags('granted'), source: 'tcf', tcf: { valid: true, cmpId: 31 } })
    expect(norm({ gdpr_applies: true, tcf: makeTcString({ purposes: [1] }) })).toMatchObject({ ad_storage: 'granted', ad_user_data: 'denied' })
  })

  it('a Consent Mode denial on the same page still wins over a TCF grant', () => {
    expect(norm({ gdpr_applies: true, tcf: TCF.allPurposes, ad_user_data: 'denied', ad_storage: 'granted' })).toMatchObject({
      ad_storage: 'granted', ad_user_data: 'denied', ad_personalization: 'granted',
    })
  })

  it.each([
    ['malformed', TCF.malformed],
    ['v1', TCF.v1],
    ['CMP id 0', TCF.cmpId0],
  ])('a %s TC string counts as no consent, even beside a Consent Mode grant', (_, tcf) => {
    for (const gdpr_applies of [true, undefined]) {
      const s = norm({ gdpr_applies, tcf, ...flags('granted') } as ConsentSignals, GRANTED)
      expect(s).toMatchObject({ ...flags('denied'), source: 'tcf', tcf: { valid: false } })
    }
  })

  it('a TC string is ignored when the CMP says GDPR does not apply', () => {
    const s = norm({ gdpr_applies: false, tcf: TCF.malformed, country: 'US' }, GRANTED)
    expect(s).toMatchObject({ ...flags('granted'), gdpr_applies: false, source: 'default' })
    expect(s.tcf).toBeUndefined()
  })

  it('takes the TC string from an applicable GPP tcfeuv2 section; gpp_sid 2 means GDPR applies', () => {
    const tc = makeTcString({ purposes: [1, 7] })
    expect(norm({ gpp: `DBABMA~${tc}`, gpp_sid: [2] })).toMatchObject({ gdpr_applies: true, ad_storage: 'granted', ad_user_data: 'granted', source: 'tcf' })
  })
})

describe('opt-out of sale/sharing', () => {
  it('GPC cannot be overridden: GPC + full TCF consent keeps sale_opt_out', () => {
    const s = norm({ gpc: true, gdpr_applies: true, tcf: TCF.allPurposes, sale_opt_out: false })
    expect(s).toMatchObject({ ...flags('granted'), sale_opt_out: true, gpc: true, source: 'gpc' })
  })

  it('GPC beats a GPP string that says "did not opt out" and a CMP that allows sale', () => {
    expect(norm({ gpc: true, gpp: GPP.usnatNoOptOut, sale_opt_out: false, ...flags('granted') } as ConsentSignals)).toMatchObject({ sale_opt_out: true, source: 'gpc' })
  })

  it('a GPP GPC sub-section counts as GPC even when usnat says "did not opt out"', () => {
    expect(norm({ gpp: GPP.usnatNoOptOutGpc })).toMatchObject({ gpc: true, sale_opt_out: true, source: 'gpc' })
  })

  it('GPP usnat opt-out sets sale_opt_out and wins over the Consent Mode source', () => {
    expect(norm({ gpp: GPP.usnatOptOut.replace('.YA', ''), ...flags('granted') } as ConsentSignals)).toMatchObject({
      ...flags('granted'), sale_opt_out: true, gpc: false, source: 'gpp', gpp: { valid: true, sections: ['usnat'] },
    })
  })

  it('usnat "did not opt out" leaves sale_opt_out false', () => {
    expect(norm({ gpp: GPP.usnatNoOptOut }).sale_opt_out).toBe(false)
  })

  it('a GPP section outside gpp_sid (or gpp_sid -1) does not count', () => {
    expect(norm({ gpp: GPP.usnatOptOut, gpp_sid: [-1] })).toMatchObject({ sale_opt_out: false, gpc: false })
  })

  it('uspv1 (us_privacy and in GPP) OptOutSale=Y', () => {
    expect(norm({ us_privacy: '1YYN' })).toMatchObject({ sale_opt_out: true, source: 'us-privacy' })
    expect(norm({ us_privacy: '1YNN' }).sale_opt_out).toBe(false)
    expect(norm({ gpp: GPP.uspv1OptOut })).toMatchObject({ sale_opt_out: true, source: 'gpp' })
  })

  it("a CMP's sale_opt_out (Shopify saleOfDataAllowed() === false)", () => {
    expect(norm({ sale_opt_out: true, source: 'shopify', ...flags('granted') } as ConsentSignals)).toMatchObject({ sale_opt_out: true, source: 'cmp:shopify' })
  })

  it('an invalid GPP string is recorded and has no effect', () => {
    expect(norm({ gpp: 'DBABLA~z' }, GRANTED)).toMatchObject({ ...flags('granted'), sale_opt_out: false, gpp: { valid: false, sections: [] }, source: 'default' })
  })
})

describe('policy.normalize', () => {
  it('decodes one signals object once', () => {
    const policy = createConsentPolicy({ defaultConsent: 'denied' })
    const signals: ConsentSignals = { gdpr_applies: true, tcf: TCF.allPurposes }
    expect(policy.normalize(signals)).toBe(policy.normalize(signals))
    expect(policy.normalize(undefined)).toMatchObject({ source: 'default' })
  })

  it('uses the configured regions and defaults to EEA denied', () => {
    expect(createConsentPolicy({ defaultConsent: 'granted' }).normalize({ country: 'FR' }).ad_storage).toBe('denied')
    expect(createConsentPolicy({ defaultConsent: 'granted', regions: {} }).normalize({ country: 'FR' }).ad_storage).toBe('granted')
    expect(createConsentPolicy({ defaultConsent: 'denied', regions: { US: 'granted' } }).normalize({ country: 'US' }).ad_storage).toBe('granted')
  })
})
