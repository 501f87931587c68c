import { ctx, forget } from './ctx'
import { getCookie, safeId, setCookie } from './util'

/**
 * Click id `epik`: the landing URL's `epik` parameter beats the `_epik` cookie, then `_derived_epik`
 * (api-and-tag.md §D7). `_pin_unauth` groups actions of visitors Pinterest cannot identify. Values
 * the server would refuse are ignored.
 */
export function readIds(): void {
  const u = safeId(new URLSearchParams(location.search).get('epik'))
  const c = safeId(getCookie('_epik'))
  const v = u || c || safeId(getCookie('_derived_epik'))
  if (v) (ctx.epik = v), (ctx.epik_src = u ? 'url' : c ? 'cookie' : 'derived')
  ctx.pin_unauth = safeId(getCookie('_pin_unauth'))
}

/**
 * The cookies the loader owns follow browser consent. Allowed: a URL epik is kept in `_epik` for a
 * year, as Pinterest's tag does (and Stape's Pinterest tag, §D7). Explicitly denied: `_epik` and
 * `_derived_epik` are deleted; on a withdrawal (`drop`) the ctx fingerprint goes too.
 */
export function ownCookies(allowed: boolean, explicit: unknown, drop: unknown): void {
  if (allowed) ctx.epik_src == 'url' && setCookie('_epik', ctx.epik!, 31536e3)
  else if (explicit) setCookie('_epik', '', -1), setCookie('_derived_epik', '', -1), drop && forget()
}
