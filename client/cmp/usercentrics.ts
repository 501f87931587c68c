import { W } from '../env'
import type { UcDetails } from '../globals'
import type { Adapter } from '../types'
import { ads } from '../util'
import { hear } from './hear'

let details: UcDetails | undefined
let heard: unknown

/** Category states that are a decision: v3 `state`, v2 booleans (`null` = mixed). */
const DECIDED: Record<string, number> = { ALL_ACCEPTED: 1, true: 1, ALL_DENIED: 0, false: 0 }

/**
 * Usercentrics. v3 (usercentrics.com/docs/web, "UC_CONSENT"; docs/consent-signals.md §5): window
 * event `UC_CONSENT` with the consent details, `__ucCmp.getConsentDetails()` for the state before we
 * arrived (asked once `__ucCmp` is there; until it answers the CMP is deciding, `null`). v2 ("Web
 * CMP v2 Events"): the `consent_status` window event, whose name is set in the admin — `ucEvent`,
 * the documented example, is the one heard. The `marketing` category decides when it is all on or all off.
 */
export const usercentrics: Adapter = {
  n: 'usercentrics',
  s: (f, seen, uc = W.__ucCmp) => {
    heard ||= (hear('UC_CONSENT', (e) => ((details = e.detail), f()), seen), hear('ucEvent', (e) => ((details = e.detail), f()), seen), 1)
    return uc && (uc.getConsentDetails().then((d) => ((details = d), f())), 1)
  },
  r: (_, d = DECIDED['' + (details?.categories ? details.categories.marketing?.state : details?.ucCategory?.marketing)]) =>
    d != null ? ads(d) : W.__ucCmp && !details && null,
}
