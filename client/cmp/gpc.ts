import type { Adapter } from '../types'

/**
 * Global Privacy Control (`navigator.globalPrivacyControl`, consent.md §4): a legal opt-out of
 * sale/sharing in CA and CO. The merge keeps it whatever other signals say; the tag then runs in LDP mode.
 */
export const gpc: Adapter = {
  n: 'gpc',
  r: () => (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl && { gpc: true, sale_opt_out: true },
}
