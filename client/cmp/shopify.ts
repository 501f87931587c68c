import { D, on, W } from '../env'
import type { Adapter } from '../types'
import { ads } from '../util'

/**
 * Shopify Customer Privacy API (shopify.dev/docs/api/customer-privacy, docs/consent-signals.md §5):
 * loaded with `Shopify.loadFeatures`; `marketingAllowed()` / `saleOfDataAllowed()` combine merchant
 * settings, region and the visitor's choice; the document event `visitorConsentCollected` says it
 * changed. Until the API has loaded the CMP is deciding (`null`).
 */
export const shopify: Adapter = {
  n: 'shopify',
  s: (f, _, s = W.Shopify) => (on('visitorConsentCollected', f, D), s?.loadFeatures && (s.loadFeatures([{ name: 'consent-tracking-api', version: '0.1' }], f), 1)),
  r: (_, s = W.Shopify, p = s?.customerPrivacy) =>
    p ? { ...ads(p.marketingAllowed()), sale_opt_out: !p.saleOfDataAllowed() } : s?.loadFeatures && null,
}
