import { W } from '../env'
import type { Adapter } from '../types'
import { ads } from '../util'
import { hear } from './hear'

let groups: string | string[] | undefined

/**
 * OneTrust (developer.onetrust.com, JavaScript events; docs/consent-signals.md §5):
 * `OnetrustActiveGroups` is a string like ",C0001,C0004,"; the window event `OneTrustGroupsUpdated`
 * fires on load and on every change with the active ids in `detail`. The marketing group id is
 * config `g` (C0004 "targeting" by default; tenants can renumber). While the embed code's
 * `OptanonWrapper` is there but the SDK has not set the groups, the CMP is deciding (`null`).
 */
export const onetrust: Adapter = {
  n: 'onetrust',
  s: (f, seen) => (hear('OneTrustGroupsUpdated', (e) => ((groups = e.detail), f()), seen), 1),
  r: (c, g = groups || W.OnetrustActiveGroups) => (g != null ? ads((',' + g + ',').includes(',' + c.g + ',')) : W.OptanonWrapper && null),
}
