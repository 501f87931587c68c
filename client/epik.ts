import { ctx } from './ctx'
import { getCookie, safeId } from './util'

/**
 * Click id `epik`: the landing URL's `epik` parameter beats the `_epik` cookie, then `_derived_epik`
 * (docs/consent-signals.md §6). `_pin_unauth` groups actions of visitors Pinterest cannot identify.
 * Values the server would refuse are ignored. The server keeps `_epik` and deletes the click id
 * cookies as the shopper's consent says (server/context/click-id-cookies.ts).
 */
export function readIds(): void {
  const u = safeId(new URLSearchParams(location.search).get('epik'))
  const c = safeId(getCookie('_epik'))
  const v = u || c || safeId(getCookie('_derived_epik'))
  if (v) (ctx.epik = v), (ctx.epik_src = u ? 'url' : c ? 'cookie' : 'derived')
  ctx.pin_unauth = safeId(getCookie('_pin_unauth'))
}
