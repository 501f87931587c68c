import { D } from './env'
import type { Consent, Grant } from './types'

/** Value of cookie `n`, as stored. */
export const getCookie = (n: string): string | undefined => (D.cookie.match('(^|; )' + n + '=([^;]*)') || [])[2]

/** An id the server accepts (printable ASCII, no spaces) that is also a safe cookie value: base64/base64url/UUID characters. */
export const safeId = (v?: string | null): string | undefined => (/^[\w.+/=-]{1,256}$/.test(v!) ? v! : undefined)

/** Consent Mode vocabulary for a yes/no. */
export const gd = (yes: unknown): Grant => (yes ? 'granted' : 'denied')

/**
 * A CMP's marketing/advertising decision as the three Consent Mode ad flags, the way CMPs map it
 * for Google: the server strips identifiers from the CAPI copy when `ad_user_data` is not granted
 * (README "Consent"), so `ad_storage` alone would not do.
 */
export const ads = (yes: unknown): Consent => {
  const g = gd(yes)
  return { ad_storage: g, ad_user_data: g, ad_personalization: g }
}

/** Deep copy keeping only the listed (space-separated) keys, at every level (JSON.stringify's array replacer). */
export const pick = <T>(o: T, keys: string): T => JSON.parse(JSON.stringify(o || {}, keys.split(' ')))

/** Short non-cryptographic hash of a value's JSON, for change detection only. */
export const hash = (v: unknown): number => {
  let h = 0
  for (const c of JSON.stringify(v) || '') h = (Math.imul(31, h) + c.charCodeAt(0)) | 0
  return h
}

