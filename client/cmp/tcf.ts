import { W } from '../env'
import type { TcData } from '../globals'
import type { Adapter } from '../types'
import { gd } from '../util'

let tc: TcData | undefined

/**
 * IAB TCF v2.2/v2.3 (IAB Tech Lab "CMP API v2", consent.md §1.4): `addEventListener` calls back at once
 * and on every change. Only `tcloaded` and `useractioncomplete` are decisions (while `cmpuishown` the
 * consents read false). Pinterest has no GVL vendor id (§1.6), so the browser tag needs purposes 1
 * (store/access information) and 7 (measure ad performance); where GDPR does not apply, no obstacle.
 * The CMP API requires its stub on the page before other scripts, so it is there when we subscribe.
 */
export const tcf: Adapter = {
  n: 'tcf',
  s: (f) =>
    W.__tcfapi?.('addEventListener', 2, (d, ok) => ok && /^(tcloaded|useractioncomplete)$/.test(d.eventStatus) && f((tc = d))),
  r: (_, p: Record<number, boolean> = tc?.purpose?.consents || {}) =>
    tc && { tcf: tc.tcString, gdpr_applies: tc.gdprApplies, ad_storage: gd(tc.gdprApplies === false || (p[1] && p[7])) },
}
