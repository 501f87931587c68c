import { EVENT_NAMES, type EventName } from '../event'

/**
 * Tag event names (as the beacon's `event` param carries them, lowercase) → CAPI `event_name`.
 * Tag names: https://help.pinterest.com/en/business/article/add-event-codes ; CAPI enum: v5/openapi.yaml
 * `event_name`. `init` (the base code's `load`) and user-defined tag events have no CAPI
 * counterpart and are not mirrored.
 */
const TAG_TO_CAPI: Record<string, EventName> = {
  pagevisit: 'page_visit',
  viewcategory: 'view_category',
  search: 'search',
  addtocart: 'add_to_cart',
  checkout: 'checkout',
  watchvideo: 'watch_video',
  signup: 'signup',
  lead: 'lead',
  custom: 'custom',
  addpaymentinfo: 'add_payment_info',
  addtowishlist: 'add_to_wishlist',
  initiatecheckout: 'initiate_checkout',
  subscribe: 'subscribe',
  viewcontent: 'view_content',
  appinstall: 'app_install',
}
for (const name of EVENT_NAMES) TAG_TO_CAPI[name.replace(/_/g, '')] = name

/**
 * Map any spelling of an event name (`AddToCart`, `addtocart`, `add_to_cart`, `Add To Cart`) to the
 * CAPI vocabulary, or `undefined` when Pinterest has no such conversion event (e.g. `init`, a
 * user-defined tag event).
 * @example toCapiEventName('AddToCart') // 'add_to_cart'
 */
export function toCapiEventName(name: string): EventName | undefined {
  const key = name.toLowerCase().replace(/[\s_-]/g, '')
  // Own keys only: `constructor` would otherwise find Object.prototype's.
  return Object.hasOwn(TAG_TO_CAPI, key) ? TAG_TO_CAPI[key] : undefined
}
