// The US is an opt-out regime with the shipped defaults (TAGWARDEN_DEFAULT_CONSENT=denied): a US
// shopper who did not opt out is tracked; one who opted out (GPC, GPP, US Privacy) is sent with
// Limited Data Processing — and the README's own `consent explain` example prints exactly that.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { explainConsent } from '../../server/consent/explain'
import { createConsentPolicy } from '../../server/consent/policy'
import type { ConsentSignals } from '../../server/event'
import { buildApp, liveCapi, postEvents } from '../helpers/build-app'
import { fakeCapiSuite } from '../helpers/fake-capi-suite'
import { GPP, TCF } from '../fixtures/consent/strings'
import type { TagwardenApp } from '../../server/app'

const shipped = createConsentPolicy({ defaultConsent: 'denied' })
const decide = (signals: ConsentSignals) => {
  const { consent, decisions } = explainConsent(shipped, signals)
  return { source: consent.source, tag: decisions['pinterest-tag'].action, capi: decisions['pinterest-capi'].action, rule: decisions['pinterest-capi'].rule }
}

describe('US opt-out regime with the shipped defaults', () => {
  it.each([
    ['GPP usnat "did not opt out"', { gpp: GPP.usnatNoOptOut, gpp_sid: [7] }, { source: 'gpp', tag: 'allow', capi: 'allow', rule: 'allow' }],
    ['GPP usnat opted out of sale/sharing/targeted ads', { gpp: GPP.usnatOptOut, gpp_sid: [7] }, { source: 'gpc', tag: 'restricted', capi: 'restricted', rule: 'sale-opt-out' }],
    ['GPP uspv1 1YNN (no opt-out)', { gpp: GPP.uspv1NoOptOut }, { source: 'gpp', tag: 'allow', capi: 'allow', rule: 'allow' }],
    ['GPP uspv1 1YYY (opted out)', { gpp: GPP.uspv1OptOut }, { source: 'gpp', tag: 'restricted', capi: 'restricted', rule: 'sale-opt-out' }],
    ['US Privacy 1YNN', { us_privacy: '1YNN' }, { source: 'us-privacy', tag: 'allow', capi: 'allow', rule: 'allow' }],
    ['US Privacy 1YYN', { us_privacy: '1YYN' }, { source: 'us-privacy', tag: 'restricted', capi: 'restricted', rule: 'sale-opt-out' }],
    ['a US shopper with no signal', { country: 'US' }, { source: 'region-default', tag: 'allow', capi: 'allow', rule: 'allow' }],
    ['a US shopper with GPC', { gpc: true, country: 'US' }, { source: 'gpc', tag: 'restricted', capi: 'restricted', rule: 'sale-opt-out' }],
  ] as const)('%s', (_, signals, expected) => {
    expect(decide(signals as ConsentSignals)).toEqual(expected)
  })

  it('stays opt-in elsewhere: no signal in the EEA or from an unknown country, GPC alone, or US Privacy 1---', () => {
    expect(decide({ country: 'DE' })).toMatchObject({ tag: 'suppress', capi: 'suppress' })
    expect(decide({})).toMatchObject({ tag: 'suppress', capi: 'suppress' })
    expect(decide({ gpc: true })).toMatchObject({ tag: 'suppress', capi: 'suppress' })
    expect(decide({ us_privacy: '1---' })).toMatchObject({ tag: 'suppress', capi: 'suppress' })
    // An explicit Consent Mode "denied" from the page's CMP still wins over the US default.
    expect(decide({ country: 'US', ad_storage: 'denied', ad_user_data: 'denied' })).toMatchObject({ tag: 'suppress', capi: 'suppress' })
  })

  it('a configured region map replaces the shipped one', () => {
    const optIn = createConsentPolicy({ defaultConsent: 'denied', regions: { EEA: 'denied' } })
    expect(explainConsent(optIn, { country: 'US' }).decisions['pinterest-capi'].action).toBe('suppress')
  })
})

describe('the README and `tagwarden consent explain` agree', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const block = /See the decision for any signals without running the server:\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''

  it("the README's example command prints the decisions the README shows", () => {
    const command = /^npx tagwarden consent explain (.*)$/m.exec(block)?.[1]
    expect(command, 'the README shows a consent explain command').toBeTruthy()
    const args = command!.split(/\s+/)
    const out = JSON.parse(execFileSync(process.execPath, ['dist/cli.js', 'consent', 'explain', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, TAGWARDEN_LOG_LEVEL: 'silent' } }))
    for (const [dest, decision] of Object.entries(out.decisions as Record<string, { action: string; rule: string }>)) {
      expect(block, dest).toContain(`"${dest}": { "action": "${decision.action}", "rule": "${decision.rule}" }`)
    }
    expect(block).toContain(`"source": "${out.consent.source}"`)
    expect(out.decisions['pinterest-tag']).toEqual({ action: 'restricted', rule: 'sale-opt-out' })
  })
})

describe('invalid consent strings say why in words', () => {
  it.each([
    [{ tcf: TCF.malformed, gdpr_applies: true }, 'tcf', 'the TC string is cut short or corrupted: its core segment does not decode'],
    [{ tcf: 'hello world', gdpr_applies: true }, 'tcf', 'not a TC string: it has characters other than letters, digits, "-", "_" and "."'],
    [{ tcf: TCF.cmpId0, gdpr_applies: true }, 'tcf', 'CMP id 0 is not a registered CMP'],
    [{ gpp: GPP.headerOnlyMismatch }, 'gpp', 'the header names a different number of sections than the 0 the string carries (cut short or corrupted)'],
    [{ gpp: 'DBABTA~' }, 'gpp', 'section 1 is empty'],
    [{ gpp: 'DBABMA~xx' }, 'gpp', 'its tcfeuv2 section does not decode (cut short or corrupted)'],
  ] as const)('%j', (signals, kind, reason) => {
    const state = shipped.normalize(signals as ConsentSignals)
    expect(state[kind]).toMatchObject({ valid: false, reason })
  })
})

describe('end to end', () => {
  let tw: TagwardenApp
  const fake = fakeCapiSuite(() => tw)

  it('a US opt-out through the events API reaches Pinterest as LDP with the hashed country', async () => {
    tw = await buildApp(liveCapi(fake().url))
    const event = (event_id: string, consent: Record<string, unknown>) => ({
      event_name: 'checkout', event_id, user_data: { em: 'jane@example.com', client_ip_address: '203.0.113.7', client_user_agent: 'curl' }, consent,
    })
    const res = await postEvents(tw, { data: [event('us-optout', { gpp: GPP.usnatOptOut, gpp_sid: [7], country: 'US' }), event('us-no-optout', { gpp: GPP.usnatNoOptOut, gpp_sid: [7] })] })
    expect((await res.json()).events.map((e: { status: string }) => e.status)).toEqual(['accepted', 'accepted'])
    await tw.runtime.dispatcher.flush()
    const byId = Object.fromEntries(fake().received.map((r) => [r.event.event_id, r.event]))
    expect(byId['us-optout'].custom_data.opt_out_type).toBe('LDP')
    expect(byId['us-optout'].user_data.country).toEqual([createHash('sha256').update('us').digest('hex')])
    expect(byId['us-no-optout'].custom_data?.opt_out_type).toBeUndefined()
    expect(byId['us-no-optout'].user_data.em).toHaveLength(1)
  })
})
