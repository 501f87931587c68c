// Whether the context cookie keeps click and browser ids is a decision of the consent policy, by
// rules like any other (`context-cookie`, consent/click-ids.ts): the shipped rules decide exactly as
// the hand-written check did (ids kept unless ad_storage is denied by a decision, not a default),
// and `consent.rules["context-cookie"]` changes it.
import { describe, expect, it } from 'vitest'
import { GCM_DEFAULT } from '../../server/consent/combine'
import { parseConsentConfig } from '../../server/consent/config'
import { createConsentPolicy } from '../../server/consent/policy'
import type { ConsentState } from '../../server/consent/types'
import type { ConsentSignals } from '../../server/event'
import { makeTcString } from '../fixtures/consent/strings'

/** The check the shipped rules replace, as it was written in consent/click-ids.ts. */
function handWritten(signals: ConsentSignals | undefined, state: ConsentState): boolean {
  if (!signals) return true
  const explicitlyDenied = signals.ad_storage === 'denied' && signals.source !== GCM_DEFAULT
  return !(state.ad_storage === 'denied' && (explicitlyDenied || state.tcf !== undefined || state.gdpr_applies === true))
}

/** Every combination of the signals the check reads, and a few it does not. */
function* allSignals(): Generator<ConsentSignals | undefined> {
  yield undefined
  for (const ad_storage of [undefined, 'granted', 'denied'] as const)
    for (const analytics_storage of [undefined, 'denied'] as const)
      for (const source of [undefined, 'hook', 'onetrust', GCM_DEFAULT])
        for (const tcf of [undefined, makeTcString({ purposes: [1, 7] }), makeTcString({ purposes: [7] }), 'not-a-tc-string'])
          for (const gdpr_applies of [undefined, true, false])
            for (const extra of [{}, { gpc: true }, { country: 'FR' }, { country: 'US', us_privacy: '1YNN' }]) {
              const s: ConsentSignals = { ...extra }
              if (ad_storage) s.ad_storage = ad_storage
              if (analytics_storage) s.analytics_storage = analytics_storage
              if (source) s.source = source
              if (tcf) s.tcf = tcf
              if (gdpr_applies !== undefined) s.gdpr_applies = gdpr_applies
              yield s
            }
}

describe('context-cookie, the click ids the context cookie keeps', () => {
  it('decides with the shipped rules exactly as the hand-written check did, for every combination', () => {
    let kept = 0
    let dropped = 0
    for (const defaultConsent of ['granted', 'denied'] as const) {
      const policy = createConsentPolicy({ defaultConsent })
      for (const signals of allSignals()) {
        const expected = handWritten(signals, policy.normalize(signals))
        expect(policy.browser(signals).keepsClickIds, JSON.stringify({ defaultConsent, signals })).toBe(expected)
        expected ? kept++ : dropped++
      }
    }
    // Both answers are well represented, so the comparison means something.
    expect(kept).toBeGreaterThan(500)
    expect(dropped).toBeGreaterThan(500)
  })

  it('names the rule that decided', () => {
    const policy = createConsentPolicy({ defaultConsent: 'denied' })
    expect(policy.decide('context-cookie', policy.normalize({ ad_storage: 'denied', source: 'hook' }))).toEqual({ action: 'suppress', rule: 'ad-storage-denied' })
    expect(policy.decide('context-cookie', policy.normalize({ ad_storage: 'denied', source: GCM_DEFAULT }))).toEqual({ action: 'allow', rule: 'allow' })
    expect(policy.decide('context-cookie', policy.normalize(undefined))).toEqual({ action: 'allow', rule: 'allow' })
  })

  it('follows consent.rules["context-cookie"], and no configured "*"', () => {
    const strict = createConsentPolicy({
      ...parseConsentConfig({ rules: { 'context-cookie': [{ id: 'only-granted', when: { ad_storage: 'not_granted' }, action: 'suppress' }, { action: 'allow' }] } }),
      defaultConsent: 'denied',
    })
    // A default denial now drops them too; a grant keeps them.
    expect(strict.browser({ ad_storage: 'denied', source: GCM_DEFAULT }).keepsClickIds).toBe(false)
    expect(strict.browser(undefined).keepsClickIds).toBe(false)
    expect(strict.browser({ ad_storage: 'granted', source: 'hook' }).keepsClickIds).toBe(true)
    const never = createConsentPolicy({ ...parseConsentConfig({ rules: { 'context-cookie': [{ id: 'never', action: 'suppress' }] } }), defaultConsent: 'granted', browserTags: ['pinterest-tag'] })
    const d = never.browser({ ad_storage: 'granted', source: 'hook' })
    expect(d.keepsClickIds).toBe(false)
    // A tag with its ids not kept does not run with them first-party.
    expect(d.decisions['pinterest-tag'].action).toBe('allow')
    expect(d.runs('pinterest-tag')).toBe(false)
    const star = createConsentPolicy({ ...parseConsentConfig({ rules: { '*': [{ id: 'none', action: 'suppress' }] } }), defaultConsent: 'granted' })
    expect(star.browser({ ad_storage: 'granted', source: 'hook' }).keepsClickIds).toBe(true)
  })

  it('gives any rule the `decided` key: a decision, not a default', () => {
    const policy = createConsentPolicy({
      ...parseConsentConfig({ rules: { 'pinterest-tag': [{ id: 'by-default', when: { decided: false }, action: 'suppress' }, { action: 'allow' }] } }),
      defaultConsent: 'granted',
    })
    const decide = (s: ConsentSignals | undefined) => policy.decide('pinterest-tag', policy.normalize(s)).rule
    expect(decide(undefined)).toBe('by-default')
    expect(decide({ ad_storage: 'granted', source: GCM_DEFAULT })).toBe('by-default')
    expect(decide({ country: 'US', us_privacy: '1YNN' })).toBe('by-default')
    expect(decide({ ad_storage: 'granted', source: 'hook' })).toBe('#2')
    expect(decide({ tcf: makeTcString({ purposes: [1] }), gdpr_applies: true })).toBe('#2')
    expect(() => parseConsentConfig({ rules: { x: [{ when: { decided: 'yes' }, action: 'allow' }] } })).toThrow('consent.rules.x[0].when.decided')
  })
})
