import { randomInt } from 'node:crypto'

/**
 * Meta's first-party cookie values, `fb.<subdomain index>.<creation ms>.<payload>[.<appendix>]`
 * (docs/meta-capi.md §7: 4 or 5 segments; a value read is never rewritten). The payload of `_fbc`
 * is the `fbclid`, of `_fbp` a random integer.
 */
export const FB_COOKIE = /^fb\.\d\.\d{13}\.[^.\s]{1,512}(\.[A-Za-z0-9_-]{2,8})?$/
/** A `fbclid` that fits a valid `_fbc` payload: printable, no dot (the segment separator). */
const FBCLID = /^[\x21-\x2d\x2f-\x7e]{1,512}$/
/** 90 days, as Meta's own server-side parameter builder keeps both cookies (docs/meta-capi.md §7). */
export const META_COOKIE_MAX_AGE_S = 90 * 24 * 3600

/**
 * The subdomain index of a cookie set host-only on `host`: the number of dots in it (`localhost`
 * → 0, `shop.example` → 1, `www.shop.example` → 2; docs/meta-capi.md §7).
 */
export const subdomainIndex = (host: string): number => Math.min(9, host.split('.').length - 1)

/**
 * The `fbc` for a landing URL's `fbclid`: `current` (the `_fbc` cookie or the stored one) when it
 * already carries this click, else a new value with the server's time — Meta's parameter builder
 * replaces `_fbc` only for a different fbclid. An unusable fbclid keeps `current`.
 */
export function fbcFor(fbclid: string | undefined, current: string | undefined, host: string, nowMs: number): string | undefined {
  if (!fbclid || !FBCLID.test(fbclid)) return current
  if (current && current.split('.')[3] === fbclid) return current
  return `fb.${subdomainIndex(host)}.${Math.floor(nowMs)}.${fbclid}`
}

/** A new `_fbp` browser id: `fb.<index>.<ms>.<random 0…2³¹−2>` (docs/meta-capi.md §7). */
export const newFbp = (host: string, nowMs: number): string => `fb.${subdomainIndex(host)}.${Math.floor(nowMs)}.${randomInt(0, 2 ** 31 - 1)}`
