// The one rule that combines several consent sources (server/consent/combine.ts; README "Consent",
// precedence table): every row of the table, then what the policy makes of the result.
import { describe, expect, it } from 'vitest'
import { combineSources } from '../../server/consent/combine'
import type { SourceSignals } from '../../server/consent/source-signals'
import { createConsentPolicy } from '../../server/consent/policy'
import { makeTcString } from '../fixtures/consent/strings'

const regions = { EEA: 'denied' } as const
const all = (v: 'granted' | 'denied') => ({ ad_storage: v, ad_user_data: v, ad_personalization: v, analytics_storage: v })
const combine = (sources: SourceSignals[], country?: string) => combineSources(sources, { country, regions: {} })
const EEA = ['AT', 'DE', 'FR']

describe('combineSources', () => {
  it('an explicit "no" from any source wins for the fields it covers, whatever the others say and in any order', () => {
    const yes = { source: 'hook', ...all('granted') }
    const no = { source: 'onetrust', ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied' } as const
    for (const sources of [[yes, no], [no, yes]]) {
      expect(combine(sources)).toEqual({ ...all('denied'), analytics_storage: 'granted', source: 'onetrust' })
    }
  })

  it('an explicit grant beats any default, in both directions; a default fills only what nobody explicit said', () => {
    const defaults = [{ source: 'gcm-default', ...all('denied') }]
    expect(combine([...defaults, { source: 'gcm', ad_storage: 'granted' }])).toEqual({ ...all('denied'), ad_storage: 'granted', source: 'gcm' })
    expect(combine([{ source: 'gcm-default', ...all('granted') }, { source: 'cookiebot', ad_storage: 'denied' }])).toMatchObject({ ad_storage: 'denied', ad_user_data: 'granted', source: 'cookiebot' })
    expect(combine(defaults)).toEqual({ ...all('denied'), source: 'gcm-default' })
    expect(combine([])).toEqual({})
  })

  it('a TC string covers all four fields: its purposes map to them, so no default is left standing next to it', () => {
    const denyAll = makeTcString({ purposes: [] })
    const combined = combine([{ source: 'gcm-default', ...all('granted') }, { source: 'tcf', tcf: denyAll, gdpr_applies: true, ad_storage: 'denied' }])
    expect(combined).toEqual({ ...all('denied'), tcf: denyAll, gdpr_applies: true, source: 'tcf' })
    // Purposes 1, 3, 4, 7 but not 8: analytics_storage (P1 + P8) stays denied.
    const most = makeTcString({ purposes: [1, 3, 4, 7] })
    expect(combine([{ source: 'tcf', tcf: most, gdpr_applies: true }])).toMatchObject({ ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'denied' })
    // Where GDPR does not apply the string says nothing about the fields.
    expect(combine([{ source: 'tcf', tcf: denyAll, gdpr_applies: false, ad_storage: 'granted' }])).toMatchObject({ ad_storage: 'granted', gdpr_applies: false })
    // A string that does not decode counts as no consent.
    expect(combine([{ source: 'tcf', tcf: 'not-a-tc-string', gdpr_applies: true }])).toMatchObject(all('denied'))
  })

  it('Consent Mode defaults as Google applies them: the most specific region wins, a later command among equals', () => {
    const page = [
      { source: 'gcm-default', ...all('denied'), region: EEA },
      { source: 'gcm-default', ...all('granted') },
    ]
    expect(combine(page, 'DE')).toMatchObject({ ...all('denied'), source: 'gcm-default' })
    expect(combine(page, 'US')).toMatchObject({ ...all('granted'), source: 'gcm-default' })
    // A regional default beats a global one that comes after it; the last of two global ones wins.
    expect(combine([...page, { source: 'gcm-default', ad_storage: 'granted' }], 'FR').ad_storage).toBe('denied')
    expect(combine([{ source: 'gcm-default', ad_storage: 'denied' }, { source: 'gcm-default', ad_storage: 'granted' }]).ad_storage).toBe('granted')
  })

  it('a regional default that cannot be checked (no country, or a subdivision of the country) counts where it says "denied"', () => {
    const page: SourceSignals[] = [
      { source: 'gcm-default', ad_storage: 'denied', region: ['US-CA'] },
      { source: 'gcm-default', ad_storage: 'granted' },
    ]
    expect(combine(page, 'US').ad_storage).toBe('denied')
    expect(combine(page, 'DE').ad_storage).toBe('granted')
    expect(combine(page).ad_storage).toBe('denied')
    // A regional grant that cannot be checked does not count.
    expect(combine([{ source: 'gcm-default', ad_storage: 'granted', region: ['US-CA'] }], 'US').ad_storage).toBeUndefined()
  })

  it("the server's region default for the country meets the page's defaults: among defaults, denied wins", () => {
    const page = [{ source: 'gcm-default', ...all('granted') }]
    expect(combineSources(page, { country: 'DE', regions }).ad_storage).toBe('denied')
    expect(combineSources(page, { country: 'US', regions }).ad_storage).toBe('granted')
    // An explicit grant still beats it.
    expect(combineSources([...page, { source: 'hook', ad_storage: 'granted' }], { country: 'DE', regions }).ad_storage).toBe('granted')
  })

  it('opt-outs add up (no source can clear one); gdpr_applies if any source says so; raw strings are kept', () => {
    const combined = combine([
      { source: 'gpp', gpp: 'DBABLA~BVVVkkkkkpFY.YA', gpp_sid: [7], sale_opt_out: true },
      { source: 'shopify', ...all('granted'), sale_opt_out: false },
      { source: 'hook', gpc: true, us_privacy: '1YNN', gdpr_applies: false },
      { source: 'tcf', gdpr_applies: true, tcf: '' },
    ])
    expect(combined).toMatchObject({ sale_opt_out: true, gpc: true, gpp: 'DBABLA~BVVVkkkkkpFY.YA', gpp_sid: [7], us_privacy: '1YNN', gdpr_applies: true, source: 'shopify' })
    expect(combine([{ source: 'shopify', sale_opt_out: false }]).sale_opt_out).toBe(false)
  })

  it('the policy reads the result: a combined "no" suppresses both destinations, a default-only denial is no explicit decision', () => {
    const policy = createConsentPolicy({ defaultConsent: 'granted', regions })
    const state = policy.normalize(policy.combine([{ source: 'hook', ...all('granted') }, { source: 'cookiebot', ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied' }]))
    expect(policy.decide('pinterest-tag', state).action).toBe('suppress')
    expect(policy.decide('pinterest-capi', state).action).toBe('suppress')
    expect(policy.combine([{ source: 'gcm-default', ...all('granted') }], 'DE')).toMatchObject({ ad_storage: 'denied', source: 'gcm-default' })
  })
})
