// A destination declares the consent purposes it needs (Consent Mode flags, TCF purposes) and its
// shipped rules are made from that (consent/declared-rules.ts): the shipped lists of Pinterest,
// Meta and TikTok are exactly the ones tagwarden always shipped, and a new driver that needs other
// purposes gets matching decisions without an edit outside its own definition.
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { TagwardenApp } from '../../server/app'
import { ruleSchema } from '../../server/consent/config'
import { createConsentPolicy } from '../../server/consent/policy'
import { DEFAULT_RULES } from '../../server/consent/rules'
import { resolveOptions } from '../../server/config'
import { createTagwarden } from '../../server/create-tagwarden'
import { defineDestination, type BrowserTag, type Destination } from '../../server/destinations/define-destination'
import { browserTagNames, pinterestCapi } from '../../server/destinations'
import type { CanonicalEvent, ConsentSignals } from '../../server/event'
import { createLogger } from '../../server/log'
import { createStore } from '../../server/storage/create-store'
import { makeTcString } from '../fixtures/consent/strings'

/** The lists tagwarden shipped when they were written by hand, per destination name. */
const GDPR_TCF = { gdpr_applies: true, tcf_purposes_missing: [1, 7] }
const BROWSER_TAG = [
  { id: 'gdpr-tcf-p1-p7', when: GDPR_TCF, action: 'suppress' },
  { id: 'ad-storage-not-granted', when: { ad_storage: 'not_granted' }, action: 'suppress' },
  { id: 'sale-opt-out', when: { sale_opt_out: true }, action: 'restricted' },
  { id: 'allow', when: {}, action: 'allow' },
]
const HAND_WRITTEN: Record<string, unknown[]> = {
  'pinterest-tag': BROWSER_TAG,
  'meta-pixel': BROWSER_TAG,
  'tiktok-pixel': BROWSER_TAG,
  '*': [
    { id: 'gdpr-tcf-p1-p7', when: GDPR_TCF, action: 'suppress' },
    { id: 'no-ad-consent', when: { ad_storage: 'not_granted', ad_user_data: 'not_granted' }, action: 'suppress' },
    { id: 'sale-opt-out-no-user-data', when: { sale_opt_out: true, ad_user_data: 'not_granted' }, action: 'restricted', fields: ['identifiers'] },
    { id: 'ad-user-data-not-granted', when: { ad_user_data: 'not_granted' }, action: 'strip', fields: ['identifiers'] },
    { id: 'sale-opt-out', when: { sale_opt_out: true }, action: 'restricted' },
    { id: 'allow', when: {}, action: 'allow' },
  ],
}

const ANALYTICS = { storage: ['analytics_storage'], tcfPurposes: [8] } as const

/** A made-up analytics platform: its server API and its page pixel need analytics_storage and TCF purpose 8, nothing else. */
const acmeStats = defineDestination({
  name: 'acme-stats',
  kind: 'batch',
  options: z.object({}).strict(),
  env: {},
  consent: ANALYTICS,
  pixel: 'acme-stats-pixel',
  create: (): Destination<{ id: string }> => ({
    name: 'acme-stats', kind: 'batch', platform: 'Acme', maxBatch: 10, live: false, rateLimitKey: 'acme', credentialsKey: '',
    credentials: { settings: 'ACME_TOKEN' }, describe: () => ({}),
    identifiers: { personal: ['em'], ids: ['acme.click'], network: ['client_ip_address', 'client_user_agent'] },
    toPayload: (e) => ({ id: e.event_id }), validate: () => undefined,
    toRequest: () => ({ url: 'http://127.0.0.1:9/', method: 'POST', headers: {}, body: '' }),
    fromResponse: () => ({ kind: 'rejected', reason: 'never sent' }),
  }),
})

/** Its browser tag, configured by an embedder. */
const acmeTag = defineDestination({
  name: 'acme-tag',
  kind: 'tag',
  options: z.object({}).strict(),
  env: {},
  consent: ANALYTICS,
  create: (): BrowserTag => ({ name: 'acme-tag', kind: 'tag', scriptOrigin: 'http://127.0.0.1:9', beaconOrigin: 'http://127.0.0.1:9', identifiers: { personal: [], ids: [], network: [] }, describe: () => ({}) }),
})

const ANALYTICS_ONLY = { ad_storage: 'denied', ad_user_data: 'denied', analytics_storage: 'granted', source: 'hook' } as const
const ADS_ONLY = { ad_storage: 'granted', ad_user_data: 'granted', analytics_storage: 'denied', source: 'hook' } as const

let tw: TagwardenApp | undefined
afterEach(async () => {
  await tw?.close()
  tw = undefined
})

describe('shipped rules from declared purposes', () => {
  it('are, for Pinterest, Meta and TikTok, the lists written by hand before, rule for rule', () => {
    const expected = Object.fromEntries(Object.entries(HAND_WRITTEN).map(([d, rules]) => [d, rules.map((r) => ruleSchema.parse(r))]))
    expect(DEFAULT_RULES).toEqual(expected)
    expect(JSON.stringify(Object.keys(DEFAULT_RULES).sort().map((d) => [d, DEFAULT_RULES[d]]))).toBe(JSON.stringify(Object.keys(expected).sort().map((d) => [d, expected[d]])))
  })

  it('give a driver declaring analytics_storage and TCF purpose 8 its own decisions, for its server copy and its pixel', () => {
    expect(acmeStats.subjects).toEqual([
      { name: 'acme-stats', kind: 'batch', needs: ANALYTICS },
      { name: 'acme-stats-pixel', kind: 'tag', needs: ANALYTICS },
    ])
    const config = resolveOptions({ storage: 'memory:', destinations: [pinterestCapi(), acmeStats(), acmeTag()] })
    const policy = createConsentPolicy({ ...config.consent, defaultConsent: 'denied' })
    const decide = (dest: string, signals: ConsentSignals) => policy.decide(dest, policy.normalize(signals))

    expect(decide('acme-stats', ANALYTICS_ONLY)).toEqual({ action: 'allow', rule: 'allow' })
    expect(decide('pinterest-capi', ANALYTICS_ONLY)).toEqual({ action: 'suppress', rule: 'no-ad-consent' })
    expect(decide('acme-stats', ADS_ONLY)).toEqual({ action: 'suppress', rule: 'no-analytics-consent' })
    expect(decide('pinterest-capi', ADS_ONLY)).toEqual({ action: 'allow', rule: 'allow' })
    expect(decide('acme-tag', ANALYTICS_ONLY)).toEqual({ action: 'allow', rule: 'allow' })
    expect(decide('acme-tag', ADS_ONLY)).toEqual({ action: 'suppress', rule: 'analytics-storage-not-granted' })

    // Where GDPR applies, TCF purpose 8 is what it needs (1 + 8 grant analytics_storage), 1 + 7 what Pinterest needs.
    const tcf = (purposes: number[]) => ({ tcf: makeTcString({ purposes }), gdpr_applies: true, source: 'tcf' })
    expect(decide('acme-stats', tcf([1, 7]))).toEqual({ action: 'suppress', rule: 'gdpr-tcf-p8' })
    expect(decide('acme-tag', tcf([1, 7]))).toEqual({ action: 'suppress', rule: 'gdpr-tcf-p8' })
    expect(decide('acme-stats', tcf([1, 8]))).toEqual({ action: 'allow', rule: 'allow' })
    expect(decide('pinterest-capi', tcf([1, 8]))).toEqual({ action: 'suppress', rule: 'gdpr-tcf-p1-p7' })
    // A US opt-out is its restricted mode, as for every destination.
    expect(decide('acme-stats', { analytics_storage: 'granted', gpc: true, source: 'hook' })).toEqual({ action: 'restricted', rule: 'sale-opt-out' })
  })

  it('still yield to consent.rules["<name>"], and keep their own list under a configured "*"', () => {
    const config = resolveOptions({
      storage: 'memory:',
      destinations: [acmeStats()],
      consent: { rules: { '*': [{ id: 'none', action: 'suppress' }] } },
    })
    const policy = createConsentPolicy({ ...config.consent, defaultConsent: 'denied' })
    const state = policy.normalize(ANALYTICS_ONLY)
    expect(policy.decide('acme-stats', state)).toEqual({ action: 'allow', rule: 'allow' })
    expect(policy.decide('pinterest-capi', state)).toEqual({ action: 'suppress', rule: 'none' })
    const own = resolveOptions({ storage: 'memory:', destinations: [acmeStats()], consent: { rules: { 'acme-stats': [{ id: 'mine', action: 'strip', fields: ['em'] }] } } })
    const mine = createConsentPolicy({ ...own.consent, defaultConsent: 'denied' })
    expect(mine.decide('acme-stats', mine.normalize(ANALYTICS_ONLY))).toEqual({ action: 'strip', rule: 'mine', fields: ['em'] })
  })

  it('reach the running app: its events are judged by its declaration, and /ctx answers its tag', async () => {
    tw = await createTagwarden(
      { storage: 'memory:', logLevel: 'silent', destinations: [pinterestCapi(), acmeStats(), acmeTag()] },
      { store: createStore({ kind: 'memory' }), log: createLogger('silent') },
    )
    const event = (id: string, consent: ConsentSignals): CanonicalEvent => ({
      name: 'checkout', event_id: id, time: Math.floor(Date.now() / 1000), source: 'api', action_source: 'web',
      user: { em: ['a@example.com'], client_ip_address: '203.0.113.7', client_user_agent: 'Mozilla/5.0' }, custom: {}, consent,
    })
    const [analytics, ads] = await tw.runtime.ingest([event('a-1', ANALYTICS_ONLY), event('a-2', ADS_ONLY)])
    expect(analytics.destinations['acme-stats']).toMatchObject({ action: 'allow', rule: 'allow', state: 'queued' })
    expect(analytics.destinations['pinterest-capi']).toMatchObject({ action: 'suppress', rule: 'no-ad-consent' })
    expect(ads.destinations['acme-stats']).toMatchObject({ action: 'suppress', rule: 'no-analytics-consent', state: 'suppressed' })
    expect(browserTagNames(tw.runtime.config.destinations)).toContain('acme-tag')
    expect(tw.runtime.policy.browser(ANALYTICS_ONLY).decisions['acme-tag']).toEqual({ action: 'allow', rule: 'allow' })
  })
})
