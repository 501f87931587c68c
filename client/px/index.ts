import { getCookie, safeId } from '../util'
import type { LoaderConfig } from '../config'
import type { Io } from '../types'
import { useConfig } from './event-id'
import { gateMeta, wrapMeta } from './meta'
import { flush } from './mirror'
import { gateTiktok, wrapTiktok } from './tiktok'

/**
 * The click and browser ids to read, `[name, param, cookie]` each: the server puts the list here as
 * it serves `{p}/px.js`, made from the drivers' `browserIds` declarations (server/routes/loader.ts
 * `PX_SLOT`, server/context/browser-ids.ts `pageReads`), so a declared id needs no code here.
 */
declare const __TW_IDS__: [name: string, param: string, cookie?: string][]

let seen: unknown

/**
 * The Meta and TikTok pixels on the page, run on every re-decision and poll of the loader: the
 * first time, the declared click and browser ids go into the context (today `fbclid`, `_fbc`,
 * `_fbp`, `ttclid`, `_ttp`; a URL parameter beats a cookie of the same name, and the server ranks
 * the URL over the cookie and keeps `_fbc`/`_fbp` first-party, docs/meta-capi.md §7); every time,
 * `fbq`/`ttq` are taken over where they appeared, each platform's script follows the server's
 * decision for it, and waiting calls leave when they may.
 */
export function pixels(io: Io, config: LoaderConfig): void {
  useConfig(config)
  if (!seen) {
    seen = 1
    const q = new URLSearchParams(location.search)
    for (const [k, p, c] of __TW_IDS__) (io[0] as Record<string, unknown>)[k] = safeId((p && q.get(p)) || (c && getCookie(c)))
    io[1](1)
  }
  wrapMeta(io)
  wrapTiktok(io)
  const d = io[4]()
  gateMeta(d?.['meta-pixel']?.action)
  gateTiktok(d?.['tiktok-pixel']?.action)
  flush()
}
