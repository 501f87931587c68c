import { W } from '../env'
import type { GppPing } from '../globals'
import type { Adapter } from '../types'

let ping: GppPing | undefined

/**
 * IAB GPP (CMP API spec, docs/consent-signals.md §2): every event carries `pingData`; act when its
 * `signalStatus` is 'ready' (the CMP sets 'not ready' while it changes data, and the last ready
 * state stands meanwhile). Until the first 'ready' the CMP is deciding (`null`). Send the GPP string
 * and applicable section ids raw, plus `sale_opt_out` when any parsed section says so: usnat/state
 * `SaleOptOut`, `SharingOptOut`, `TargetedAdvertisingOptOut` = 1 ("opted out"; the other fields end
 * in `…OptOutNotice` or `…OptOutOptionMode`), uspv1 `OptOutSale` = 'Y'. A pattern over the JSON covers
 * every section.
 */
export const gpp: Adapter = {
  n: 'gpp',
  s: (f, _, api = W.__gpp) => api && (api('addEventListener', (v, ok) => ok && v?.pingData?.signalStatus == 'ready' && ((ping = v.pingData), f())), 1),
  r: (_, p = ping) =>
    p
      ? { gpp: p.gppString, gpp_sid: p.applicableSections, sale_opt_out: /OptOut":1|OptOutSale":"Y/.test(JSON.stringify(p.parsedSections)) }
      : W.__gpp && null,
}
