import { W } from '../env'
import type { TcData } from '../globals'
import type { Adapter } from '../types'
import { gd } from '../util'

let tc: TcData | undefined

/**
 * IAB TCF v2.2/v2.3 (IAB Tech Lab "CMP API v2", docs/consent-signals.md §1): `addEventListener`
 * calls back at once and on every change; on the official stub the call waits in its queue until
 * the CMP answers. Only `tcloaded` and `useractioncomplete` are decisions (while `cmpuishown` the
 * consents read false): until the first one the CMP is deciding (`null`). Pinterest has no GVL
 * vendor id, so the browser tag needs purposes 1 (store/access information) and 7 (measure ad
 * performance); where GDPR does not apply, no obstacle. The TC string goes to the server, which
 * decodes it.
 */
export const tcf: Adapter = {
  n: 'tcf',
  s: (f, _, api = W.__tcfapi) =>
    api && (api('addEventListener', 2, (d, ok) => ok && /^(tcloaded|useractioncomplete)$/.test(d.eventStatus) && ((tc = d), f())), 1),
  r: (_, p: Record<number, boolean> = tc?.purpose?.consents || {}) =>
    tc ? { tcf: tc.tcString, gdpr_applies: tc.gdprApplies, ad_storage: gd(tc.gdprApplies === false || (p[1] && p[7])) } : W.__tcfapi && null,
}
