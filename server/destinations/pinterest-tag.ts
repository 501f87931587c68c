import { z } from 'zod'
import { strippedFields } from '../consent/apply'
import type { ConsentTarget, Decision } from '../consent/types'
import { defineDestination, type BrowserTag } from './define-destination'
import { hashUserValue } from '../identity/normalize'
import type { PdEdit } from '../pinterest/beacon-pd'
import { LDP } from '../pinterest/ldp'

/** The name under which the browser tag's beacons are judged by consent rules. */
export const TAG_DESTINATION = 'pinterest-tag'

/**
 * What the tag may carry, for consent: the enhanced-match email and LDP's hashed state and country
 * in `pd`, the epik cookie, IP and user agent.
 */
const consentView: ConsentTarget = {
  name: TAG_DESTINATION,
  identifiers: { personal: ['em', 'st', 'country'], ids: ['pinterest.epik'], network: ['client_ip_address', 'client_user_agent'] },
  // LDP on a beacon: "pd[opt_out_type]=LDP&pd[st]=…&pd[country]=…" with SHA-256 values (docs/pinterest-tag.md "LDP").
  restricted: { keeps: ['st', 'country'] },
}

const origin = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).transform((u) => new URL(u).origin)

/** The options of the Pinterest tag. */
const options = z
  .object({
    /** The tag id (digits); unset = the loader loads no Pinterest tag (the server side still works). */
    tagId: z.string().regex(/^\d{6,20}$/, 'must be the numeric tag id').optional(),
    /** Where core.js and the tag's other scripts come from (a fake in tests). */
    scriptOrigin: origin.default('https://s.pinimg.com'),
    /** Where beacons go (a fake in tests). */
    beaconOrigin: origin.default('https://ct.pinterest.com'),
  })
  .strict()

export type PinterestTagOptions = z.input<typeof options>

/**
 * The Pinterest tag as a destination: served from the shop's origin, the shopper's browser sends
 * its beacons through the proxy (routes/pin-beacons.ts), and consent decides per beacon, through
 * the same declaration as for the Conversions API, whether it is forwarded and what its partner
 * data (`pd`) keeps (`beaconEdit`).
 */
export const pinterestTag = defineDestination({
  name: TAG_DESTINATION,
  kind: 'tag',
  options,
  env: { tagId: 'PINTEREST_TAG_ID', scriptOrigin: 'PINTEREST_SCRIPT_ORIGIN', beaconOrigin: 'PINTEREST_BEACON_ORIGIN' },
  onByDefault: true,
  platform: 'pinterest',
  create: (o): BrowserTag => ({ ...consentView, kind: 'tag', tagId: o.tagId, scriptOrigin: o.scriptOrigin, beaconOrigin: o.beaconOrigin, describe: () => ({ ...o }) }),
})

/**
 * What a `pinterest-tag` decision changes in a forwarded beacon's partner data: a strip or a
 * restricted decision that removes `em` removes `pd.em`; `restricted` sets Pinterest's LDP flag and
 * the hashed country where the server knows it (an existing `pd.country` is kept). Undefined: the
 * beacon goes as it came.
 * @example beaconEdit({ action: 'restricted', rule: 'sale-opt-out' }, 'US') // { set: { opt_out_type: 'LDP', country: sha256('us') }, remove: [] }
 */
export function beaconEdit(decision: Decision, country: string | undefined): PdEdit | undefined {
  const remove = decision.action === 'strip' || decision.action === 'restricted' ? strippedFields(consentView, decision).filter((f) => f === 'em') : []
  if (decision.action !== 'restricted') return remove.length ? { remove } : undefined
  const hashed = country ? hashUserValue('country', country) : undefined
  return { set: { opt_out_type: LDP, ...(hashed ? { country: hashed } : {}) }, remove }
}
