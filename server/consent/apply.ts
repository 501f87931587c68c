import type { CanonicalEvent, UserData } from '../event'
import { hashUserValue } from '../pinterest/normalize'
import { normalizeCountry } from './regions'
import type { Decision } from './types'

/** Pinterest's only accepted opt-out type today (v5/openapi.yaml `custom_data.opt_out_type`; LDP doc P3). */
const LDP = 'LDP'

/**
 * What a destination's wire format needs at minimum, checked after stripping. Pinterest CAPI
 * `user_data` is `anyOf`: em, or hashed_maids, or client_ip_address + client_user_agent
 * (v5/openapi.yaml `ConversionEventsUserData`; consent.md §6.2).
 */
export const REQUIRED_IDENTIFIERS: Readonly<Record<string, (user: UserData) => boolean>> = {
  'pinterest-capi': (u) => !!u.em?.length || !!u.hashed_maids?.length || (!!u.client_ip_address && !!u.client_user_agent),
}

/** Add `LDP` to a comma-separated `opt_out_type` ("Separate values with commas", v5/openapi.yaml). */
function withLdp(current: string | undefined): string {
  const values = (current ?? '').split(',').map((v) => v.trim()).filter(Boolean)
  return values.includes(LDP) ? values.join(',') : [...values, LDP].join(',')
}

/**
 * Apply a decision to a canonical event (never mutating it): `allow` → as is; `suppress` → null;
 * `strip` → the listed user fields removed; `ldp` → `custom.opt_out_type` gets `LDP`, listed
 * fields removed, hashed `st`/`country` kept, and the country from the signals (e.g. the
 * CF-IPCountry header) hashed in when the event has none and the rule did not strip it.
 * A destination in {@link REQUIRED_IDENTIFIERS} whose event lost its last identifier to
 * stripping is suppressed rather than sent invalid.
 */
export function applyDecision(destination: string, event: CanonicalEvent, decision: Decision): CanonicalEvent | null {
  if (decision.action === 'suppress') return null
  if (decision.action === 'allow') return event
  const stripped = decision.fields ?? []
  const user: Record<string, unknown> = { ...event.user }
  for (const field of stripped) delete user[field]
  let custom = event.custom
  if (decision.action === 'ldp') {
    custom = { ...custom, opt_out_type: withLdp(custom.opt_out_type) }
    const country = normalizeCountry(event.consent?.country)
    // hashUserValue lowercases ("two-character ISO-3166 country code … in lowercase", v5/openapi.yaml);
    // the LDP page's own example hashes uppercase "US" — consent.md §6.1 flags the ambiguity.
    const hashed = country && hashUserValue('country', country)
    if (!user.country && !stripped.includes('country') && hashed) user.country = [hashed]
  }
  const result: CanonicalEvent = { ...event, user: user as UserData, custom }
  const required = REQUIRED_IDENTIFIERS[destination]
  if (stripped.length && required && !required(result.user)) return null
  return result
}
