import { describe, expect, it } from 'vitest'
import { consentConfigSchema, parseConsentConfig, ruleSchema } from '../../server/consent/config'
import { createConsentPolicy } from '../../server/consent/policy'
import { DEFAULT_RULES, evaluateRules } from '../../server/consent/rules'
import type { ConsentState } from '../../server/consent/types'
import { TCF, makeTcString } from '../fixtures/consent/strings'

const state = (over: Partial<ConsentState> = {}): ConsentState => ({
  ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted',
  sale_opt_out: false, gdpr_applies: null, gpc: false, source: 'consent-mode', ...over,
})
const policy = createConsentPolicy({ defaultConsent: 'denied' })
const decide = (dest: string, over: Partial<ConsentState>) => policy.decide(dest, state(over))
const tcf = (purposes: number[]) => ({ valid: true, version: 2, cmpId: 10, purposes })

describe('default rules: pinterest-tag', () => {
  const d = (over: Partial<ConsentState>) => decide('pinterest-tag', over)

  it('gdpr-tcf-p1-p7: suppress where GDPR applies and P1 or P7 lacks consent', () => {
    expect(d({ gdpr_applies: true, tcf: tcf([1]) })).toEqual({ action: 'suppress', rule: 'gdpr-tcf-p1-p7' })
    expect(d({ gdpr_applies: true, tcf: tcf([7]) })).toEqual({ action: 'suppress', rule: 'gdpr-tcf-p1-p7' })
    expect(d({ gdpr_applies: true, tcf: { valid: false, purposes: [] } })).toEqual({ action: 'suppress', rule: 'gdpr-tcf-p1-p7' })
    expect(d({ gdpr_applies: true, tcf: tcf([1, 7]) })).toEqual({ action: 'allow', rule: 'allow' })
  })

  it('ad-storage-not-granted: suppress on denied and on unset', () => {
    expect(d({ ad_storage: 'denied' })).toEqual({ action: 'suppress', rule: 'ad-storage-not-granted' })
    expect(d({ ad_storage: 'unset' })).toEqual({ action: 'suppress', rule: 'ad-storage-not-granted' })
  })

  it('sale-opt-out: LDP when the tag may run', () => {
    expect(d({ sale_opt_out: true })).toEqual({ action: 'restricted', rule: 'sale-opt-out' })
  })

  it('first match wins: no ad_storage + opt-out is suppressed, not LDP', () => {
    expect(d({ ad_storage: 'denied', sale_opt_out: true }).action).toBe('suppress')
  })

  it('allow otherwise (ad_user_data does not gate the tag)', () => {
    expect(d({ ad_user_data: 'denied' })).toEqual({ action: 'allow', rule: 'allow' })
  })
})

describe('default rules: pinterest-capi', () => {
  const d = (over: Partial<ConsentState>) => decide('pinterest-capi', over)

  it('gdpr-tcf-p1-p7: suppress where GDPR applies and P1 or P7 lacks consent', () => {
    expect(d({ gdpr_applies: true, tcf: tcf([1, 3, 4]) })).toEqual({ action: 'suppress', rule: 'gdpr-tcf-p1-p7' })
    expect(d({ gdpr_applies: false, tcf: tcf([1]) }).rule).not.toBe('gdpr-tcf-p1-p7')
  })

  it('no-ad-consent: suppress when ad_storage and ad_user_data are both not granted', () => {
    expect(d({ ad_storage: 'denied', ad_user_data: 'denied' })).toEqual({ action: 'suppress', rule: 'no-ad-consent' })
    expect(d({ ad_storage: 'unset', ad_user_data: 'denied' })).toEqual({ action: 'suppress', rule: 'no-ad-consent' })
    expect(d({ ad_storage: 'unset', ad_user_data: 'unset' })).toEqual({ action: 'suppress', rule: 'no-ad-consent' })
  })

  it('ad-user-data-not-granted: strip identifiers and the click id', () => {
    const decision = d({ ad_user_data: 'denied' })
    // Each destination's own declared identifiers and click ids (consent/apply.ts strippedFields).
    expect(decision).toEqual({ action: 'strip', rule: 'ad-user-data-not-granted', fields: ['identifiers'] })
    expect(d({ ad_user_data: 'unset' }).rule).toBe('ad-user-data-not-granted')
  })

  it('sale-opt-out-no-user-data: opt-out and no ad_user_data → LDP that strips all but st/country', () => {
    expect(d({ sale_opt_out: true, ad_user_data: 'denied' })).toEqual({ action: 'restricted', rule: 'sale-opt-out-no-user-data', fields: ['identifiers'] })
  })

  it('sale-opt-out: LDP', () => {
    expect(d({ sale_opt_out: true })).toEqual({ action: 'restricted', rule: 'sale-opt-out' })
    expect(d({ sale_opt_out: true, ad_storage: 'denied' })).toEqual({ action: 'restricted', rule: 'sale-opt-out' })
  })

  it('allow otherwise, ad_storage denied alone included', () => {
    expect(d({})).toEqual({ action: 'allow', rule: 'allow' })
    expect(d({ ad_storage: 'denied' })).toEqual({ action: 'allow', rule: 'allow' })
  })
})

describe('default rules: any other destination ("*")', () => {
  const d = (over: Partial<ConsentState>) => decide('meta-capi', over)

  it('allows what is granted (not suppress-unless-granted) and strips like CAPI', () => {
    expect(d({})).toEqual({ action: 'allow', rule: 'allow' })
    expect(d({ ad_storage: 'denied' })).toEqual({ action: 'allow', rule: 'allow' })
    expect(d({ ad_user_data: 'denied' })).toMatchObject({ action: 'strip', rule: 'ad-user-data-not-granted' })
  })

  it('an opt-out is its restricted mode (each destination has its own: LDP, LDU, limited data use); suppresses without ad consent', () => {
    expect(d({ sale_opt_out: true })).toEqual({ action: 'restricted', rule: 'sale-opt-out' })
    expect(d({ ad_storage: 'denied', ad_user_data: 'denied' })).toEqual({ action: 'suppress', rule: 'no-ad-consent' })
    expect(d({ gdpr_applies: true })).toEqual({ action: 'suppress', rule: 'gdpr-tcf-p1-p7' })
  })

  it('is the very list pinterest-capi follows: one list for every server copy', () => {
    const states: Partial<ConsentState>[] = [{}, { ad_user_data: 'denied' }, { sale_opt_out: true }, { sale_opt_out: true, ad_user_data: 'unset' }, { ad_storage: 'unset', ad_user_data: 'unset' }, { gdpr_applies: true }]
    for (const over of states) expect(d(over)).toEqual(decide('pinterest-capi', over))
  })
})

describe('evaluateRules', () => {
  const rules = [
    { id: 'first', when: { country: ['DE'] }, action: 'suppress' },
    { id: 'second', when: { country: 'EEA' }, action: 'restricted' },
    { when: {}, action: 'allow' },
  ].map((r) => ruleSchema.parse(r))

  it('first match wins, in order', () => {
    expect(evaluateRules(rules, state({ country: 'DE' }))).toEqual({ action: 'suppress', rule: 'first' })
    expect(evaluateRules(rules, state({ country: 'FR' }))).toEqual({ action: 'restricted', rule: 'second' })
  })

  it('names an id-less rule by position and suppresses when nothing matches', () => {
    expect(evaluateRules(rules, state({ country: 'US' }))).toEqual({ action: 'allow', rule: '#3' })
    expect(evaluateRules(rules.slice(0, 2), state({ country: 'US' }))).toEqual({ action: 'suppress', rule: 'no-rule-matched' })
  })

  it.each([
    [{ ad_storage: 'granted' }, {}, true],
    [{ ad_storage: ['denied', 'unset'] }, { ad_storage: 'unset' }, true],
    [{ ad_storage: 'not_granted' }, {}, false],
    [{ sale_opt_out: true }, { sale_opt_out: true }, true],
    [{ gpc: true }, {}, false],
    [{ gdpr_applies: null }, {}, true],
    [{ gdpr_applies: true }, {}, false],
    [{ tcf_valid: false }, {}, true],
    [{ tcf_purposes_missing: [3, 4] }, { tcf: tcf([3]) }, true],
    [{ tcf_purposes_missing: [3, 4] }, { tcf: tcf([3, 4]) }, false],
    [{ tcf_purposes_missing: [1] }, {}, true],
    [{ country: ['us', 'CA'] }, { country: 'US' }, true],
    [{ country: 'EEA' }, { country: 'NO' }, true],
    [{ country: 'EEA' }, {}, false],
    [{ source: ['gpc', 'tcf'] }, { source: 'gpc' }, true],
    [{ ad_storage: 'granted', country: 'US' }, { country: 'DE' }, false],
  ])('when %j on %j → %s', (when, over, expected) => {
    const decision = evaluateRules([ruleSchema.parse({ id: 'x', when, action: 'suppress' })], state(over as Partial<ConsentState>))
    expect(decision.rule === 'x').toBe(expected)
  })
})

describe('rules from config', () => {
  it('replace the defaults of their destination only', () => {
    const config = parseConsentConfig({
      rules: { 'pinterest-capi': [{ id: 'eu-off', when: { country: 'EEA' }, action: 'suppress' }, { id: 'rest', action: 'allow' }] },
    })
    const p = createConsentPolicy({ ...config, defaultConsent: 'denied' })
    expect(p.decide('pinterest-capi', state({ country: 'DE' }))).toEqual({ action: 'suppress', rule: 'eu-off' })
    expect(p.decide('pinterest-capi', state({ ad_user_data: 'denied' }))).toEqual({ action: 'allow', rule: 'rest' })
    expect(p.decide('pinterest-tag', state({ ad_storage: 'denied' })).rule).toBe('ad-storage-not-granted')
  })

  it('"*" covers destinations without their own list; named lists still win', () => {
    const p = createConsentPolicy({ ...parseConsentConfig({ rules: { '*': [{ id: 'none', action: 'suppress' }] } }), defaultConsent: 'denied' })
    expect(p.decide('tiktok', state())).toEqual({ action: 'suppress', rule: 'none' })
    // pinterest-capi ships no list of its own: it is one of the server copies "*" is for.
    expect(p.decide('pinterest-capi', state())).toEqual({ action: 'suppress', rule: 'none' })
    expect(p.decide('pinterest-tag', state())).toEqual({ action: 'allow', rule: 'allow' })
  })

  it('run end to end from signals: strip for a TCF string without P7 outside GDPR', () => {
    const p = createConsentPolicy({
      ...parseConsentConfig({ rules: { 'pinterest-capi': [{ id: 'need-p7', when: { tcf_purposes_missing: [7] }, action: 'strip', fields: ['em', 'pinterest.epik'] }, { action: 'allow' }] } }),
      defaultConsent: 'denied',
    })
    expect(p.decide('pinterest-capi', p.normalize({ tcf: makeTcString({ purposes: [1] }) }))).toEqual({ action: 'strip', rule: 'need-p7', fields: ['em', 'pinterest.epik'] })
    expect(p.decide('pinterest-capi', p.normalize({ tcf: TCF.allPurposes }))).toEqual({ action: 'allow', rule: '#2' })
  })
})

describe('config validation', () => {
  const problems = (input: unknown): string => {
    try {
      parseConsentConfig(input)
    } catch (error) {
      return (error as Error).message
    }
    throw new Error('expected the config to be rejected')
  }

  it('accepts an empty section and normalizes regions and when values', () => {
    expect(parseConsentConfig(undefined)).toEqual({})
    expect(parseConsentConfig({ regions: { us: 'granted', eea: 'denied' } })).toEqual({ regions: { US: 'granted', EEA: 'denied' } })
    expect(consentConfigSchema.parse({ rules: { x: [{ when: { ad_storage: 'not_granted', country: 'de' }, action: 'suppress' }] } }).rules!.x[0].when)
      .toEqual({ ad_storage: ['denied', 'unset'], country: ['DE'] })
  })

  it('"strip" without "fields" strips every identifier the destination declares; "ldp" is read as "restricted"', () => {
    expect(ruleSchema.parse({ action: 'strip' })).toEqual({ when: {}, action: 'strip', fields: ['identifiers'] })
    expect(ruleSchema.parse({ action: 'restricted', fields: ['click_ids', 'meta.fbp'] })).toEqual({ when: {}, action: 'restricted', fields: ['click_ids', 'meta.fbp'] })
  })

  it('lists every problem with its path', () => {
    const message = problems({
      regions: { USA: 'granted', DE: 'maybe' },
      rules: {
        'pinterest-capi': [
          { action: 'strip', fields: [] },
          { action: 'strip', fields: ['email'] },
          { action: 'allow', fields: ['em'] },
          { when: { ad_storag: 'denied' }, action: 'allow' },
          { when: { ad_storage: 'yes' }, action: 'allow' },
          { action: 'drop' },
        ],
        'Bad Name': [],
      },
      extra: true,
    })
    expect(message).toMatch(/^\[tagwarden\] \[consent\] invalid config:/)
    for (const expected of [
      'consent.regions.USA: region "USA" is not a two-letter country code or "EEA"',
      'consent.regions.DE: expected "granted" or "denied"',
      'consent.rules.pinterest-capi[0].fields: lists no identifier',
      'consent.rules.pinterest-capi[1].fields[0]: unknown identifier "email"; expected "identifiers", "click_ids", em, ph,',
      'consent.rules.pinterest-capi[2].fields: "fields" only applies to "strip" and "restricted", not "allow"',
      'consent.rules.pinterest-capi[3].when: unknown key "ad_storag"; expected ad_storage,',
      'consent.rules.pinterest-capi[4].when.ad_storage: expected "granted", "denied", "unset", "not_granted"',
      'consent.rules.pinterest-capi[5].action: expected one of allow, strip, restricted, suppress',
      'consent.rules.Bad Name: destination name "Bad Name" must be',
      'consent: unknown key "extra"; expected "regions", "rules"',
    ]) expect(message).toContain(expected)
  })

  it('rejects duplicate rule ids in one list', () => {
    expect(problems({ rules: { x: [{ id: 'a', action: 'allow' }, { id: 'a', action: 'suppress' }] } })).toContain('consent.rules.x[1].id: duplicate rule id "a"')
  })

  it('every shipped list ends with a catch-all, so defaults never fall through', () => {
    expect(Object.keys(DEFAULT_RULES).sort()).toEqual(['*', 'meta-pixel', 'pinterest-tag', 'tiktok-pixel'])
    for (const rules of Object.values(DEFAULT_RULES)) expect(rules.at(-1)).toMatchObject({ when: {}, id: 'allow' })
  })
})
