import { describe, expect, it } from 'vitest'
import { createConsentPolicy } from '../../server/consent/policy'
import type { ConsentTarget, Decision } from '../../server/consent/types'
import { pinterestCapi } from '../../server/destinations/pinterest-capi'
import { pinterestTag } from '../../server/destinations/pinterest-tag'
import { eventWith, fullEvent } from '../fixtures/consent/events'

const policy = createConsentPolicy({ defaultConsent: 'denied' })
const { apply } = policy
const CAPI = pinterestCapi()
const TAG = pinterestTag()
/** A destination without a restricted-processing mode and without a minimum. */
const PLAIN: ConsentTarget = { name: 'plain', identifiers: { personal: ['em'], ids: [], network: ['client_ip_address', 'client_user_agent'] } }
const STRIP: Decision = { action: 'strip', rule: 'ad-user-data-not-granted', fields: ['identifiers'] }

describe('apply: allow and suppress', () => {
  it('allow returns the event untouched', () => {
    const event = fullEvent()
    expect(apply(CAPI, event, { action: 'allow', rule: 'allow' })).toBe(event)
  })

  it('suppress returns null for every destination', () => {
    for (const dest of [CAPI, TAG, PLAIN]) expect(apply(dest, fullEvent(), { action: 'suppress', rule: 'x' })).toBeNull()
  })
})

describe('apply: strip', () => {
  it('"identifiers" removes every personal identifier and click id the destination declares, keeps IP and UA, never mutates', () => {
    const event = fullEvent()
    const before = structuredClone(event)
    const out = apply(CAPI, event, STRIP)!
    expect(Object.keys(out.user).sort()).toEqual(['client_ip_address', 'client_user_agent'])
    expect(out.custom).toEqual(event.custom)
    expect(out.event_id).toBe('ord_1001')
    expect(event).toEqual(before)
  })

  it('"click_ids" removes only the click and browser ids; a name removes just that one', () => {
    expect(apply(CAPI, fullEvent(), { action: 'strip', rule: 'r', fields: ['click_ids'] })!.user.ids).toBeUndefined()
    const out = apply(CAPI, fullEvent(), { action: 'strip', rule: 'r', fields: ['pinterest.epik', 'ph'] })!
    expect(out.user.ids).toEqual({ 'pinterest.partner_id': 'partner-1' })
    expect(out.user).not.toHaveProperty('ph')
    expect(out.user.em).toEqual(['value-of-em'])
  })

  it('suppresses a CAPI event left with no em, no maid and not IP+UA', () => {
    expect(apply(CAPI, eventWith(['em', 'client_ip_address', 'pinterest.epik']), STRIP)).toBeNull()
    expect(apply(CAPI, eventWith(['em', 'client_user_agent']), STRIP)).toBeNull()
    expect(apply(CAPI, eventWith(['em', 'maid']), STRIP)).toBeNull()
  })

  it('keeps a CAPI event that still has em, maid or IP+UA', () => {
    const onlyPhone: Decision = { action: 'strip', rule: 'r', fields: ['ph'] }
    expect(apply(CAPI, eventWith(['em', 'ph']), onlyPhone)!.user).toEqual({ em: fullEvent().user.em })
    expect(apply(CAPI, eventWith(['maid', 'ph']), onlyPhone)!.user).toHaveProperty('maid')
    expect(apply(CAPI, eventWith(['client_ip_address', 'client_user_agent', 'em']), STRIP)!.user).toEqual({
      client_ip_address: '203.0.113.7', client_user_agent: 'Mozilla/5.0 (Macintosh)',
    })
  })

  it('a destination without a minimum keeps an event stripped bare', () => {
    const out = apply(PLAIN, eventWith(['em']), STRIP)
    expect(out).not.toBeNull()
    expect(out!.user).toEqual({})
  })
})

describe('a newly declared identifier is covered by the shipped rules without a rule change', () => {
  // A platform tagwarden does not ship, declaring its own raw click id and browser id.
  const ACME: ConsentTarget = {
    name: 'acme-events',
    identifiers: { personal: ['em', 'ph'], ids: ['acme.cid', 'acme.bid'], network: ['client_ip_address', 'client_user_agent'] },
    restricted: { keeps: [] },
  }
  const event = { ...fullEvent(), user: { ...fullEvent().user, ids: { 'acme.cid': 'click-123', 'acme.bid': 'browser-456', 'pinterest.epik': 'e' } } }

  it('ad_user_data denied strips its click and browser ids with the personal identifiers', () => {
    const decision = policy.decide(ACME.name, policy.normalize({ ad_storage: 'granted', ad_user_data: 'denied' }))
    expect(decision).toMatchObject({ action: 'strip', rule: 'ad-user-data-not-granted' })
    const out = apply(ACME, event, decision)!
    expect(out.user.ids).toEqual({ 'pinterest.epik': 'e' }) // not Acme's to send: its own declaration decides what it sends
    expect(out.user).not.toHaveProperty('em')
    expect(out.user).not.toHaveProperty('ph')
    expect(out.user.client_ip_address).toBe('203.0.113.7')
  })

  it('a sale opt-out without ad_user_data: its restricted mode, its ids stripped too', () => {
    const decision = policy.decide(ACME.name, policy.normalize({ ad_storage: 'granted', ad_user_data: 'denied', gpc: true }))
    expect(decision).toMatchObject({ action: 'restricted', rule: 'sale-opt-out-no-user-data' })
    const out = apply(ACME, event, decision)!
    expect(out.restricted).toBe(true)
    expect(out.user.ids).toEqual({ 'pinterest.epik': 'e' })
  })
})

describe('apply: restricted', () => {
  it('flags the event for the destination\'s restricted mode and keeps every identifier', () => {
    const event = fullEvent({ country: 'US' })
    const out = apply(CAPI, event, { action: 'restricted', rule: 'sale-opt-out' })!
    expect(out.restricted).toBe(true)
    expect(out.user).toEqual(event.user)
    expect(event.restricted).toBeUndefined()
  })

  it('adds the country from the signals, in neutral form, when the event has none', () => {
    const out = apply(CAPI, eventWith(['em'], { country: 'us', gpc: true }), { action: 'restricted', rule: 'sale-opt-out' })!
    expect(out.user.country).toEqual(['us'])
  })

  it('never overwrites the event\'s own country, and adds none when the country is unknown', () => {
    expect(apply(TAG, fullEvent({ country: 'DE' }), { action: 'restricted', rule: 'r' })!.user.country).toEqual(fullEvent().user.country)
    expect(apply(TAG, eventWith(['em'], { country: 'XX' }), { action: 'restricted', rule: 'r' })!.user).not.toHaveProperty('country')
    expect(apply(TAG, eventWith(['em']), { action: 'restricted', rule: 'r' })!.user).not.toHaveProperty('country')
  })

  it('"identifiers" strips all but what the restricted mode keeps (Pinterest LDP: st, country), and still suppresses an identifier-less CAPI event', () => {
    const out = apply(CAPI, fullEvent({ country: 'US' }), { action: 'restricted', rule: 'r', fields: ['identifiers'] })!
    expect(Object.keys(out.user).sort()).toEqual(['client_ip_address', 'client_user_agent', 'country', 'st'])
    expect(out.restricted).toBe(true)
    expect(apply(CAPI, eventWith(['em', 'st'], { country: 'US' }), { action: 'restricted', rule: 'r', fields: ['identifiers'] })).toBeNull()
  })

  it('does not add the country back when the rule stripped it', () => {
    const out = apply(TAG, eventWith(['em', 'country'], { country: 'US' }), { action: 'restricted', rule: 'r', fields: ['country'] })!
    expect(out.user).not.toHaveProperty('country')
  })

  it('a destination without a restricted mode suppresses instead', () => {
    expect(apply(PLAIN, fullEvent(), { action: 'restricted', rule: 'sale-opt-out' })).toBeNull()
  })
})
