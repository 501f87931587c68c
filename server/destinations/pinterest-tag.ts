import { strippedFields } from '../consent/apply'
import type { ConsentTarget, Decision } from '../consent/types'
import { hashUserValue } from '../identity/normalize'
import type { PdEdit } from '../pinterest/beacon-pd'
import { LDP } from '../pinterest/ldp'

/** The name under which the browser tag's beacons are judged by consent rules. */
export const TAG_DESTINATION = 'pinterest-tag'

/**
 * The Pinterest tag as a destination: the shopper's browser sends its beacons through the proxy
 * (routes/pin-beacons.ts), and consent decides per beacon, through this declaration, whether it
 * is forwarded and what its partner data (`pd`) keeps. What the tag may carry: the enhanced-match
 * email and LDP's hashed state and country in `pd`, the epik cookie, IP and user agent.
 */
export const pinterestTag: ConsentTarget = {
  name: TAG_DESTINATION,
  identifiers: { personal: ['em', 'st', 'country'], ids: ['pinterest.epik'], network: ['client_ip_address', 'client_user_agent'] },
  // LDP on a beacon: "pd[opt_out_type]=LDP&pd[st]=…&pd[country]=…" with SHA-256 values (docs/pinterest-tag.md "LDP").
  restricted: { keeps: ['st', 'country'] },
}

/**
 * What a `pinterest-tag` decision changes in a forwarded beacon's partner data: a strip or a
 * restricted decision that removes `em` removes `pd.em`; `restricted` sets Pinterest's LDP flag and
 * the hashed country where the server knows it (an existing `pd.country` is kept). Undefined: the
 * beacon goes as it came.
 * @example beaconEdit({ action: 'restricted', rule: 'sale-opt-out' }, 'US') // { set: { opt_out_type: 'LDP', country: sha256('us') }, remove: [] }
 */
export function beaconEdit(decision: Decision, country: string | undefined): PdEdit | undefined {
  const remove = decision.action === 'strip' || decision.action === 'restricted' ? strippedFields(pinterestTag, decision).filter((f) => f === 'em') : []
  if (decision.action !== 'restricted') return remove.length ? { remove } : undefined
  const hashed = country ? hashUserValue('country', country) : undefined
  return { set: { opt_out_type: LDP, ...(hashed ? { country: hashed } : {}) }, remove }
}
