import { describe, expect, it } from 'vitest'
import { internationalPhone } from '../../server/webhooks/phone'

describe('internationalPhone (user_data.ph: "only digits with country code")', () => {
  it.each([
    ['(555) 555-5555', 'US', '15555555555'],
    ['1-555-555-5555', 'US', '15555555555'],
    ['011 44 20 7946 0958', 'US', '442079460958'],
    ['020 7946 0958', 'GB', '442079460958'],
    ['07911 123456', 'GB', '447911123456'],
    ['+44 7911 123456', 'DE', '447911123456'],
    ['0044 7911 123456', 'FR', '447911123456'],
    ['447911123456', 'GB', '447911123456'],
    ['030 1234567', 'DE', '49301234567'],
    ['06 1234 5678', 'IT', '390612345678'],
    ['612 34 56 78', 'ES', '34612345678'],
    ['4712 3456', 'NO', '4747123456'],
    ['0412 345 678', 'AU', '61412345678'],
  ])('%s in %s → %s', (phone, country, expected) => {
    expect(internationalPhone(phone, country)).toBe(expected)
  })

  it('leaves the digits as they are without a known country', () => {
    expect(internationalPhone('0555 123', undefined)).toBe('0555123')
    expect(internationalPhone('555 123 4567', 'ZZ')).toBe('5551234567')
    expect(internationalPhone('', 'US')).toBe('')
  })
})
