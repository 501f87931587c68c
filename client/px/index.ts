import { getCookie, safeId } from '../util'
import type { LoaderConfig } from '../config'
import type { Io } from '../types'
import { useConfig } from './event-id'
import { gateMeta, wrapMeta } from './meta'
import { flush } from './mirror'
import { gateTiktok, wrapTiktok } from './tiktok'

let seen: unknown

/**
 * The Meta and TikTok pixels on the page, run on every re-decision and poll of the loader: the
 * first time, their click and browser ids go into the context (`fbclid`, `_fbc`, `_fbp`,
 * `ttclid`, `_ttp`, under the names Meta's and TikTok's drivers declare in `browserIds`: the server
 * ranks the URL over the cookie and keeps `_fbc`/`_fbp` first-party, docs/meta-capi.md §7); every time, `fbq`/`ttq` are taken over where they appeared,
 * each platform's script follows the server's decision for it, and waiting calls leave when they may.
 */
export function pixels(io: Io, config: LoaderConfig): void {
  useConfig(config)
  if (!seen) {
    seen = 1
    const q = new URLSearchParams(location.search)
    const ids = { fbclid: q.get('fbclid'), fbc: getCookie('_fbc'), fbp: getCookie('_fbp'), ttclid: q.get('ttclid'), ttp: getCookie('_ttp') }
    for (const k in ids) io[0][k as 'fbc'] = safeId(ids[k as 'fbc'])
    io[1](1)
  }
  wrapMeta(io)
  wrapTiktok(io)
  const d = io[4]()
  gateMeta(d?.['meta-pixel']?.action)
  gateTiktok(d?.['tiktok-pixel']?.action)
  flush()
}
