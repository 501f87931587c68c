import { W } from '../env'
import type { GppPing } from '../globals'
import type { Adapter } from '../types'

let ping: GppPing | undefined

/**
 * IAB GPP (CMP API spec, consent.md §2.3): act when `pingData.signalStatus` is 'ready' (the CMP sets
 * 'not ready' while it changes data); send the GPP string and applicable section ids raw, plus
 * `sale_opt_out` when any parsed section says so: usnat/state `SaleOptOut`, `SharingOptOut`,
 * `TargetedAdvertisingOptOut` = 1 ("opted out", §2.2; the other fields end in `…OptOutNotice` or
 * `…OptOutOptionMode`), uspv1 `OptOutSale` = 'Y'. A pattern over the JSON covers every section.
 */
export const gpp: Adapter = {
  n: 'gpp',
  s: (f) =>
    W.__gpp?.('addEventListener', (v, ok) => ok && v?.pingData?.signalStatus == 'ready' && f((ping = v.pingData))),
  r: (_, p = ping) =>
    p && {
      gpp: p.gppString,
      gpp_sid: p.applicableSections,
      sale_opt_out: /OptOut":1|OptOutSale":"Y/.test(JSON.stringify(p.parsedSections)),
    },
}
