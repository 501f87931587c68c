import type { Consent } from './types'

/**
 * What `tagwarden.consent(…)` said (merged over calls, `source: 'hook'`): an explicit decision like a
 * CMP's, posted as one more entry. Global Privacy Control needs no entry: the browser sends
 * `Sec-GPC: 1` with every request, which the server reads on `/tw/ctx`, `/tw/e` and every beacon
 * (docs/consent-signals.md §4) — page scripts can neither fake nor hide it.
 */
export const hook: Consent = {}
