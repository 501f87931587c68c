import { assign, W } from '../env'
import type { Adapter, Consent } from '../types'
import { pick } from '../util'

/**
 * Google Consent Mode v2 (developers.google.com/tag-platform/security/guides/consent, consent.md §3):
 * the `gtag('consent', 'default'|'update', {...})` entries of `dataLayer` (gtag pushes `arguments`
 * objects), folded in order, later ones win; `dataLayer.push` is wrapped to hear later ones (a tag
 * manager wrapping it again later calls ours in turn). A region-scoped default cannot be evaluated
 * in the page (the region is unknown), so it is skipped. Until an `update` comes the state is only
 * the site's default (source `gcm-default`): it decides whether the tag may load, but it is no
 * decision of the visitor, so the loader still waits for a CMP before sending events to `/e`.
 */
export const gcm: Adapter = {
  n: 'gcm',
  s: (f, _, d = (W.dataLayer ||= []), push = d.push) =>
    (d.push = (...a) => {
      const n = push.apply(d, a)
      if (a.some((x) => x?.[0] == 'consent')) f()
      return n
    }),
  r: (_, s: Consent = { source: 'gcm-default' }) => {
    for (const x of W.dataLayer || [])
      if (x?.[0] == 'consent' && !(x[2] as Consent & { region?: string[] })?.region)
        assign(s, pick(x[2], 'ad_storage ad_user_data ad_personalization analytics_storage'), x[1] == 'update' && { source: 'gcm' })
    return s.ad_storage && s
  },
}
