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
 * The CMP adapters of the `{p}/cmp.js` chunk, highest precedence first (the `tagwarden.consent` hook
 * beats them all). IAB signals lead; Consent Mode comes after the CMPs because CMPs usually write it
 * themselves, often starting from a region default. The order is only the order of the entries the
 * loader posts: the server combines them (server/consent/combine.ts). GPC needs no adapter: the
 * server reads the browser's `Sec-GPC` header.
 */
export const adapters: Adapter[] = [tcf, gpp, shopify, onetrust, cookiebot, usercentrics, didomi, gcm]
