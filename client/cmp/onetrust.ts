import { W } from '../env'
import type { Adapter } from '../types'
import { ads } from '../util'
import { hear } from './hear'

let groups: string | string[] | undefined

/**
 * OneTrust (developer.onetrust.com, JavaScript events; consent.md §5): `OnetrustActiveGroups` is a
 * string like ",C0001,C0004,"; the window event `OneTrustGroupsUpdated` fires on load and on every
 * change with the active ids in `detail`. The marketing group id is config `g` (C0004 "targeting" by
 * default; tenants can renumber).
 */
export const onetrust: Adapter = {
  n: 'onetrust',
  s: (f, seen) => hear('OneTrustGroupsUpdated', (e) => f((groups = e.detail)), seen),
  r: (c, g = groups || W.OnetrustActiveGroups) => g != null && ads((',' + g + ',').includes(',' + c.g + ',')),
}
