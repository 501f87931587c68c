import { hash } from 'node:crypto'
import type { HashedUserField } from '../event'

const SHA256_HEX = /^[0-9a-fA-F]{64}$/

/** True when a value already is a SHA-256 hex digest (passed through, never hashed twice). */
export const isSha256 = (value: string): boolean => SHA256_HEX.test(value)

/** Lowercase hex SHA-256 of a UTF-8 string ("The string should be in the UTF-8 format", v5/openapi.yaml user_data). */
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
 * Per-field normalization before hashing, each following the field's description in
 * v5/openapi.yaml `ConversionEventsUserData`. Returns `undefined` for a value that cannot be
 * made valid (it is dropped rather than sent as a hash nobody can match).
 */
export const NORMALIZERS: Record<HashedUserField, (value: string) => string | undefined> = {
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
  // hashed_maids: "Google Advertising IDs and Apple IDFAs"
  hashed_maids: (v) => lower(v) || undefined,
}

/**
 * Normalize and hash one identifier value; a value that already is 64-hex SHA-256 is lowercased
 * and passed through.
 * @example hashUserValue('em', ' Jane.Doe@Example.com ') // sha256('jane.doe@example.com')
 */
export function hashUserValue(field: HashedUserField, value: string): string | undefined {
  if (isSha256(value.trim())) return value.trim().toLowerCase()
  const normalized = NORMALIZERS[field](value)
  return normalized === undefined ? undefined : sha256(normalized)
}

/**
 * Normalize + hash a single value or a list; returns a de-duplicated array or `undefined` when
 * nothing valid is left ("Arrays even for one value", v5/openapi.yaml user_data).
 */
export function hashUserValues(field: HashedUserField, input: string | readonly string[] | undefined): string[] | undefined {
  if (input === undefined) return undefined
  if (typeof input === 'string') {
    const h = hashUserValue(field, input)
    return h ? [h] : undefined
  }
  const out = new Set<string>()
  for (const v of input) {
    const h = hashUserValue(field, v)
    if (h) out.add(h)
  }
  return out.size ? [...out] : undefined
}
