import type { CanonicalEvent, ClickIdKey, Identity, PersonalField } from '../event'
import { normalizeValue } from '../identity/normalize'
import { normalizeCountry } from './regions'
import type { ConsentTarget, Decision, FieldSelector } from './types'

/**
 * The identifiers a decision removes for one destination. The groups mean that destination's own
 * declaration, so a platform's new id is covered without a rule change: `identifiers` = every
 * personal identifier and click id it declares (with `restricted`, except what its restricted mode
 * keeps), `click_ids` = every click and browser id it declares.
 * @example strippedFields(pinterestCapi, { action: 'strip', rule: 'r', fields: ['click_ids'] }) // ['pinterest.epik', 'pinterest.partner_id']
 */
export function strippedFields(target: ConsentTarget, decision: Decision): string[] {
  const out = new Set<string>()
  const keeps: readonly string[] = decision.action === 'restricted' ? (target.restricted?.keeps ?? []) : []
  for (const f of decision.fields ?? []) {
    if (f === 'identifiers') {
      for (const p of target.identifiers.personal) if (!keeps.includes(p)) out.add(p)
      for (const id of target.identifiers.ids) out.add(id)
    } else if (f === 'click_ids') {
      for (const id of target.identifiers.ids) out.add(id)
    } else out.add(f)
  }
  return [...out]
}

const isClickId = (f: string): f is ClickIdKey => f.includes('.')

function without(user: Identity, fields: readonly string[]): Identity {
  const out: Identity = { ...user }
  let ids: Identity['ids'] | undefined
  for (const f of fields) {
    if (isClickId(f)) {
      if (out.ids?.[f] === undefined) continue
      ids ??= { ...out.ids }
      delete ids[f]
    } else delete out[f as PersonalField]
  }
  if (ids) {
    if (Object.keys(ids).length) out.ids = ids
    else delete out.ids
  }
  return out
}

/**
 * Apply a decision to a canonical event for one destination (never mutating it): `allow` → as is;
 * `suppress` → null; `strip` → the selected identifiers removed; `restricted` → flagged for the
 * destination's restricted-processing mode (a destination without one: suppressed), selected
 * identifiers removed, and — where that mode keeps the country — the country from the signals (the
 * trusted country header) added when the event has none. An event that lost so much to stripping
 * that the destination's API would refuse it is suppressed rather than sent invalid.
 */
export function applyDecision(target: ConsentTarget, event: CanonicalEvent, decision: Decision): CanonicalEvent | null {
  if (decision.action === 'suppress') return null
  if (decision.action === 'allow') return event
  if (decision.action === 'restricted' && !target.restricted) return null
  const stripped = strippedFields(target, decision)
  const user = stripped.length ? without(event.user, stripped) : { ...event.user }
  const result: CanonicalEvent = { ...event, user }
  if (decision.action === 'restricted') {
    result.restricted = true
    const country = normalizeCountry(event.consent?.country)
    const keepsCountry = target.restricted!.keeps.includes('country') && !stripped.includes('country')
    // Pinterest hashes the lowercase code ("two-character ISO-3166 country code … in lowercase";
    // docs/pinterest-capi.md "LDP" notes the LDP page's own example hashes "US").
    const value = country && keepsCountry && !user.country ? normalizeValue('country', country) : undefined
    if (value) user.country = [value]
  }
  if (stripped.length && target.accepts && !target.accepts(result.user)) return null
  return result
}
