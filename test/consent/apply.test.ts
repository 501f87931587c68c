import { describe, expect, it } from 'vitest'
import { IDENTIFIER_FIELDS, createConsentPolicy, type Decision } from '../../server/consent'
import { sha256 } from '../../server/pinterest/normalize'
import { eventWith, fullEvent } from '../fixtures/consent/events'

const { apply } = createConsentPolicy({ defaultConsent: 'denied' })
const CAPI = 'pinterest-capi'
const TAG = 'pinterest-tag'
/** sha256 of the lowercase two-letter code (v5/openapi.yaml user_data.country; hashUserValue). */
const US = sha256('us')

describe('apply: allow and suppress', () => {
  it('allow returns the event untouched', () => {
    const event = fullEvent()
    expect(apply(CAPI, event, { action: 'allow', rule: 'allow' })).toBe(event)
  })

  it('suppress returns null for every destination', () => {
    for (const dest of [CAPI, TAG, 'other']) expect(apply(dest, fullEvent(), { action: 'suppress', rule: 'x' })).toBeNull()
  })
})

describe('apply: strip', () => {
  const strip: Decision = { action: 'strip', rule: 'ad-user-data-not-granted', fields: IDENTIFIER_FIELDS }

  it('deletes the listed user fields and keeps the rest, without mutating the input', () => {
    const event = fullEvent()
    const before = structuredClone(event)
    const out = apply(CAPI, event, strip)!
    expect(Object.keys(out.user).sort()).toEqual(['client_ip_address', 'client_user_agent', 'partner_id'])
    expect(out.custom).toEqual(event.custom)
    expect(out.event_id).toBe('ord_1001')
    expect(event).toEqual(before)
  })

  it('suppresses a CAPI event left with no em, no hashed_maids and not IP+UA', () => {
    expect(apply(CAPI, eventWith(['em', 'client_ip_address', 'click_id']), strip)).toBeNull()
    expect(apply(CAPI, eventWith(['em', 'client_user_agent']), strip)).toBeNull()
    expect(apply(CAPI, eventWith(['em', 'hashed_maids']), strip)).toBeNull()
  })

  it('keeps a CAPI event that still has em, hashed_maids or IP+UA', () => {
    const onlyPhone: Decision = { action: 'strip', rule: 'r', fields: ['ph'] }
    expect(apply(CAPI, eventWith(['em', 'ph']), onlyPhone)!.user).toEqual({ em: fullEvent().user.em })
    expect(apply(CAPI, eventWith(['hashed_maids', 'ph']), onlyPhone)!.user).toHaveProperty('hashed_maids')
    expect(apply(CAPI, eventWith(['client_ip_address', 'client_user_agent', 'em']), strip)!.user).toEqual({
      client_ip_address: '203.0.113.7', client_user_agent: 'Mozilla/5.0 (Macintosh)',
    })
  })

  it('applies the identifier check to pinterest-capi only', () => {
    const out = apply(TAG, eventWith(['em']), strip)
    expect(out).not.toBeNull()
    expect(out!.user).toEqual({})
  })
})

describe('apply: ldp', () => {
  it('sets custom.opt_out_type = "LDP" and keeps hashed st/country', () => {
    const event = fullEvent({ country: 'US' })
    const out = apply(CAPI, event, { action: 'ldp', rule: 'sale-opt-out' })!
    expect(out.custom).toEqual({ ...event.custom, opt_out_type: 'LDP' })
    expect(out.user).toEqual(event.user)
    expect(event.custom.opt_out_type).toBeUndefined()
  })

  it('hashes the country from the signals when the event has none', () => {
    const out = apply(CAPI, eventWith(['em'], { country: 'us', gpc: true }), { action: 'ldp', rule: 'sale-opt-out' })!
    expect(out.user.country).toEqual([US])
    expect(out.user.country![0]).toBe('79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621')
  })

  it('never overwrites the event\'s own country, and adds none when the country is unknown', () => {
    expect(apply(TAG, fullEvent({ country: 'DE' }), { action: 'ldp', rule: 'r' })!.user.country).toEqual(fullEvent().user.country)
    expect(apply(TAG, eventWith(['em'], { country: 'XX' }), { action: 'ldp', rule: 'r' })!.user).not.toHaveProperty('country')
    expect(apply(TAG, eventWith(['em']), { action: 'ldp', rule: 'r' })!.user).not.toHaveProperty('country')
  })

  it('appends LDP to an existing comma-separated opt_out_type once', () => {
    const event = { ...fullEvent(), custom: { opt_out_type: 'OTHER' } }
    expect(apply(CAPI, event, { action: 'ldp', rule: 'r' })!.custom.opt_out_type).toBe('OTHER,LDP')
    const already = { ...fullEvent(), custom: { opt_out_type: 'LDP' } }
    expect(apply(CAPI, already, { action: 'ldp', rule: 'r' })!.custom.opt_out_type).toBe('LDP')
  })

  it('with fields: strips them, keeps st/country for LDP, and still suppresses an identifier-less CAPI event', () => {
    const fields = IDENTIFIER_FIELDS.filter((f) => f !== 'st' && f !== 'country')
    const out = apply(CAPI, fullEvent({ country: 'US' }), { action: 'ldp', rule: 'r', fields })!
    expect(Object.keys(out.user).sort()).toEqual(['client_ip_address', 'client_user_agent', 'country', 'partner_id', 'st'])
    expect(out.custom.opt_out_type).toBe('LDP')
    expect(apply(CAPI, eventWith(['em', 'st'], { country: 'US' }), { action: 'ldp', rule: 'r', fields })).toBeNull()
  })

  it('does not hash the country back in when the rule stripped it', () => {
    const out = apply(TAG, eventWith(['em', 'country'], { country: 'US' }), { action: 'ldp', rule: 'r', fields: ['country'] })!
    expect(out.user).not.toHaveProperty('country')
  })
})
