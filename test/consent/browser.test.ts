// One shopper's browser, decided by the policy alone (consent/browser.ts, consent/click-ids.ts):
// what /ctx answers per browser tag, whether the context cookie keeps click ids, and whether a tag
// may run with its ids kept first-party (which also decides the server-made _fbp).
import { describe, expect, it } from 'vitest'
import { createConsentPolicy } from '../../server/consent/policy'
import { makeTcString } from '../fixtures/consent/strings'

const TAGS = ['pinterest-tag', 'meta-pixel', 'tiktok-pixel']
const policy = createConsentPolicy({ defaultConsent: 'granted', browserTags: TAGS })

describe('policy.browser', () => {
  it('answers a decision for each configured browser tag, once each', () => {
    const p = createConsentPolicy({ defaultConsent: 'granted', browserTags: ['pinterest-tag', 'meta-pixel', 'pinterest-tag'] })
    expect(p.browserTags).toEqual(['pinterest-tag', 'meta-pixel'])
    expect(p.browser({ ad_storage: 'granted' }).decisions).toEqual({ 'pinterest-tag': { action: 'allow', rule: 'allow' }, 'meta-pixel': { action: 'allow', rule: 'allow' } })
    expect(createConsentPolicy({ defaultConsent: 'granted' }).browser(undefined).decisions).toEqual({})
  })

  it('keeps no click id after an explicit ad_storage denial: a CMP, the hook, a signal without source, a TC string, GDPR without one', () => {
    for (const signals of [
      { ad_storage: 'denied', source: 'hook' },
      { ad_storage: 'denied', source: 'onetrust' },
      { ad_storage: 'denied' },
      { gdpr_applies: true, source: 'tcf' },
      { tcf: makeTcString({ purposes: [] }), gdpr_applies: true, source: 'tcf' },
    ] as const) {
      const d = policy.browser(signals)
      expect(d.keepsClickIds, JSON.stringify(signals)).toBe(false)
      expect(d.runs('pinterest-tag')).toBe(false)
      expect(d.runs('meta-pixel')).toBe(false)
    }
  })

  it('keeps click ids, unsent, where the denial is only a default: a Consent Mode default, a region default, TAGWARDEN_DEFAULT_CONSENT', () => {
    const byDefault = createConsentPolicy({ defaultConsent: 'denied', browserTags: TAGS })
    for (const [p, signals] of [
      [policy, { ad_storage: 'denied', source: 'gcm-default' }],
      [policy, { country: 'FR' }],
      [byDefault, undefined],
      [byDefault, { gpc: true }],
    ] as const) {
      const d = p.browser(signals)
      expect(d.keepsClickIds, JSON.stringify(signals)).toBe(true)
      // The tags still do not run: ad_storage is not granted.
      expect(d.decisions['meta-pixel'].action).toBe('suppress')
      expect(d.runs('meta-pixel')).toBe(false)
    }
  })

  it('lets a tag run where its decision is not suppress, and follows configured rules', () => {
    expect(policy.browser(undefined).runs('meta-pixel')).toBe(true)
    expect(policy.browser({ ad_storage: 'granted', sale_opt_out: true, source: 'hook' }).runs('tiktok-pixel')).toBe(true)
    expect(policy.browser({ ad_storage: 'granted' }).runs('not-a-browser-tag')).toBe(false)
    const noMeta = createConsentPolicy({ defaultConsent: 'granted', browserTags: TAGS, rules: { 'meta-pixel': [{ id: 'never', when: {}, action: 'suppress' }] } })
    const d = noMeta.browser({ ad_storage: 'granted' })
    expect(d.decisions['meta-pixel']).toEqual({ action: 'suppress', rule: 'never' })
    expect(d.runs('meta-pixel')).toBe(false)
    expect(d.runs('tiktok-pixel')).toBe(true)
  })
})
