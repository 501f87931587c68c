import type { Adapter } from '../types'
import { cookiebot } from './cookiebot'
import { didomi } from './didomi'
import { gcm } from './gcm'
import { gpp } from './gpp'
import { onetrust } from './onetrust'
import { shopify } from './shopify'
import { tcf } from './tcf'
import { usercentrics } from './usercentrics'

/**
 * The CMP adapters of the `{p}/cmp.js` chunk. Every one that has something to say posts its own
 * entry; the order is only the order of those entries: no adapter outranks another in the browser.
 * The server combines them by one rule (server/consent/combine.ts: an explicit "no" from any source
 * wins for the fields it covers). GPC needs no adapter: the server reads the browser's `Sec-GPC` header.
 */
export const adapters: Adapter[] = [tcf, gpp, shopify, onetrust, cookiebot, usercentrics, didomi, gcm]
