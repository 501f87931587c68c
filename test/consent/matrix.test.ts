import { describe, expect, it } from 'vitest'
import { strippedFields } from '../../server/consent/apply'
import { createConsentPolicy } from '../../server/consent/policy'
import type { ConsentState } from '../../server/consent/types'
import { pinterestCapi } from '../../server/destinations/pinterest-capi'
import { pinterestTag } from '../../server/destinations/pinterest-tag'
import type { CanonicalEvent, ConsentSignals } from '../../server/event'
import { eventWith, fullEvent } from '../fixtures/consent/events'
import { TCF, makeTcString } from '../fixtures/consent/strings'

/**
 * Unit-level matrix: every combination of Consent Mode flags, opt-out signals, GDPR/TCF
 * situations, countries, defaults and event shapes, through normalize → decide → apply for both
 * Pinterest destinations. The invariants are stated from the consent state, not from the rules,
 * so a wrong rule fails here even when its own unit test was written to match it.
 */
const FLAG = ['granted', 'denied', undefined] as const
const OPT_OUTS: Record<string, ConsentSignals> = {
  none: {},
  gpc: { gpc: true },
  gppUsnat: { gpp: 'DBABLA~BVVVkkkkkpFY' },
  usPrivacy: { us_privacy: '1YYN' },
  shopify: { sale_opt_out: true, source: 'shopify' },
}
const GDPR: Record<string, ConsentSignals> = {
  none: {},
  noTcString: { gdpr_applies: true },
  fullTcf: { gdpr_applies: true, tcf: TCF.allPurposes },
  p1Only: { gdpr_applies: true, tcf: makeTcString({ purposes: [1, 3, 4] }) },
  p1p7: { gdpr_applies: true, tcf: makeTcString({ purposes: [1, 7] }) },
  malformed: { tcf: TCF.malformed },
}
const EVENTS: Record<string, (c: ConsentSignals) => CanonicalEvent> = {
  full: (c) => fullEvent(c),
  emailOnly: (c) => eventWith(['em', 'pinterest.epik'], c),
  ipUaOnly: (c) => eventWith(['client_ip_address', 'client_user_agent', 'pinterest.epik'], c),
  maidsOnly: (c) => eventWith(['maid', 'ph'], c),
}
/** Every personal identifier except the two LDP needs. */
const PERSONAL = ['em', 'ph', 'fn', 'ln', 'ge', 'db', 'ct', 'zp', 'external_id', 'maid'] as const
const notGranted = (s: ConsentState, f: 'ad_storage' | 'ad_user_data') => s[f] !== 'granted'
const capiValid = (e: CanonicalEvent) => !!e.user.em || !!e.user.maid || (!!e.user.client_ip_address && !!e.user.client_user_agent)
const has = (e: CanonicalEvent, f: string) => (f.includes('.') ? !!e.user.ids?.[f as `${string}.${string}`] : f in e.user)

function* cases() {
  for (const defaultConsent of ['granted', 'denied'] as const)
    for (const ad_storage of FLAG)
      for (const ad_user_data of FLAG)
        for (const [optOut, o] of Object.entries(OPT_OUTS))
          for (const [gdpr, g] of Object.entries(GDPR))
            for (const country of [undefined, 'US', 'DE'])
              yield { name: `${defaultConsent}/${ad_storage}/${ad_user_data}/${optOut}/${gdpr}/${country}`, defaultConsent, signals: { ad_storage, ad_user_data, ...o, ...g, country } as ConsentSignals }
}

describe('consent matrix', () => {
  const policies = { granted: createConsentPolicy({ defaultConsent: 'granted' }), denied: createConsentPolicy({ defaultConsent: 'denied' }) }
  const all = [...cases()]

  it('covers the whole space', () => {
    expect(all.length).toBe(2 * 3 * 3 * 5 * 6 * 3)
  })

  it('never lets a stripped identifier through, and suppressed means null', () => {
    const failures: string[] = []
    const seen = new Set<string>()
    for (const { name, defaultConsent, signals } of all) {
      const policy = policies[defaultConsent]
      const state = policy.normalize(signals)
      const gdprBlocked = state.gdpr_applies === true && !(state.tcf?.valid && [1, 7].every((p) => state.tcf!.purposes.includes(p)))
      for (const [shape, make] of Object.entries(EVENTS)) {
        const event = make(signals)
        for (const target of [pinterestTag(), pinterestCapi()]) {
          const dest = target.name
          const decision = policy.decide(dest, state)
          const out = policy.apply(target, event, decision)
          const fail = (why: string) => failures.push(`${dest} ${name} ${shape} [${decision.action}/${decision.rule}]: ${why}`)
          seen.add(`${dest}:${decision.action}:${out === null}`)
          if (decision.action === 'suppress' && out !== null) fail('suppressed but sent')
          if (gdprBlocked && out) fail('GDPR applies without P1+P7 but sent')
          if (out) {
            for (const f of strippedFields(target, decision)) if (has(out, f)) fail(`stripped field ${f} remains`)
            if (state.sale_opt_out !== !!out.restricted) fail(`restricted ${out.restricted} with sale_opt_out ${state.sale_opt_out}`)
            if (state.sale_opt_out && state.country && !out.user.country) fail('LDP without the known country')
          }
          if (dest === 'pinterest-tag' && out && notGranted(state, 'ad_storage')) fail('tag sent without ad_storage')
          if (dest === 'pinterest-capi') {
            if (notGranted(state, 'ad_storage') && notGranted(state, 'ad_user_data') && out) fail('sent without any ad consent')
            if (out && notGranted(state, 'ad_user_data')) {
              for (const f of PERSONAL) if (f in out.user) fail(`${f} sent without ad_user_data`)
              if (out.user.ids?.['pinterest.epik']) fail('click id sent without ad_user_data')
              if (decision.action !== 'restricted' && ('st' in out.user || 'country' in out.user)) fail('location sent without ad_user_data or LDP')
            }
            if (out && decision.fields?.length && !capiValid(out)) fail('identifier-less CAPI event sent')
          }
        }
      }
    }
    expect(failures.slice(0, 20)).toEqual([])
    // The matrix reaches every outcome, so the invariants above are not vacuous.
    expect([...seen].sort()).toEqual([
      'pinterest-capi:allow:false', 'pinterest-capi:restricted:false', 'pinterest-capi:restricted:true',
      'pinterest-capi:strip:false', 'pinterest-capi:strip:true', 'pinterest-capi:suppress:true',
      'pinterest-tag:allow:false', 'pinterest-tag:restricted:false', 'pinterest-tag:suppress:true',
    ])
  })
})
