import { gpc } from './cmp/gpc'
import { C } from './config'
import { assign } from './env'
import type { Adapter, Consent } from './types'

/** What `tagwarden.consent(…)` said (merged over calls, `source: 'hook'`); it beats every CMP adapter. */
export const hook: Consent = {}

/** The adapters in precedence order: GPC, and ahead of it those of the `{p}/cmp.js` chunk once it arrived (cmp-load.ts). */
export const adapters: Adapter[] = [gpc]

/**
 * One consent snapshot from the hook and what every CMP adapter reads now: each key from the
 * highest-precedence signal that has it (hook, then adapters in list order); `source` = that
 * signal's name or the one it gives itself, absent when there is no signal at all. An opt-out of
 * sale/sharing is sticky: no other signal can clear it, so GPC cannot be overridden (consent.md §4, §8).
 */
export function merge(): Consent {
  const all: Consent[] = hook.source ? [hook] : []
  for (const a of adapters) {
    // A CMP API that throws must not stop the loader: that adapter just says nothing.
    try {
      const r = a.r(C)
      if (r) all.push(assign({ source: a.n }, r))
    } catch (e) {}
  }
  const m: Consent = {}
  for (let i = all.length; i--; ) assign(m, all[i])
  if (all.some((s) => s.sale_opt_out)) m.sale_opt_out = true
  return m
}
