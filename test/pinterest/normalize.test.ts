import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { toMoneyString } from '../../server/money'
import { hashUserValue, hashValue, normalizeValues, NORMALIZERS } from '../../server/identity/normalize'
import { toCapiEventName } from '../../server/pinterest/event-names'

const sha = (s: string) => createHash('sha256').update(s).digest('hex')

describe('normalization before hashing (v5/openapi.yaml user_data descriptions)', () => {
  it.each([
    ['em', '  Jane.Doe@Example.COM ', 'jane.doe@example.com'],
    ['ph', '+1 (555) 123-4567', '15551234567'],
    ['ph', '0049 30 1234567', '49301234567'],
    ['fn', ' Jane ', 'jane'],
    ['ln', 'DOE', 'doe'],
    ['ge', 'Female', 'f'],
    ['ge', 'M', 'm'],
    ['ge', 'non-binary', 'n'],
    ['db', '1990-07-04', '19900704'],
    ['db', '1990/07/04', '19900704'],
    ['db', '19900704', '19900704'],
    ['ct', 'Menlo Park', 'menlopark'],
    ['ct', "St. John's", 'stjohns'],
    ['ct', 'São Paulo', 'sãopaulo'],
    ['st', ' CA ', 'ca'],
    ['zp', '94025-1234', '94025'],
    ['zp', ' 94025 ', '94025'],
    ['country', 'US', 'us'],
    ['external_id', ' Customer-123 ', 'customer-123'],
  ] as const)('%s %j → %j', (field, input, normalized) => {
    expect(NORMALIZERS[field](input)).toBe(normalized)
    expect(hashUserValue(field, input)).toBe(sha(normalized))
  })

  it.each([
    ['em', 'not-an-email'],
    ['ge', 'unknown'],
    ['db', '04.07.90'],
    ['country', 'United States'],
    ['ph', '---'],
  ] as const)('drops %s %j rather than hashing garbage', (field, input) => {
    expect(hashUserValue(field, input)).toBeUndefined()
  })

  it('passes 64-hex SHA-256 values through (lowercased), never hashing twice', () => {
    const h = sha('jane.doe@example.com')
    expect(hashUserValue('em', h)).toBe(h)
    expect(hashUserValue('em', h.toUpperCase())).toBe(h)
  })

  it('matches the worked example hashes (docs/pinterest-capi.md)', () => {
    expect(hashUserValue('em', 'jane.doe@example.com')).toBe('86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d')
    expect(hashUserValue('country', 'US')).toBe('79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621')
    expect(hashUserValue('ct', 'Menlo Park')).toBe('0007a3d64c01e23d5075203c5977c14e4f7e01a3fc570686fcc50b5e1dd42685')
  })

  it('keeps values in neutral form, as lists even for one value, de-duplicated; a given SHA-256 passes lowercased', () => {
    expect(normalizeValues('em', 'a@b.co')).toEqual(['a@b.co'])
    expect(normalizeValues('em', ['A@b.co', 'a@b.co ', 'x'])).toEqual(['a@b.co'])
    expect(normalizeValues('em', ['x'])).toBeUndefined()
    expect(normalizeValues('em', 'A'.repeat(64))).toEqual(['a'.repeat(64)])
  })

  it('a destination hashes a neutral value once, and never a hash again', () => {
    expect(hashValue('a@b.co')).toBe(sha('a@b.co'))
    expect(hashValue('a'.repeat(64))).toBe('a'.repeat(64))
  })

  it('writes money as strings', () => {
    expect(toMoneyString(72.39)).toBe('72.39')
    expect(toMoneyString('10.00')).toBe('10')
    expect(toMoneyString('abc')).toBeUndefined()
    expect(toMoneyString(undefined)).toBeUndefined()
  })

  it('writes money as plain decimals in the minor units of the currency, never negative', () => {
    expect(toMoneyString(1e21, 'USD')).toBe('1000000000000000000000')
    expect(toMoneyString(1e-7, 'USD')).toBe('0')
    expect(toMoneyString(1.005, 'USD')).toBe('1.01')
    expect(toMoneyString('12345678901234567890.125', 'USD')).toBe('12345678901234567890.13')
    expect(toMoneyString(2.5, 'JPY')).toBe('3')
    expect(toMoneyString('12.3456', 'kwd')).toBe('12.346')
    expect(toMoneyString(0.12345, 'CLF')).toBe('0.1235')
    expect(toMoneyString('007.50', 'XYZ')).toBe('7.5')
    expect(toMoneyString(-5, 'USD')).toBeUndefined()
    expect(toMoneyString('-0.00', 'USD')).toBe('0')
    expect(toMoneyString('1e5')).toBeUndefined()
    expect(toMoneyString(Infinity)).toBeUndefined()
  })

  it('drops a phone spelled with letters and cuts an extension off', () => {
    expect(NORMALIZERS.ph('555-555-SHIP')).toBeUndefined()
    expect(NORMALIZERS.ph('+1 (555) 123-4567 x89')).toBe('15551234567')
    expect(NORMALIZERS.ph('+49 30 1234567 Durchwahl')).toBeUndefined()
  })
})

describe('event names', () => {
  it.each([
    ['pagevisit', 'page_visit'], ['PageVisit', 'page_visit'], ['addtocart', 'add_to_cart'], ['AddToCart', 'add_to_cart'],
    ['viewcategory', 'view_category'], ['watchvideo', 'watch_video'], ['checkout', 'checkout'], ['add_to_cart', 'add_to_cart'],
    ['Signup', 'signup'], ['lead', 'lead'], ['search', 'search'], ['custom', 'custom'],
  ])('%s → %s', (tag, capi) => expect(toCapiEventName(tag)).toBe(capi))

  it('does not mirror init or user-defined events', () => {
    expect(toCapiEventName('init')).toBeUndefined()
    expect(toCapiEventName('my_special_event')).toBeUndefined()
  })
})
