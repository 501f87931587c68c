import type { ConsentSignals } from '../event'

/**
 * What Shopify's Customer Privacy API reports to a pixel (`init.customerPrivacy` and each
 * `visitorConsentCollected` update; docs/shopify-web-pixels.md §4). The values already combine the
 * merchant's region settings with the shopper's choice.
 */
export interface ShopifyCustomerPrivacy {
  analyticsProcessingAllowed: boolean
  marketingAllowed: boolean
  preferencesProcessingAllowed?: boolean
  saleOfDataAllowed: boolean
}

/** The `source` of these signals; normalized consent names it `cmp:shopify`. */
export const SHOPIFY_CONSENT_SOURCE = 'shopify'

const grant = (allowed: boolean): 'granted' | 'denied' => (allowed ? 'granted' : 'denied')

/**
 * Shopify's customer privacy → tagwarden's raw consent signals, the one place this mapping lives
 * (docs/shopify-web-pixels.md §4):
 * - `marketingAllowed` → `ad_storage`, `ad_user_data`, `ad_personalization` (advertising and the
 *   data sent for it are one permission in Shopify's model);
 * - `analyticsProcessingAllowed` → `analytics_storage`;
 * - `saleOfDataAllowed: false` → `sale_opt_out: true` (adds to GPC and the rest, never clears them);
 * - `preferencesProcessingAllowed` is not used.
 * They are explicit values, so they win over the region default (normalize.ts case 2).
 * @example shopifyConsentSignals({ analyticsProcessingAllowed: true, marketingAllowed: false, saleOfDataAllowed: true }).ad_storage // 'denied'
 */
export function shopifyConsentSignals(privacy: ShopifyCustomerPrivacy): ConsentSignals {
  const ads = grant(privacy.marketingAllowed)
  return {
    ad_storage: ads,
    ad_user_data: ads,
    ad_personalization: ads,
    analytics_storage: grant(privacy.analyticsProcessingAllowed),
    ...(privacy.saleOfDataAllowed ? {} : { sale_opt_out: true }),
    source: SHOPIFY_CONSENT_SOURCE,
  }
}
