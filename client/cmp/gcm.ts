import { assign, W } from '../env'
import type { Adapter, Consent } from '../types'
import { pick } from '../util'

const FLAGS = 'ad_storage ad_user_data ad_personalization analytics_storage'

/**
 * Google Consent Mode v2 (developers.google.com/tag-platform/security/guides/consent;
 * docs/consent-signals.md §3): the `gtag('consent', 'default'|'update', {...})` entries of
 * `dataLayer` (gtag pushes `arguments` objects). Each `default` is its own entry (`gcm-default`,
 * with its `region` list: the server knows the shopper's country and resolves it); `update`s fold in
 * order into one explicit entry (the CMP's, later ones win). While a default asked to
 * `wait_for_update` and no update came, the CMP is deciding (`null`), counted from the page's start.
 * `dataLayer.push` is wrapped to hear later commands (a tag manager wrapping it again calls ours in
 * turn; the loader's poll reads the array anyway).
 */
export const gcm: Adapter = {
  n: 'gcm',
  s: (f, _, d = W.dataLayer, push = d?.push) =>
    d &&
    ((d.push = (...a) => {
      const n = push!.apply(d, a)
      if (a.some((x) => x?.[0] == 'consent')) f()
      return n
    }),
    1),
  r: () => {
    const out: Consent[] = []
    let u: Consent | undefined
    let wait = 0
    for (const x of W.dataLayer || [])
      if (x?.[0] == 'consent') {
        const v = x[2] as { wait_for_update?: number }
        if (x[1] == 'update') u = assign(u || {}, pick(v, FLAGS))
        else out.push(assign(pick(v, FLAGS + ' region'), { source: 'gcm-default' })), (wait = Math.max(wait, +v?.wait_for_update! || 0))
      }
    if (u) out.push(u)
    return !u && performance.now() < wait ? null : out[0] && out
  },
}
