import { describe, expect, it } from 'vitest'
import { explainConsent, parseExplainArgs } from '../../server/consent/explain'
import { createConsentPolicy } from '../../server/consent/policy'
import { GPP, TCF } from '../fixtures/consent/strings'

const policy = createConsentPolicy({ defaultConsent: 'denied' })

describe('parseExplainArgs', () => {
  it('reads every flag into raw signals', () => {
    expect(parseExplainArgs(['--tcf', TCF.allPurposes, '--gpp', GPP.usnatOptOut, '--gpp-sid', '7', '--gpc', '--country', 'us', '--gdpr-applies', '--us-privacy', '1YNN', '--source', 'onetrust'])).toEqual({
      tcf: TCF.allPurposes, gpp: GPP.usnatOptOut, gpp_sid: [7], gpc: true, country: 'US', gdpr_applies: true, us_privacy: '1YNN', source: 'onetrust',
    })
  })

  it('takes --flag=value, boolean values and --consent JSON (explicit flags win)', () => {
    expect(parseExplainArgs(['--gdpr-applies=false', '--country=DE', '--consent', '{"ad_storage":"granted","country":"FR","gpc":false}', '--gpc=true'])).toEqual({
      gdpr_applies: false, country: 'DE', ad_storage: 'granted', gpc: true,
    })
    expect(parseExplainArgs([])).toEqual({})
  })

  it.each([
    [['--country', 'USA'], '[tagwarden] [consent explain] --country: expected a two-letter country code such as "DE", got "USA"'],
    [['--tcf'], '--tcf: needs a value'],
    [['--gpp', '--gpc'], '--gpp: needs a value'],
    [['--gpp-sid', '2,x'], '--gpp-sid: expected comma-separated section ids'],
    [['--us-privacy', 'Y'], '--us-privacy: expected a 4-character uspv1 string'],
    [['--gpc=maybe'], '--gpc: expected true or false, got "maybe"'],
    [['--consent', '{bad'], '--consent: not valid JSON'],
    [['--consent', '{"ad_storage":"yes"}'], '--consent: ad_storage: Invalid option'],
    [['--consent', '{"colour":1}'], '--consent: Unrecognized key: "colour"'],
    [['--tfc', 'x'], '--tfc: unknown option; expected one of --tcf, --gpp,'],
  ])('%j fails naming the flag', (argv, message) => {
    expect(() => parseExplainArgs(argv)).toThrow(message)
  })
})

describe('explainConsent', () => {
  it('prints the normalized state and a decision per registered destination and page pixel', () => {
    const out = explainConsent(policy, parseExplainArgs(['--tcf', TCF.allPurposes, '--gdpr-applies', '--gpc', '--country', 'DE']))
    expect(out).toEqual({
      consent: {
        ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted',
        sale_opt_out: true, gdpr_applies: true, gpc: true, country: 'DE', source: 'gpc',
        tcf: { valid: true, version: 2, cmpId: 31, purposes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], legitimateInterests: [2, 3, 4, 5, 6, 7, 8, 9, 10] },
      },
      decisions: {
        'pinterest-capi': { action: 'restricted', rule: 'sale-opt-out' },
        'pinterest-tag': { action: 'restricted', rule: 'sale-opt-out' },
        'meta-capi': { action: 'restricted', rule: 'sale-opt-out' },
        'tiktok-events': { action: 'restricted', rule: 'sale-opt-out' },
        'meta-pixel': { action: 'restricted', rule: 'sale-opt-out' },
        'tiktok-pixel': { action: 'restricted', rule: 'sale-opt-out' },
        'context-cookie': { action: 'allow', rule: 'allow' },
      },
    })
    expect(JSON.parse(JSON.stringify(out))).toEqual(out)
  })

  it('explains a suppression and other destinations on request', () => {
    const out = explainConsent(policy, parseExplainArgs(['--country', 'FR']), ['pinterest-capi', 'meta-capi'])
    expect(out.consent).toMatchObject({ source: 'region-default', country: 'FR', ad_storage: 'denied', sale_opt_out: false })
    expect(out.decisions).toEqual({
      'pinterest-capi': { action: 'suppress', rule: 'no-ad-consent' },
      'meta-capi': { action: 'suppress', rule: 'no-ad-consent' },
    })
  })
})
