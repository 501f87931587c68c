import { D, on, W } from '../env'
import type { Adapter } from '../types'
import { ads } from '../util'

/**
 * Shopify Customer Privacy API (shopify.dev/docs/api/customer-privacy, consent.md §5): loaded with
 * `Shopify.loadFeatures`; `marketingAllowed()` / `saleOfDataAllowed()` combine merchant settings,
 * region and the visitor's choice; the document event `visitorConsentCollected` says it changed.
 */
export const shopify: Adapter = {
  n: 'shopify',
  s: (f) => {
    on('visitorConsentCollected', f, D)
    W.Shopify?.loadFeatures?.([{ name: 'consent-tracking-api', version: '0.1' }], f)
  },
  r: (_, p = W.Shopify?.customerPrivacy) => p && { ...ads(p.marketingAllowed()), sale_opt_out: !p.saleOfDataAllowed() },
}
