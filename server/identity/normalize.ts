import { hash } from 'node:crypto'
import type { PersonalField } from '../event'

const SHA256_HEX = /^[0-9a-fA-F]{64}$/

/** True when a value already is a SHA-256 hex digest (passed through, never hashed twice). */
export const isSha256 = (value: string): boolean => SHA256_HEX.test(value)

/** Lowercase hex SHA-256 of a UTF-8 string (what every platform hashes identifiers with; docs/pinterest-capi.md "user_data"). */
export const sha256 = (value: string): string => hash('sha256', value, 'hex')

const lower = (v: string) => v.trim().toLowerCase()
const noSpaceOrPunct = (v: string) => lower(v).replace(/[\s\p{P}\p{S}]+/gu, '')

/** An extension after the number: `x12`, `ext. 12`, `extension 12`, `#12`. */
const PHONE_EXTENSION = /\s*(?:ext(?:ension)?\.?|x|#)\s*\d{1,6}\s*$/i

/**
 * A phone number as typed, without an extension; undefined when letters are left (`555-555-SHIP`):
 * a number spelled in letters has no reliable digits, and hashing what digits it has would match
 * nobody (the spec's "remove … letters" is about stray letters, not about guessing a number).
 * @example phoneText('+1 555 123 4567 ext. 89') // '+1 555 123 4567'
 */
export function phoneText(value: string): string | undefined {
  const number = value.replace(PHONE_EXTENSION, '')
  return /\p{L}/u.test(number) ? undefined : number
}

const GENDERS: Record<string, string> = {
  f: 'f', female: 'f', woman: 'f', w: 'f',
  m: 'm', male: 'm', man: 'm',
  n: 'n', nonbinary: 'n', 'non-binary': 'n', 'non binary': 'n', x: 'n',
}

/**
 * Per-field normalization, the neutral form every identifier is kept in: each rule follows the
 * field's description in Pinterest's `ConversionEventsUserData` (docs/pinterest-capi.md
 * "user_data"), which Meta's rules match field for field; a destination whose platform differs
 * adapts the normalized value before hashing (TikTok's phone takes a `+`). Returns `undefined` for
 * a value that cannot be made valid (it is dropped rather than sent as a hash nobody can match).
 */
export const NORMALIZERS: Record<PersonalField, (value: string) => string | undefined> = {
  // em: "Sha256 hashes of lowercase version of user's email addresses."
  em: (v) => {
    const s = lower(v)
    return s.includes('@') ? s : undefined
  },
  // ph: "only digits with country code, area code, and number. Remove any symbols, letters, spaces and leading zeros."
  ph: (v) => phoneText(v)?.replace(/\D/g, '').replace(/^0+/, '') || undefined,
  // fn: "first name, in lowercase"
  fn: (v) => lower(v) || undefined,
  // ln: "last name, in lowercase"
  ln: (v) => lower(v) || undefined,
  // ge: "in lowercase. Either "f" or "m" or "n" for non-binary gender."
  ge: (v) => (Object.hasOwn(GENDERS, lower(v)) ? GENDERS[lower(v)] : undefined),
  // db: "date of birthday, given as year, month, and day." → YYYYMMDD
  db: (v) => {
    const m = /^(\d{4})[-/.]?(\d{2})[-/.]?(\d{2})(?:$|T)/.exec(v.trim())
    return m ? `${m[1]}${m[2]}${m[3]}` : undefined
  },
  // ct: "city, in lowercase, and without spaces or punctuation."
  ct: (v) => noSpaceOrPunct(v) || undefined,
  // st: "state, given as a two-letter code in lowercase."
  st: (v) => noSpaceOrPunct(v) || undefined,
  // zp: "zipcode, only digits." (a US ZIP+4 keeps its five-digit ZIP)
  zp: (v) => {
    const s = v.trim()
    const zip4 = /^(\d{5})-\d{4}$/.exec(s)
    return zip4 ? zip4[1] : s.replace(/\D/g, '') || undefined
  },
  // country: "two-character ISO-3166 country code … in lowercase."
  country: (v) => {
    const s = lower(v)
    return /^[a-z]{2}$/.test(s) ? s : undefined
  },
  // external_id: "unique id from the advertiser"; trimmed + lowercased like Pinterest's own integrations do.
  external_id: (v) => lower(v) || undefined,
  // maid: "Google Advertising IDs and Apple IDFAs" (Pinterest `hashed_maids`)
  maid: (v) => lower(v) || undefined,
}

/**
 * One identifier in its neutral form: a SHA-256 hex the sender gave is lowercased and kept,
 * anything else normalized; undefined when nothing valid is left.
 * @example normalizeValue('em', ' Jane.Doe@Example.com ') // 'jane.doe@example.com'
 */
export function normalizeValue(field: PersonalField, value: string): string | undefined {
  const trimmed = value.trim()
  return isSha256(trimmed) ? trimmed.toLowerCase() : NORMALIZERS[field](value)
}

/**
 * A single value or a list in neutral form, de-duplicated; `undefined` when nothing valid is left.
 * @example normalizeValues('ph', ['+1 555 0100', '1-555-0100']) // ['15550100']
 */
export function normalizeValues(field: PersonalField, input: string | readonly string[] | undefined): string[] | undefined {
  if (input === undefined) return undefined
  if (typeof input === 'string') {
    const v = normalizeValue(field, input)
    return v === undefined ? undefined : [v]
  }
  const out = new Set<string>()
  for (const value of input) {
    const v = normalizeValue(field, value)
    if (v !== undefined) out.add(v)
  }
  return out.size ? [...out] : undefined
}

/**
 * The SHA-256 a destination sends for a neutral value: a given hash as it is, anything else hashed.
 * @example hashValue('jane.doe@example.com') // sha256('jane.doe@example.com')
 */
export const hashValue = (value: string): string => (isSha256(value) ? value : sha256(value))

/**
 * Normalize and hash one identifier value where only its hash may be kept (the email in `tw_ctx`
 * and the cart store); a value that already is 64-hex SHA-256 is lowercased and passed through.
 * @example hashUserValue('em', ' Jane.Doe@Example.com ') // sha256('jane.doe@example.com')
 */
export function hashUserValue(field: PersonalField, value: string): string | undefined {
  const normalized = normalizeValue(field, value)
  return normalized === undefined ? undefined : hashValue(normalized)
}
