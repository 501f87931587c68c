/**
 * `{p}/px.js`: the Meta and TikTok pixel wrappers (client/px/), requested by the CMP chunk only on
 * pages that have `fbq` or `ttq` (client/px-load.ts). It registers itself as `tagwarden._x`, which
 * the chunk calls on every re-decision and poll of the loader — the first time at once (`tagwarden._u`). Loaded without the loader, it does nothing.
 */
import { W } from './env'
import { pixels } from './px/index'
import type { Tagwarden } from './types'

const t = W.tagwarden as Tagwarden | undefined
if (t) (t._x = pixels), t._u?.()
