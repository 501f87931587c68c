import { W } from '../env'
import type { Adapter } from '../types'
import { ads } from '../util'
import { hear } from './hear'

let ready: unknown

/**
 * Cookiebot (cookiebot.com/en/developer, docs/consent-signals.md §5): `Cookiebot.consent.marketing`,
 * once the visitor answered (`hasResponse`) or Cookiebot said it is ready (window events
 * `CookiebotOnConsentReady`, also for implied consent; `CookiebotOnAccept`, `CookiebotOnDecline`);
 * before that the CMP is deciding (`null`). Pinterest's Magento extension reads the same flag for
 * `setconsent`.
 */
export const cookiebot: Adapter = {
  n: 'cookiebot',
  s: (f, seen) => {
    for (const n of ['ConsentReady', 'Accept', 'Decline']) hear('CookiebotOn' + n, () => ((ready = 1), f()), seen)
    return 1
  },
  r: (_, c = W.Cookiebot) => c && ((ready || c.hasResponse) && c.consent ? ads(c.consent.marketing) : null),
}
